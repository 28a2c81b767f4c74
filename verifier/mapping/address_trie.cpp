#include "verifier/mapping/address_trie.h"

#include <algorithm>
#include <sstream>

namespace ptv {

std::string to_string(const AttrClass& c) {
  std::ostringstream os;
  switch (c.kind) {
    case AttrClass::Kind::kUnmapped:
      return "unmapped";
    case AttrClass::Kind::kUnknown:
      return "unknown";
    case AttrClass::Kind::kFault:
      return "faults (reserved bit)";
    case AttrClass::Kind::kMapped:
      break;
  }
  os << "mapped " << rights_text(c.user, c.writable, c.executable, c.user_writable, c.supervisor_executable);
  if (c.global == Tri::kYes) os << " G";
  if (c.page_table_frame == Tri::kYes) os << " (a page-table frame)";
  if (c.page_size) os << " page " << c.page_size;
  return os.str();
}

struct AddressTrie::Interval {
  std::uint64_t first, last;  // offset space, inclusive
  std::uint32_t cls;
};

namespace {

/// The rights fields Run, UnknownRange and AttrClass share (mapping_set.h says what each means).
template <class From>
void copy_rights(const From& from, AttrClass& to) {
  to.writable = from.writable;
  to.user = from.user;
  to.executable = from.executable;
  to.user_writable = from.user_writable;
  to.supervisor_executable = from.supervisor_executable;
  to.global = from.global;
}

AttrClass class_of(const Run& r) {
  AttrClass c;
  c.kind = AttrClass::Kind::kMapped;
  copy_rights(r, c);
  c.valid = r.valid;
  c.page_table_frame = r.page_table_frame;
  c.page_size = r.page_size.value_or(0);
  return c;
}

}  // namespace

AttrClass class_of(const UnknownRange& u) {
  AttrClass c;
  c.kind = AttrClass::Kind::kUnknown;
  copy_rights(u, c);
  c.valid = Tri::kUnknown;
  c.page_table_frame = Tri::kUnknown;
  c.page_size = u.max_page_size;
  return c;
}

namespace {

std::uint64_t hash_node(const AddressTrie::Node& n) {
  std::uint64_t h = 1469598103934665603ull ^ static_cast<std::uint64_t>(n.level);
  for (const auto& s : n.segments) {
    for (std::uint64_t v :
         {std::uint64_t{s.first}, std::uint64_t{s.last}, std::uint64_t{s.child}, std::uint64_t{s.value}}) {
      h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    }
  }
  return h;
}

}  // namespace

AttrClass class_at(const MappingSet& m, VirtAddr va) {
  AttrClass c;
  if (!is_canonical(va, m.mode)) return c;
  if (const Run* r = m.find(va)) return class_of(*r);
  auto in = [va](const auto& v) {
    auto it = std::upper_bound(v.begin(), v.end(), va, [](VirtAddr a, const auto& x) { return a < x.range.first; });
    return it != v.begin() && std::prev(it)->range.contains(va);
  };
  auto it = std::upper_bound(m.unknown.begin(), m.unknown.end(), va,
                             [](VirtAddr a, const UnknownRange& x) { return a < x.range.first; });
  if (it != m.unknown.begin() && std::prev(it)->range.contains(va)) return class_of(*std::prev(it));
  if (in(m.faults)) c.kind = AttrClass::Kind::kFault;
  return c;
}

std::uint32_t AddressTrie::class_id(const AttrClass& c) {
  for (std::uint32_t i = 0; i < classes_.size(); ++i)
    if (classes_[i] == c) return i;
  classes_.push_back(c);
  return static_cast<std::uint32_t>(classes_.size() - 1);
}

std::uint32_t AddressTrie::intern(Node n) {
  const std::uint64_t h = hash_node(n);
  auto [lo, hi] = intern_index_.equal_range(h);
  for (auto it = lo; it != hi; ++it)
    if (nodes_[it->second] == n) return it->second;
  nodes_.push_back(std::move(n));
  const auto id = static_cast<std::uint32_t>(nodes_.size() - 1);
  intern_index_.emplace(h, id);
  return id;
}

std::size_t AddressTrie::segment_count() const {
  std::size_t n = 0;
  for (const Node& node : nodes_) n += node.segments.size();
  return n;
}

// Builds the node for the table of `level` whose first address (offset space) is `base`.
// `cursor` indexes the interval holding `base`; intervals cover the whole space in order.
std::uint32_t AddressTrie::build_node(Level level, std::uint64_t base, const std::vector<Interval>& iv,
                                      std::size_t& cursor) {
  const std::uint64_t span = entry_span(level);
  Node node{level, {}};
  auto add_leaf = [&](unsigned first, unsigned last, std::uint32_t cls) {
    if (!node.segments.empty() && !node.segments.back().child && node.segments.back().value == cls &&
        node.segments.back().last + 1u == first) {
      node.segments.back().last = static_cast<std::uint16_t>(last);
      return;
    }
    node.segments.push_back(Segment{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last), false, cls});
  };
  unsigned slot = 0;
  while (slot < kEntriesPerTable) {
    const std::uint64_t pos = base + span * slot;
    while (iv[cursor].last < pos) ++cursor;
    const Interval& cur = iv[cursor];
    const std::uint64_t slot_last = pos + (span - 1);
    if (cur.last >= slot_last) {
      // The interval covers whole slots from here: as many as fit inside it and this node.
      const std::uint64_t covered = (cur.last - pos + 1) / span;  // whole slots, >= 1
      const unsigned last = static_cast<unsigned>(std::min<std::uint64_t>(slot + covered - 1, kEntriesPerTable - 1));
      add_leaf(slot, last, cur.cls);
      slot = last + 1;
    } else {
      // Requires level > PT: intervals are 4 KiB aligned, so a PT slot is never split.
      const std::uint32_t child = build_node(child_level(level), pos, iv, cursor);
      node.segments.push_back(Segment{static_cast<std::uint16_t>(slot), static_cast<std::uint16_t>(slot), true, child});
      ++slot;
    }
  }
  return intern(std::move(node));
}

