#include "random_machine.h"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "models/format.h"

namespace ptv::oracle {

namespace {

constexpr std::uint64_t bit(unsigned b) { return std::uint64_t{1} << b; }
constexpr std::uint64_t kP = bit(0), kRW = bit(1), kUS = bit(2), kPWT = bit(3), kPCD = bit(4), kA = bit(5), kD = bit(6),
                        kPS = bit(7), kG = bit(8), kXD = bit(63);
constexpr std::uint64_t k4K = 0x1000, k2M = 0x20'0000, k1G = 0x4000'0000;
constexpr std::uint64_t kFirstTable = 0x10'0000;       // tables at 1 MiB + 4 KiB * k
constexpr std::uint64_t kDataFrames = 0x200'0000;      // 4 KiB leaves' frames: 32 MiB + 4 KiB * k
constexpr std::uint64_t kOutsideMemory = 0xf000'0000;  // tables no leaf maps and memory lacks
constexpr std::size_t kMaxPieces = 40;                 // leaves, faults and unreadable tables walked

class Rand {
 public:
  explicit Rand(std::mt19937_64& rng) : rng_(rng) {}
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937_64& rng_;
};

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

/// One leaf's flags and frame at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB).
std::uint64_t random_leaf(Rand& r, unsigned level, const std::vector<std::uint64_t>& tables,
                          std::vector<std::uint64_t>& frames_used) {
  std::uint64_t e = kP | kA;
  if (r.chance(0.6)) e |= kRW;
  if (r.chance(0.5)) e |= kUS;
  if (r.chance(0.4)) e |= kG;
  if (r.chance(0.3)) e |= kD;
  if (r.chance(0.1)) e |= kPWT | kPCD;
  if (r.chance(0.2)) e |= r.below(16) << 59;  // protection key
  std::uint64_t frame = 0;
  if (level == 1) {
    if (r.chance(0.1)) e |= kPS;  // PAT in a PTE
    if (r.chance(0.12))
      frame = r.pick(tables);
    else if (r.chance(0.2) && !frames_used.empty())
      frame = r.pick(frames_used) & ~(k4K - 1);
    else
      frame = kDataFrames + k4K * r.below(32);
  } else {
    e |= kPS;
    if (r.chance(0.1)) e |= bit(12);  // PAT in a large leaf
    if (level == 2)
      frame = r.chance(0.2) ? 0 : r.pick(std::vector<std::uint64_t>{kDataFrames, 2 * kDataFrames, 3 * kDataFrames});
    else
      frame = r.chance(0.5) ? 0 : k1G;
  }
  frames_used.push_back(frame);
  return e | frame;
}

/// A reserved bit this entry may carry at `level` [SDM 3A §4.5.4], or 0 when none is available.
std::uint64_t random_reserved(Rand& r, std::uint64_t e, unsigned level, const Cpu& cpu) {
  std::vector<std::uint64_t> options;
  if (cpu.maxphyaddr < 52) options.push_back(bit(cpu.maxphyaddr + static_cast<unsigned>(r.below(52 - cpu.maxphyaddr))));
  if (level >= 4) options.push_back(kPS);
  if ((level == 2 || level == 3) && (e & kPS))
    options.push_back(bit(13 + static_cast<unsigned>(r.below(level == 2 ? 8 : 17))));
  if (!cpu.efer_nxe) options.push_back(kXD);
  return options.empty() ? 0 : r.pick(options);
}

}  // namespace

namespace {

/// One attempt at random_machine.
Machine random_tables(std::mt19937_64& rng) {
  Rand r(rng);
  Machine m;
  m.levels = r.chance(0.3) ? 5 : 4;
  Cpu& c = m.cpu;
  c.cr0_wp = r.chance(0.75);
  c.cr4_smep = r.chance(0.5);
  c.cr4_smap = r.chance(0.5);
  c.cr4_pge = r.chance(0.7);
  c.cr4_pke = r.chance(0.3);
  c.cr4_pks = r.chance(0.3);
  c.efer_nxe = r.chance(0.85);
  c.maxphyaddr = r.pick(std::vector<unsigned>{36, 40, 46, 52});
  c.page_1gb = r.chance(0.85);

  // Tables and their levels: a chain from the root down, then random levels.
  const std::size_t n = 3 + r.below(8);
  std::vector<std::uint64_t> pa(n);
  std::vector<unsigned> level(n);
  for (std::size_t k = 0; k < n; ++k) {
    pa[k] = kFirstTable + k4K * k;
    level[k] = k < m.levels ? m.levels - static_cast<unsigned>(k) : 1 + static_cast<unsigned>(r.below(m.levels - 1));
    m.memory[pa[k]].fill(0);
  }
  m.root = pa[0];
  const bool with_recursion = r.chance(0.25);
  const bool with_outside = r.chance(0.15);
  std::vector<std::uint64_t> frames_used;
  const std::vector<unsigned> special{0, 1, 255, 256, 510, 511};
  for (std::size_t k = 0; k < n; ++k) {
    Table& t = m.memory[pa[k]];
    const unsigned l = level[k];
    std::vector<std::size_t> children;
    for (std::size_t j = 0; j < n; ++j)
      if (level[j] + 1 == l) children.push_back(j);
    // The chain's next table first, so that every level is reached.
    std::optional<std::size_t> chain;
    if (k + 1 < n && k + 1 < m.levels) chain = k + 1;
    const std::size_t entries = 1 + r.below(8);
    for (std::size_t e = 0; e < entries; ++e) {
      const unsigned i = r.chance(0.5) ? r.pick(special) : static_cast<unsigned>(r.below(512));
      if (t[i] & kP) continue;
      std::uint64_t v = 0;
      const bool large_ok = l == 2 || l == 3;
      if (l == 1 || (large_ok && r.chance(0.3)) || (children.empty() && large_ok)) {
        v = random_leaf(r, l, pa, frames_used);
      } else if (l == m.levels && k == 0 && with_recursion && r.chance(0.4)) {
        v = m.root | kP | kA | (r.chance(0.7) ? kRW : 0);  // a recursive slot
      } else if (with_outside && r.chance(0.25)) {
        v = (kOutsideMemory + k4K * r.below(16)) | kP | kRW | (r.chance(0.5) ? kUS : 0);
      } else if (!children.empty()) {
        const std::size_t child = (chain && e == 0) ? *chain : r.pick(children);
        v = pa[child] | kP | kA;
        if (r.chance(0.8)) v |= kRW;
        if (r.chance(0.6)) v |= kUS;
        if (r.chance(0.15)) v |= kPWT;
        if (r.chance(0.15)) v |= kG;                // ignored above a leaf
        if (r.chance(0.1)) v |= r.below(16) << 59;  // ignored above a leaf too
      } else {
        continue;
      }
      if (r.chance(c.efer_nxe ? 0.3 : 0.04)) v |= kXD;
      if (r.chance(0.04)) v |= random_reserved(r, v, l, c);
      t[i] = v;
    }
  }
  return m;
}

}  // namespace

Machine random_machine(std::mt19937_64& rng) {
  // Shared tables multiply the paths (five levels of eight entries into one table make 8^5);
  // the checker spends a solver query per violating range, so keep the walk small.
  for (;;) {
    Machine m = random_tables(rng);
    if (walk_machine(m).pieces.size() <= kMaxPieces) return m;
  }
}

namespace {

struct GenRegion {
  std::string name, kind, must;
  std::uint64_t start = 0, extent = 0;  // extent in bytes
  bool array = false;
  std::uint64_t count = 1, size = 0, guard = 0, stride = 0;
  std::optional<std::size_t> parent;
  unsigned depth = 0;
  std::vector<std::string> allowed, required, page_sizes;
  std::optional<bool> maps_page_tables;
  bool start_as_parameter = false;
  [[nodiscard]] std::uint64_t last() const { return start + (extent - 1); }
};

std::string list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + v[i] + "\"";
  return out + "]";
}

class SpecGen {
 public:
  SpecGen(Rand& r, const Machine& m) : r_(r), m_(m) {
    const unsigned width = 12 + 9 * m.levels;
    lower_last_ = bit(width - 1) - 1;
    upper_first_ = ~lower_last_;
    for (const Piece& p : walk_machine(m).pieces) pieces_.push_back(p);
  }

