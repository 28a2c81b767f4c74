// The mapping set as a radix trie that follows the paging geometry, for the SMT encoding.
//
// Each node stands for one table of the paging mode (512 slots of 9 index bits); each slot is
// either a leaf holding an attribute class (what the rules can see of the translation there)
// or a child node. Neighbouring slots with the same leaf class merge into one index range, and
// nodes with identical contents are one node (hash-consed). So the trie grows with the number
// of distinct runs, not with the pages they map: Linux's ESPfix area (65,536 mappings of one
// page through shared tables) is a few nodes, and a uniform range of ten million pages is one
// segment. The same construction serves raw walks and text dumps, which have no tables.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/expected.h"
#include "models/paging_mode.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// What rules can see of the translation of an address.
struct AttrClass {
  enum class Kind : std::uint8_t {
    kUnmapped,  ///< no translation (known)
    kMapped,    ///< a translation with the rights below
    kUnknown,   ///< the source cannot tell (elided, not described, table outside memory)
    kFault,     ///< the walk faults on a reserved bit
  };
  Kind kind = Kind::kUnmapped;
  // kMapped: the run's rights (Run in mapping_set.h says what each means).
  Tri writable = Tri::kNo, user = Tri::kNo, executable = Tri::kNo, global = Tri::kNo;
  Tri user_writable = Tri::kNo, supervisor_executable = Tri::kNo;
  Tri valid = Tri::kNo;             ///< the translation exists (no reserved bit on the walk)
  Tri page_table_frame = Tri::kNo;  ///< the frame holds a paging structure of the walk
  std::uint64_t page_size = 0;      ///< kMapped: the page size (0 unknown); kUnknown: the largest
                                    ///< page possible there (0 any); else 0

  bool operator==(const AttrClass&) const = default;
};
std::string to_string(const AttrClass& c);

/// The class of va read directly from the mapping set (binary search): the independent
/// definition the trie and its SMT term are checked against when replaying.
AttrClass class_at(const MappingSet& m, VirtAddr va);
/// The class of an unknown range: kUnknown with the rights its bounds leave open, and as
/// page_size the largest leaf possible there (0: any).
AttrClass class_of(const UnknownRange& u);

class AddressTrie {
 public:
  /// A maximal range of slots [first, last] of one node.
  struct Segment {
    std::uint16_t first = 0, last = 0;
    bool child = false;  ///< value is a node id (else an attribute class id)
    std::uint32_t value = 0;
    bool operator==(const Segment&) const = default;
  };
  struct Node {
    Level level;
    std::vector<Segment> segments;  ///< sorted, covering slots 0..511 exactly
    bool operator==(const Node&) const = default;
  };

  /// Requires: m.validate() holds. Runs not aligned to 4 KiB are an error; runs at
  /// non-canonical addresses are left out (the canonical rule reports them from the set).
  static Expected<AddressTrie> build(const MappingSet& m);

  [[nodiscard]] PagingMode mode() const { return mode_; }
  [[nodiscard]] std::uint32_t root() const { return root_; }
  [[nodiscard]] const Node& node(std::uint32_t id) const { return nodes_[id]; }
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] std::size_t segment_count() const;
  [[nodiscard]] const std::vector<AttrClass>& classes() const { return classes_; }

  /// The class of a canonical address, by concrete descent: the oracle the SMT encoding of
  /// the trie is tested against. Non-canonical addresses have the unmapped class.
  [[nodiscard]] std::uint32_t lookup(VirtAddr va) const;
  /// A maximal range of canonical addresses of one class (cut at the canonical hole).
  struct ClassInterval {
    VirtRange range;
    std::uint32_t cls = 0;
  };
  /// Every canonical address's class, as intervals in address order: the lower half, then the
  /// upper half.
  [[nodiscard]] std::vector<ClassInterval> intervals() const;
  /// The maximal range around va whose addresses all have va's class (canonical half only).
  [[nodiscard]] VirtRange class_range(VirtAddr va) const;
  /// The same, extended over neighbouring classes `same` accepts (it is asked about each class
  /// next to the range, outward, until it refuses one).
  [[nodiscard]] VirtRange class_range(VirtAddr va, const std::function<bool(const AttrClass&)>& same) const;

 private:
  struct Interval;
  std::uint32_t build_node(Level level, std::uint64_t base, const std::vector<Interval>& iv, std::size_t& cursor);
  std::uint32_t intern(Node n);
  std::uint32_t class_id(const AttrClass& c);

  PagingMode mode_ = PagingMode::k4Level;
  std::vector<Node> nodes_;
  std::vector<AttrClass> classes_;
  std::uint32_t root_ = 0;
  std::unordered_multimap<std::uint64_t, std::uint32_t> intern_index_;  // content hash -> node id
  // Covering intervals in offset space (va & (2^width - 1)), kept for class_range.
  std::vector<std::uint64_t> iv_first_;
  std::vector<std::uint64_t> iv_last_;
  std::vector<std::uint32_t> iv_class_;
};

}  // namespace ptv