Expected<AddressTrie> AddressTrie::build(const MappingSet& m) {
  AddressTrie t;
  t.mode_ = m.mode;
  const unsigned w = va_bits(m.mode);
  const std::uint64_t mask = (std::uint64_t{1} << w) - 1;
  const std::uint32_t unmapped = t.class_id(AttrClass{});

  // Gather every described range in canonical order; canonical order equals offset order.
  struct Piece {
    VirtRange r;
    std::uint32_t cls;
  };
  std::vector<Piece> pieces;
  pieces.reserve(m.runs.size() + m.unknown.size() + m.faults.size());
  for (const Run& r : m.runs) pieces.push_back({r.range, t.class_id(class_of(r))});
  for (const UnknownRange& u : m.unknown) pieces.push_back({u.range, t.class_id(class_of(u))});
  AttrClass fault;
  fault.kind = AttrClass::Kind::kFault;
  for (const FaultRange& f : m.faults) pieces.push_back({f.range, t.class_id(fault)});
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.r.first < b.r.first; });

  // Clip to the canonical halves and cover the gaps with the unmapped class.
  std::vector<Interval> iv;
  std::uint64_t next = 0;  // first offset not yet covered
  auto push = [&](std::uint64_t first, std::uint64_t last, std::uint32_t cls) {
    if (!iv.empty() && iv.back().cls == cls && iv.back().last + 1 == first) {
      iv.back().last = last;
    } else {
      iv.push_back({first, last, cls});
    }
  };
  const VirtRange halves[] = {{VirtAddr(0), lower_half_last(m.mode)}, {upper_half_first(m.mode), VirtAddr(~0ull)}};
  for (const Piece& p : pieces) {
    if (!p.r.first.is_aligned(kTableBytes) || (p.r.last.value() & (kTableBytes - 1)) != kTableBytes - 1) {
      std::ostringstream os;
      os << m.source << ": range " << p.r << " is not aligned to 4 KiB pages";
      return Error{os.str()};
    }
    for (const VirtRange& h : halves) {
      const auto c = p.r.intersect(h);
      if (!c) continue;
      const std::uint64_t f = c->first.value() & mask, l = c->last.value() & mask;
      if (f > next) push(next, f - 1, unmapped);
      push(f, l, p.cls);
      next = l + 1;  // may wrap to 0 past the very top; then nothing follows
    }
  }
  if (next != 0 && next <= mask) push(next, mask, unmapped);
  if (iv.empty()) push(0, mask, unmapped);

  std::size_t cursor = 0;
  t.root_ = t.build_node(top_level(m.mode), 0, iv, cursor);
  for (const Interval& i : iv) {
    t.iv_first_.push_back(i.first);
    t.iv_last_.push_back(i.last);
    t.iv_class_.push_back(i.cls);
  }
  return t;
}