  std::string run() {
    const std::size_t want = 2 + r_.below(7);
    for (std::size_t tries = 0; regions_.size() < want && tries < 60; ++tries) try_add(random_region());
    const std::string uikh =
        r_.pick(std::vector<std::string>{"forbidden", "vsyscall-only", "vsyscall-only", "allowed"});
    if (uikh == "vsyscall-only" || r_.chance(0.2)) add_vsyscall();
    // Now and then one region's start is a parameter with a single value. Sparingly: check
    // infers parameters by a solver loop of one round per violating range.
    if (!regions_.empty() && r_.chance(0.15)) regions_[r_.below(regions_.size())].start_as_parameter = true;
    // Drawn in the order they always were, so that each seed keeps its case.
    const std::uint64_t null_guard = r_.pick(std::vector<std::uint64_t>{0, k4K, 0x1'0000, k2M});
    const std::string wx = policy(0.8);
    const std::string sius = policy(0.6);
    const std::string outside = policy(0.6);
    const std::string slot = recursive_slot();
    const std::string aliases = policy(0.8);
    std::ostringstream os;
    os << "{\"name\": \"random\", \"rules\": {\"paging_mode\": " << m_.levels << ", \"null_guard\": \""
       << hex(null_guard) << "\""
       << ", \"wx\": \"" << wx << "\", \"user_kernel_split\": {\"user_in_kernel_half\": \"" << uikh
       << "\", \"supervisor_in_user_half\": \"" << sius << "\"}, \"outside_regions\": \"" << outside
       << "\", \"recursive_slot\": " << slot << ", \"conflicting_aliases\": \"" << aliases << "\"}";
    // Scoped exceptions for some specs, chosen from the spec itself rather than drawn (as
    // physical() is): a rule the rules leave on, excepted for a region or two.
    std::vector<std::string> rules{"region-rights", "region-required-rights", "required-mapped",     "guard-unmapped",
                                   "page-size",     "reserved-bits",          "page-table-exposure", "physical-layout"};
    if (null_guard != 0) rules.emplace_back("null-guard");
    if (uikh != "allowed") rules.emplace_back("user-kernel-split");
    if (sius == "forbidden") rules.emplace_back("supervisor-in-user-half");
    if (wx == "forbidden") rules.insert(rules.end(), 3, "wx");
    if (slot != "\"any\"") rules.emplace_back("recursive-slot");
    if (aliases == "forbidden") rules.insert(rules.end(), 3, "conflicting-aliases");
    std::uint64_t h = null_guard * 0x9e37'79b9'7f4a'7c15 + regions_.size();
    for (const GenRegion& g : regions_) h = (h ^ g.start ^ (g.extent << 7)) * 0xc2b2'ae3d'27d4'eb4f;
    h ^= h >> 31;
    if (!regions_.empty() && h % 3 == 0) {
      std::set<std::pair<std::string, std::string>> chosen;
      const std::size_t n = 1 + (h >> 8) % 2;
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t hk = (h >> (16 + 12 * k)) * 0x1656'67b1 + k;
        chosen.emplace(rules[hk % rules.size()], regions_[(hk >> 20) % regions_.size()].name);
      }
      std::string list;
      for (const auto& [rule, region] : chosen)
        list += std::string(list.empty() ? "" : ", ") + "{\"rule\": \"" + rule + "\", \"region\": \"" + region +
                "\", \"reason\": \"random\"}";
      os << ", \"exceptions\": [" << list << "]";
    }
    std::string params;
    for (const GenRegion& g : regions_)
      if (g.start_as_parameter)
        params += std::string(params.empty() ? "" : ", ") + "\"" + g.name + "_start\": {\"values\": [\"" +
                  hex(g.start) + "\"]}";
    if (!params.empty()) os << ", \"parameters\": {" << params << "}";
    for (bool arrays : {false, true}) {
      os << (arrays ? ", \"arrays\": [" : ", \"regions\": [");
      bool first = true;
      for (const GenRegion& g : regions_) {
        if (g.array != arrays) continue;
        os << (first ? "" : ", ") << json(g);
        first = false;
      }
      os << "]";
    }
    os << "}";
    return os.str();
  }

 private:
  std::string policy(double forbidden) { return r_.chance(forbidden) ? "forbidden" : "allowed"; }

  std::string recursive_slot() {
    if (r_.chance(0.4)) return "\"any\"";
    if (r_.chance(0.5)) return "\"none\"";
    unsigned index = r_.pick(std::vector<unsigned>{0, 1, 255, 256, 510, 511});
    const Table& root = m_.memory.at(m_.root);
    for (unsigned i = 0; i < 512; ++i)
      if ((root[i] & kP) && (root[i] & ~kXD & 0x000f'ffff'ffff'f000) == m_.root && r_.chance(0.7)) index = i;
    return "{\"index\": " + std::to_string(index) + "}";
  }

  /// An address where the tables do something, or now and then anywhere near them.
  std::uint64_t anchor() {
    if (!pieces_.empty() && r_.chance(0.8)) {
      const Piece& p = r_.pick(pieces_);
      const std::uint64_t span = p.last - p.first;  // bytes - 1
      const std::uint64_t pages = std::min<std::uint64_t>(span / k4K + 1, 0x4000);
      const std::uint64_t off = r_.chance(0.5) ? 0 : k4K * r_.below(pages);
      return p.first + off;
    }
    return r_.chance(0.5) ? k4K * r_.below(0x800) : upper_first_ + k4K * r_.below(0x800);
  }

  GenRegion random_region() {
    GenRegion g;
    g.array = r_.chance(0.3);
    std::uint64_t a = anchor();
    // Half the time, inside an existing plain region.
    std::vector<std::size_t> plain;
    for (std::size_t i = 0; i < regions_.size(); ++i)
      if (!regions_[i].array && regions_[i].depth < 2) plain.push_back(i);
    if (!plain.empty() && r_.chance(0.5)) {
      const GenRegion& p = regions_[r_.pick(plain)];
      a = p.start + k4K * r_.below(std::max<std::uint64_t>(1, std::min<std::uint64_t>(p.extent / k4K, 0x400)));
    }
    if (g.array) {
      g.count = 1 + r_.below(6);
      g.size = k4K * (1 + r_.below(4));
      g.guard = g.count > 1 || r_.chance(0.7) ? k4K * (1 + r_.below(2)) : 0;
      g.stride = g.size + g.guard + (r_.chance(0.4) ? k4K * (1 + r_.below(3)) : 0);
      g.extent = (g.count - 1) * g.stride + g.size + g.guard;
    } else {
      g.extent = r_.pick(std::vector<std::uint64_t>{k4K, 4 * k4K, 16 * k4K, k2M, 2 * k2M, k1G});
      if (r_.chance(0.3)) g.extent = k4K * (1 + r_.below(64));
    }
    g.start = (a & ~(k4K - 1)) - (r_.chance(0.5) ? k4K * r_.below(4) : 0);
    if (r_.chance(0.3)) g.start &= ~(std::min<std::uint64_t>(g.extent, k2M) - 1);
    g.must = r_.pick(std::vector<std::string>{"mapped", "unmapped", "may-be-mapped", "may-be-mapped"});
    if (g.must == "unmapped") {
      g.kind = r_.chance(0.5) ? "guard" : "other";
    } else {
      g.kind = r_.pick(std::vector<std::string>{"code", "data", "heap", "stack", "direct-map", "direct-map", "mmap",
                                                "vmalloc", "recursive", "fixmap", "other"});
      static const std::vector<std::string> rights{"user", "writable", "executable", "global"};
      for (const std::string& right : rights)
        if (r_.chance(0.6)) g.allowed.push_back(right);
      for (const std::string& right : g.allowed)
        if (r_.chance(0.25)) g.required.push_back(right);
      if (r_.chance(0.35)) {
        for (const char* s : {"4K", "2M", "1G"})
          if (r_.chance(0.5)) g.page_sizes.emplace_back(s);
        if (g.page_sizes.empty()) g.page_sizes.emplace_back("4K");
      }
      if (r_.chance(0.3)) g.maps_page_tables = r_.chance(0.5);
    }
    return g;
  }

  /// Adds g under the innermost plain region containing it, when it is canonical, in one half,
  /// disjoint from its siblings and at most 3 deep.
  bool try_add(GenRegion g) {
    if (g.extent == 0 || g.start + (g.extent - 1) < g.start || (g.array && g.last() == ~std::uint64_t{0})) return false;
    const bool user = g.last() <= lower_last_;
    if (!user && g.start < upper_first_) return false;
    std::optional<std::size_t> parent;
    for (std::size_t i = 0; i < regions_.size(); ++i) {
      const GenRegion& p = regions_[i];
      if (!p.array && p.start <= g.start && g.last() <= p.last() && (!parent || p.depth > regions_[*parent].depth))
        parent = i;
    }
    for (const GenRegion& s : regions_)
      if (s.parent == parent && s.start <= g.last() && g.start <= s.last()) return false;
    g.depth = parent ? regions_[*parent].depth + 1 : 0;
    if (g.depth > 2) return false;
    g.parent = parent;
    g.name = "r" + std::to_string(regions_.size());
    half_.push_back(user ? "user" : "kernel");
    regions_.push_back(std::move(g));
    return true;
  }

  /// A 4 KiB (sometimes 16 KiB) vsyscall region allowing user, over a kernel-half page if any.
  void add_vsyscall() {
    for (int tries = 0; tries < 20; ++tries) {
      GenRegion g;
      g.kind = "vsyscall";
      g.must = r_.chance(0.5) ? "may-be-mapped" : "mapped";
      g.extent = r_.chance(0.7) ? k4K : 4 * k4K;
      g.allowed = {"user"};
      if (r_.chance(0.5)) g.allowed.emplace_back("executable");
      if (r_.chance(0.5)) g.allowed.emplace_back("global");
      std::vector<const Piece*> kernel;
      for (const Piece& p : pieces_)
        if (p.first >= upper_first_ && p.kind == Piece::Kind::kMapped) kernel.push_back(&p);
      g.start = kernel.empty() || r_.chance(0.2) ? upper_first_ + k4K * r_.below(0x100) : r_.pick(kernel)->first;
      if (try_add(g) && r_.chance(0.7)) return;
    }
  }

  std::string json(const GenRegion& g) const {
    const std::size_t i = static_cast<std::size_t>(&g - regions_.data());
    std::ostringstream os;
    os << "{\"name\": \"" << g.name << "\", \"kind\": \"" << g.kind << "\", \"half\": \"" << half_[i]
       << "\", \"start\": \"" << (g.start_as_parameter ? g.name + "_start" : hex(g.start)) << "\"";
    if (g.array)
      os << ", \"count\": " << g.count << ", \"size\": \"" << hex(g.size) << "\", \"guard\": \"" << hex(g.guard)
         << "\", \"stride\": \"" << hex(g.stride) << "\"";
    else
      os << ", \"last\": \"" << hex(g.last()) << "\"";
    os << ", \"must\": \"" << g.must << "\"";
    if (g.must != "unmapped")
      os << ", \"rights\": {\"allowed\": " << list(g.allowed) << ", \"required\": " << list(g.required) << "}";
    if (!g.page_sizes.empty()) os << ", \"page_sizes\": " << list(g.page_sizes);
    if (g.maps_page_tables) os << ", \"maps_page_tables\": " << (*g.maps_page_tables ? "true" : "false");
    if (g.parent) os << ", \"nested_in\": \"" << regions_[*g.parent].name << "\"";
    if (g.must != "unmapped") os << physical(g, i);
    os << "}";
    return os.str();
  }

  /// A physical layout for some regions, chosen from the region itself rather than drawn (the
  /// cases of every seed before this field existed stay what they were): now and then
  /// identity, or linear with the offset of a piece the region meets (so it may hold) or of
  /// none.
  std::string physical(const GenRegion& g, std::size_t i) const {
    std::uint64_t h = (g.start * 0x9e37'79b9'7f4a'7c15) ^ (g.extent * 0xc2b2'ae3d'27d4'eb4f) ^ (i * 0x1656'67b1);
    h ^= h >> 29;
    switch (h % 5) {
      case 0:
        return ", \"physical\": \"identity\"";
      case 1: {
        std::uint64_t offset = (h >> 8) & 0xffff'f000;
        for (const Piece& p : pieces_)
          if (p.kind == Piece::Kind::kMapped && p.first <= g.last() && g.start <= p.last) {
            offset = p.first - p.frame;
            break;
          }
        return ", \"physical\": {\"linear\": \"" + hex(offset) + "\"}";
      }
      default:
        return "";
    }
  }

  Rand& r_;
  const Machine& m_;
  std::uint64_t lower_last_ = 0, upper_first_ = 0;
  std::vector<Piece> pieces_;
  std::vector<GenRegion> regions_;
  std::vector<std::string> half_;
};

}  // namespace

std::string random_spec_json(std::mt19937_64& rng, const Machine& m) {
  Rand r(rng);
  return SpecGen(r, m).run();
}

RandomCase random_case(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  RandomCase c;
  c.machine = random_machine(rng);
  c.spec_json = random_spec_json(rng, c.machine);
  return c;
}

std::string describe(const Machine& m) {
  const Cpu& c = m.cpu;
  std::ostringstream os;
  os << m.levels << "-level, root " << hex(m.root) << ", WP=" << c.cr0_wp << " SMEP=" << c.cr4_smep
     << " SMAP=" << c.cr4_smap << " PGE=" << c.cr4_pge << " PKE=" << c.cr4_pke << " PKS=" << c.cr4_pks
     << " NXE=" << c.efer_nxe << " MAXPHYADDR=" << c.maxphyaddr << " 1G=" << c.page_1gb << "\n";
  for (const auto& [pa, t] : m.memory) {
    os << "  table " << hex(pa) << ":";
    for (unsigned i = 0; i < 512; ++i)
      if (t[i] & kP) os << " [" << i << "]=" << hex(t[i]);
    os << "\n";
  }
  return os.str();
}

std::size_t present_entries(const Machine& m) {
  std::size_t n = 0;
  for (const auto& [pa, t] : m.memory)
    n += static_cast<std::size_t>(std::count_if(t.begin(), t.end(), [](std::uint64_t e) { return (e & kP) != 0; }));
  return n;
}

}  // namespace ptv::oracle
