// The address space as boxes: the value `ptverify map` draws, in the terminal
// (terminal_map.h) and as an HTML page (html_map.h), and that `check --html` draws too.
//
// The boxes partition the whole 64-bit space [0, 2^64), in drawing order: the highest address
// first, as the project's sketch draws it. Where the names come from, best first:
//   1. a spec's regions placed with the parameters `check` inferred: each address belongs to
//      the box of its innermost region (a region nested in another cuts it into pieces, each a
//      box under the outer region's name); an array is one box over its whole extent; canonical
//      addresses in no region are "(no region)" boxes;
//   2. a ptdump's section markers (`---[ vmalloc() Area ]---`): a box from each marker up to
//      the next;
//   3. the two canonical halves.
// In every case the non-canonical hole is exactly one box of its own. Each box summarises the
// mapping set's runs inside it (clipped to the box), its unknown and faulting ranges, and the
// check violations whose range overlaps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/checks/result.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/spec/concrete.h"

namespace ptv {

enum class BoxKind : std::uint8_t {
  kRegion,        ///< a spec region (or the piece of one that its nested regions leave)
  kNoRegion,      ///< canonical addresses in no spec region
  kMarker,        ///< from a ptdump section marker to the next
  kHalf,          ///< a canonical half, or its part below the first marker
  kNonCanonical,  ///< the hole between the halves: no address there can translate
};

/// Mapped bytes of one kind inside a box: same rights, same page size.
struct RightsGroup {
  std::string rights;                      ///< "urwx" as `mappings` prints it: '-' no, '?' unknown
  std::optional<std::uint64_t> page_size;  ///< empty when the source does not tell
  std::uint64_t bytes = 0;
  std::uint64_t pages = 0;  ///< bytes / page size, rounded up (0 when no page size)
  std::size_t runs = 0;
};

/// The rights class of a run, for colours: bit 0 user, bit 1 writable, bit 2 executable;
/// kUnknownRights when any of the three is unknown.
inline constexpr unsigned kUnknownRights = 8;
[[nodiscard]] unsigned rights_class(const Run& r);
/// "urwx" with '-' for no and '?' for unknown (the `mappings` notation).
[[nodiscard]] std::string rights_text(const Run& r);

struct MapBox {
  VirtRange range;
  BoxKind kind = BoxKind::kNoRegion;
  std::string name;                   ///< region or marker name, "(no region)", "user half", ...
  std::vector<std::string> parents;   ///< regions this one is nested in, outermost first
  std::optional<std::size_t> region;  ///< index into Spec::regions
  std::optional<spec::Must> must;     ///< the region's rule, when from a spec
  std::string allowed;                ///< rights the region allows, "urwx" style; "" without a spec
  std::string shape;                  ///< arrays: "294920 x 16K + 4K guard, stride 32K"

  std::size_t first_run = 0;        ///< runs overlapping the box: MappingSet::runs[first_run,
  std::size_t end_run = 0;          ///< end_run) (the runs are sorted and disjoint)
  std::uint64_t mapped = 0;         ///< bytes translated inside the box
  std::vector<RightsGroup> groups;  ///< largest first
  std::size_t unknown_ranges = 0;
  std::uint64_t unknown_bytes = 0;
  std::string unknown_reason;  ///< the first unknown range's reason
  std::size_t fault_ranges = 0;
  std::uint64_t fault_bytes = 0;
  std::vector<std::size_t> violations;  ///< into CheckResult::violations, ranges overlapping the box

  [[nodiscard]] std::size_t runs() const { return end_run - first_run; }
};

/// Where the box names came from.
enum class MapLabels : std::uint8_t { kSpec, kMarkers, kHalves };

struct AddressMap {
  const MappingSet* mappings = nullptr;       ///< must outlive the map
  const check::CheckResult* check = nullptr;  ///< with a spec; must outlive the map
  MapLabels labels = MapLabels::kHalves;
  std::string spec_name;           ///< the spec's name, "" without one
  std::vector<MapBox> boxes;       ///< drawing order, highest address first
  std::vector<std::string> notes;  ///< e.g. why the spec's regions could not be placed

  /// The box holding va. Requires: boxes non-empty (always, once built).
  [[nodiscard]] std::size_t box_at(VirtAddr va) const;
};

/// Builds the boxes. `layout` (with `check`, whose violations are marked) names them by spec
/// region; without it, by the mapping set's ptdump markers, else by canonical half.
/// Requires: mappings.validate() holds; `layout`'s spec and `check` outlive the result.
[[nodiscard]] AddressMap build_address_map(const MappingSet& mappings, const spec::Layout* layout,
                                           const check::CheckResult* check);

/// The region's rule in words: "must be unmapped", "must be mapped, allows -rw-",
/// "allows -rwx"; "" for boxes not from a spec.
[[nodiscard]] std::string rule_text(const MapBox& b);

/// A byte count for people: format_size() when it is short and exact (4K, 64T), else one
/// decimal in the largest unit, marked approximate ("~3.9G").
[[nodiscard]] std::string human_size(std::uint64_t bytes);

/// floor(log2(size)) of a range, 64 for the whole space.
[[nodiscard]] unsigned log2_size(const VirtRange& r);

}  // namespace ptv