std::uint32_t AddressTrie::lookup(VirtAddr va) const {
  if (!is_canonical(va, mode_)) return 0;  // the unmapped class is interned first
  std::uint32_t id = root_;
  for (;;) {
    const Node& n = nodes_[id];
    const unsigned i = table_index(va, n.level);
    const auto it = std::lower_bound(n.segments.begin(), n.segments.end(), i,
                                     [](const Segment& s, unsigned x) { return s.last < x; });
    if (!it->child) return it->value;
    id = it->value;
  }
}

std::vector<AddressTrie::ClassInterval> AddressTrie::intervals() const {
  const std::uint64_t half = std::uint64_t{1} << (va_bits(mode_) - 1);
  std::vector<ClassInterval> out;
  out.reserve(iv_first_.size() + 1);
  for (std::size_t k = 0; k < iv_first_.size(); ++k) {
    const std::uint64_t f = iv_first_[k], l = iv_last_[k];
    if (f < half && l >= half) {  // one class on both sides of the hole: two intervals
      out.push_back({VirtRange{canonicalize(f, mode_), canonicalize(half - 1, mode_)}, iv_class_[k]});
      out.push_back({VirtRange{canonicalize(half, mode_), canonicalize(l, mode_)}, iv_class_[k]});
    } else {
      out.push_back({VirtRange{canonicalize(f, mode_), canonicalize(l, mode_)}, iv_class_[k]});
    }
  }
  return out;
}

VirtRange AddressTrie::class_range(VirtAddr va) const {
  return class_range(va, [](const AttrClass&) { return false; });
}

VirtRange AddressTrie::class_range(VirtAddr va, const std::function<bool(const AttrClass&)>& same) const {
  const std::uint64_t mask = (std::uint64_t{1} << va_bits(mode_)) - 1;
  const std::uint64_t off = va.value() & mask;
  const auto it = std::upper_bound(iv_first_.begin(), iv_first_.end(), off);
  const std::size_t k = static_cast<std::size_t>(it - iv_first_.begin()) - 1;
  std::size_t lo = k, hi = k;
  while (lo > 0 && same(classes_[iv_class_[lo - 1]])) --lo;
  while (hi + 1 < iv_first_.size() && same(classes_[iv_class_[hi + 1]])) ++hi;
  std::uint64_t f = iv_first_[lo], l = iv_last_[hi];
  // Stay inside va's canonical half.
  const std::uint64_t half = std::uint64_t{1} << (va_bits(mode_) - 1);
  if (off < half)
    l = std::min(l, half - 1);
  else
    f = std::max(f, half);
  return VirtRange{canonicalize(f, mode_), canonicalize(l, mode_)};
}

}  // namespace ptv
