// The oracle's own page walk, from the Intel SDM vol. 3A §4.5 (tables 4-14 to 4-20 for the
// entry formats, §4.5.4 for reserved bits, §4.6 for how rights combine) and the rights tables of
// docs/spec-language.md §5. Plain uint64_t, one recursive visit per path.
#include <algorithm>
#include <sstream>

#include "rule_oracle.h"

namespace ptv::oracle {

namespace {

constexpr std::uint64_t bit(unsigned b) { return std::uint64_t{1} << b; }
/// Bits hi:lo set (hi >= lo, hi <= 63).
constexpr std::uint64_t field(unsigned hi, unsigned lo) {
  const std::uint64_t upto_hi = hi == 63 ? ~std::uint64_t{0} : bit(hi + 1) - 1;
  return upto_hi & ~(bit(lo) - 1);
}

// Entry bits [SDM 3A Tables 4-15 .. 4-20].
constexpr std::uint64_t kP = bit(0), kRW = bit(1), kUS = bit(2), kPS = bit(7), kXD = bit(63);

/// Bit position of the lowest address bit a level's index selects: 12 for a PT, 21 for a PD, ...
constexpr unsigned shift_of(unsigned level) { return 12 + 9 * (level - 1); }

/// A level's virtual offset as a canonical address: bit 47 (or 56) copied into the bits above.
std::uint64_t canonical(std::uint64_t offset, unsigned levels) {
  const unsigned width = shift_of(levels) + 9;  // 48 or 57
  return (offset & bit(width - 1)) ? (offset | ~(bit(width) - 1)) : offset;
}

class Walker {
 public:
  explicit Walker(const Machine& m) : m_(m) {}

  WalkOut run() {
    if (!m_.memory.count(m_.root)) {
      out_.root_missing = true;
      out_.missing_upper_table = true;
      out_.tables.insert(m_.root);
      const unsigned width = shift_of(m_.levels) + 9;
      for (const auto& [first, last] :
           {std::pair{std::uint64_t{0}, bit(width - 1) - 1}, std::pair{~(bit(width - 1) - 1), ~std::uint64_t{0}}}) {
        Piece p;
        p.kind = Piece::Kind::kUnknown;
        p.first = first;
        p.last = last;
        p.level = m_.levels;
        out_.pieces.push_back(p);
      }
      return out_;
    }
    visit(m_.root, m_.levels, Acc{}, 0);
    std::sort(out_.pieces.begin(), out_.pieces.end(), [](const Piece& a, const Piece& b) { return a.first < b.first; });
    return out_;
  }

 private:
  void visit(std::uint64_t table, unsigned level, const Acc& above, std::uint64_t base) {
    out_.tables.insert(table);
    const Table& t = m_.memory.at(table);
    const std::uint64_t span = bit(shift_of(level));
    const Cpu& cpu = m_.cpu;
    for (unsigned i = 0; i < 512; ++i) {
      const std::uint64_t raw = t[i];
      if (!(raw & kP)) continue;
      const std::uint64_t offset = base + span * i;
      Piece p;
      p.first = canonical(offset, m_.levels);
      p.last = canonical(offset + (span - 1), m_.levels);
      if (reserved_bits(raw, level, cpu) != 0) {
        p.kind = Piece::Kind::kFault;
        out_.pieces.push_back(p);
        continue;
      }
      const Acc acc{above.rw && (raw & kRW) != 0, above.us && (raw & kUS) != 0, above.xd || (raw & kXD) != 0};
      const bool leaf = level == 1 || ((level == 2 || level == 3) && (raw & kPS) != 0);
      if (leaf) {
        p.kind = Piece::Kind::kMapped;
        p.level = level;
        p.entry_pa = table + 8ull * i;
        p.raw = raw;
        p.above = above;
        p.acc = acc;
        p.frame = raw & field(cpu.maxphyaddr - 1, shift_of(level));
        p.size = span;
        out_.pieces.push_back(p);
        continue;
      }
      const std::uint64_t child = raw & field(cpu.maxphyaddr - 1, 12);
      if (level == m_.levels && child == m_.root) out_.recursive_slots.push_back(i);
      if (!m_.memory.count(child)) {
        out_.tables.insert(child);
        p.kind = Piece::Kind::kUnknown;
        p.level = level - 1;
        p.above = acc;
        if (level - 1 >= 2) out_.missing_upper_table = true;
        out_.pieces.push_back(p);
        continue;
      }
      visit(child, level - 1, acc, offset);
    }
  }

  const Machine& m_;
  WalkOut out_;
};

}  // namespace

std::uint64_t reserved_bits(std::uint64_t raw, unsigned level, const Cpu& cpu) {
  std::uint64_t r = 0;
  if (cpu.maxphyaddr < 52) r |= raw & field(51, cpu.maxphyaddr);  // above MAXPHYADDR, every level
  if (!cpu.efer_nxe) r |= raw & kXD;                              // XD without EFER.NXE
  const bool ps = (raw & kPS) != 0;
  if (level >= 4) {
    r |= raw & kPS;  // PML5E / PML4E: bit 7 reserved
  } else if (level == 3 && ps) {
    r |= cpu.page_1gb ? (raw & field(29, 13)) : kPS;  // 1 GiB page: bits 29:13; none: PS itself
  } else if (level == 2 && ps) {
    r |= raw & field(20, 13);  // 2 MiB page: bits 20:13
  }
  return r;
}

Rights effective_rights(const Acc& acc, bool g, const Cpu& cpu) {
  Rights r;
  r.user = acc.us;
  r.writable = acc.rw || !cpu.cr0_wp;
  r.executable = !cpu.efer_nxe || !acc.xd;
  r.global = g && cpu.cr4_pge;
  r.user_writable = r.user && acc.rw;
  r.user_executable = r.user && r.executable;
  r.supervisor_executable = r.executable && !(r.user && cpu.cr4_smep);
  return r;
}

WalkOut walk_machine(const Machine& m) { return Walker(m).run(); }

IntervalSet normalize(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.first < b.first; });
  IntervalSet out;
  for (const Interval& i : v) {
    if (!out.empty() && (out.back().last == ~std::uint64_t{0} || i.first <= out.back().last + 1)) {
      out.back().last = std::max(out.back().last, i.last);
      continue;
    }
    out.push_back(i);
  }
  return out;
}

IntervalSet subtract(const IntervalSet& a, const IntervalSet& b) {
  IntervalSet out;
  std::size_t j = 0;
  for (Interval cur : a) {
    while (j < b.size() && b[j].last < cur.first) ++j;
    bool gone = false;
    for (std::size_t k = j; k < b.size() && b[k].first <= cur.last; ++k) {
      if (b[k].first > cur.first) out.push_back({cur.first, b[k].first - 1});
      if (b[k].last >= cur.last) {
        gone = true;
        break;
      }
      cur.first = b[k].last + 1;
    }
    if (!gone) out.push_back(cur);
  }
  return out;
}

std::string to_string(const IntervalSet& s) {
  if (s.empty()) return "{}";
  std::ostringstream os;
  os << std::hex;
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? " " : "") << "[0x" << s[i].first << ", 0x" << s[i].last << "]";
  return os.str();
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kHolds:
      return "holds";
    case Verdict::kViolated:
      return "violated";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

}  // namespace ptv::oracle
