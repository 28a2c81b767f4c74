// The layout spec AST: what an address space may and must look like, with symbolic parameters.
//
// A Spec is intent, not mechanism: regions say which translations are acceptable
// where; `prove` checks a spec against itself (verifier/checks/prove.h) and `check` holds a
// dump's mapping set against it. Both evaluate a spec through verifier/spec/evaluate.h, either
// concretely (given parameter values: concrete.h) or symbolically (Z3 terms: symbolic.h).
//
// Semantics of an address: the rules of the innermost region containing it apply (a region
// nested in another refines it); an address in no region is governed by rules.outside_regions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/paging_mode.h"
#include "verifier/spec/expression.h"

namespace ptv::spec {

enum class Half : std::uint8_t { kUser, kKernel };
/// What must hold for every address of a region: every page translated, none, or either.
enum class Must : std::uint8_t { kMapped, kUnmapped, kMayBeMapped };

enum class RegionKind : std::uint8_t {
  kCode,
  kRodata,
  kData,
  kBss,
  kHeap,
  kStack,
  kGuard,
  kMmap,
  kDirectMap,
  kRecursive,
  kVsyscall,
  kModules,
  kFixmap,
  kCpuEntry,
  kEspfix,
  kLdt,
  kVmalloc,
  kVmemmap,
  kEfi,
  kKasan,
  kOther,
};

/// A set of translation rights. A right absent from a region's `allowed` set must not be
/// granted by any translation in it; a right in `required` must be granted by every one.
struct Rights {
  static constexpr std::uint8_t kUser = 1;        ///< U/S = 1 at every level
  static constexpr std::uint8_t kWritable = 2;    ///< R/W = 1 at every level
  static constexpr std::uint8_t kExecutable = 4;  ///< no XD at any level
  static constexpr std::uint8_t kGlobal = 8;      ///< G in the leaf
  std::uint8_t bits = 0;

  [[nodiscard]] constexpr bool has(std::uint8_t r) const { return (bits & r) == r; }
  [[nodiscard]] constexpr bool contains(Rights o) const { return (bits & o.bits) == o.bits; }
  constexpr bool operator==(const Rights&) const = default;
};

/// Page sizes a region's translations may use.
struct PageSizes {
  static constexpr std::uint8_t k4K = 1, k2M = 2, k1G = 4;
  std::uint8_t bits = k4K | k2M | k1G;
  [[nodiscard]] constexpr bool has(std::uint8_t s) const { return (bits & s) != 0; }
  /// The smallest allowed size in bytes.
  [[nodiscard]] std::uint64_t smallest() const;
};

/// A parsed expression with where it came from.
struct Expression {
  std::string text;  ///< as written
  std::string path;  ///< JSON path of the field, e.g. "regions[3].start"
  NodePtr root;
};

/// A named 64-bit symbolic value. Its domain: min <= v <= max, v a multiple of align, and v one
/// of `values` when that list is not empty.
struct Parameter {
  std::string name;
  std::string path;  ///< "parameters.<name>"
  std::uint64_t min = 0;
  std::uint64_t max = ~std::uint64_t{0};
  std::uint64_t align = 1;  ///< a power of two
  std::vector<std::uint64_t> values;
  std::string description;
  /// "from_kernel": how the running kernel's own symbols give the value, as an expression over
  /// symbol names ("_stext", "align_up(_end - _stext, 2 * MiB)"); `check` pins the parameter to
  /// it when the symbols are given (--kallsyms, --system-map, VMCOREINFO). "" when none.
  std::string from_kernel;

  /// The least value of the domain (ignoring constraints); empty when the domain is empty.
  [[nodiscard]] std::optional<std::uint64_t> least() const;
  [[nodiscard]] bool admits(std::uint64_t v) const;
};

/// A Boolean expression over parameters that every admissible parameter assignment satisfies.
struct Constraint {
  Expression expr;
  std::string description;
};

/// How a region's extent is written: start plus exactly one of these.
enum class EndKind : std::uint8_t { kEnd, kLast, kSize };  // exclusive end, inclusive last, byte count

/// N elements of `size` bytes, each followed by a guard of `guard` bytes, element i starting
/// at start + i * stride (stride defaults to size + guard). The array's extent runs from start
/// to the end of the last element's guard.
struct ArrayShape {
  Expression count;
  Expression size;
  Expression guard;
  std::optional<Expression> stride;
};

/// How the frames of a region's mapped addresses relate to the addresses (JSON "physical"):
/// unconstrained, PA = VA (identity), or PA = VA - offset mod 2^64 (linear). Unmapped
/// addresses are not constrained.
enum class PhysicalKind : std::uint8_t { kAny, kIdentity, kLinear };

struct Region {
  std::string name;
  std::string path;  ///< "regions[3]" or "arrays[0]"
  RegionKind kind = RegionKind::kOther;
  Half half = Half::kKernel;
  Must must = Must::kMayBeMapped;  ///< for arrays: what holds in each element (guards: unmapped)
  Expression start;
  EndKind end_kind = EndKind::kEnd;
  Expression end;  ///< the end, last or size expression; unused for arrays
  std::optional<ArrayShape> array;
  Rights allowed;
  Rights required;
  PageSizes page_sizes;
  std::uint64_t align = kPageBytes;   ///< declared alignment of start and end (a power of two)
  std::optional<std::size_t> parent;  ///< index of the region it is nested_in
  /// Supervisor translations here may reach page-table frames writably (`check`'s
  /// page-table-exposure rule). JSON "maps_page_tables"; by default true for direct-map and
  /// recursive regions, false elsewhere.
  bool maps_page_tables = false;
  /// `check`'s physical-layout rule: every mapped address of the region's elements (where its
  /// rights apply) translates to VA - offset; identity is offset 0.
  PhysicalKind physical = PhysicalKind::kAny;
  std::optional<Expression> physical_offset;  ///< kLinear: the offset expression
  std::string description;
  /// The line of the spec text on which this region's object starts (1-based); 0 when not
  /// known (a spec built in code).
  unsigned line = 0;
  /// The file `line` is in when that is not the spec's own: a base the spec extends, where the
  /// region is written (the extension changed none of its keys). Empty otherwise.
  std::string file;

  [[nodiscard]] bool is_array() const { return array.has_value(); }
  /// The alignment prove demands of its bounds: the page size, the declared alignment, and for
  /// a region that must be mapped, the smallest page size it allows.
  [[nodiscard]] std::uint64_t required_alignment() const;
};

enum class Policy : std::uint8_t { kForbidden, kAllowed };
enum class UserInKernelHalf : std::uint8_t { kForbidden, kVsyscallOnly, kAllowed };

struct RecursiveSlotRule {
  enum class Kind : std::uint8_t { kAny, kNone, kIndex } kind = Kind::kAny;
  unsigned index = 0;  ///< kIndex: the top-level table index of the slot (0..511)
};

struct Rules {
  PagingMode paging_mode = PagingMode::k4Level;
  bool canonical = true;                  ///< regions must lie in canonical space
  std::uint64_t null_guard = kPageBytes;  ///< [0, null_guard) must stay unmapped
  Policy wx = Policy::kForbidden;         ///< translations both writable and executable
  UserInKernelHalf user_in_kernel_half = UserInKernelHalf::kForbidden;
  Policy supervisor_in_user_half = Policy::kForbidden;
  Policy outside_regions = Policy::kForbidden;  ///< translations of addresses in no region
  RecursiveSlotRule recursive_slot;
  Policy conflicting_aliases = Policy::kForbidden;  ///< one frame writable here, executable there
};

/// The ids of `check`'s rules, in the order of verifier/checks/rules.h (which checks that the two
/// lists agree): what a scoped exception's "rule" names. The spec stage sits below the checks.
inline constexpr std::array<std::string_view, 16> kCheckRuleIds{"canonical",
                                                                "null-guard",
                                                                "user-kernel-split",
                                                                "supervisor-in-user-half",
                                                                "wx",
                                                                "region-rights",
                                                                "region-required-rights",
                                                                "required-mapped",
                                                                "guard-unmapped",
                                                                "outside-regions",
                                                                "page-size",
                                                                "reserved-bits",
                                                                "recursive-slot",
                                                                "conflicting-aliases",
                                                                "page-table-exposure",
                                                                "physical-layout"};

/// A scoped exception (JSON "exceptions"; docs/spec-language.md §6.1): rule `rule` does not
/// apply where region `region` is: an address in the region's extent does not break it, and a
/// pair or frame the pass over leaf entries decides is excused as that section says.
struct RuleException {
  std::size_t rule = 0;    ///< index into kCheckRuleIds (the value of check::RuleId)
  std::size_t region = 0;  ///< index into Spec::regions
  std::string reason;      ///< why, shown in reports; not empty
  std::string path;        ///< "exceptions[0]"
};

struct Spec {
  std::string file;  ///< as given to the parser; prefixes every diagnostic
  std::string name;
  std::string description;
  Rules rules;
  std::vector<Parameter> parameters;
  std::vector<Constraint> constraints;
  std::vector<Region> regions;            ///< plain regions and arrays, in file order (regions first)
  std::vector<RuleException> exceptions;  ///< in file order; each (rule, region) once

  [[nodiscard]] std::optional<std::size_t> find_region(std::string_view name) const;
  [[nodiscard]] std::optional<std::size_t> find_parameter(std::string_view name) const;
  /// True when `ancestor` is `r` itself or one of the regions it is (transitively) nested in.
  [[nodiscard]] bool is_ancestor_or_self(std::size_t ancestor, std::size_t r) const;
  /// The exceptions to rule `rule` (an index into kCheckRuleIds), in file order.
  [[nodiscard]] std::vector<const RuleException*> exceptions_to(std::size_t rule) const;
};

[[nodiscard]] std::string_view to_string(Half h);        // "user", "kernel"
[[nodiscard]] std::string_view to_string(Must m);        // "mapped", "unmapped", "may-be-mapped"
[[nodiscard]] std::string_view to_string(RegionKind k);  // "code", ..., "direct-map", ...
[[nodiscard]] std::string_view to_string(EndKind k);     // "end", "last", "size"
[[nodiscard]] std::string to_string(Rights r);           // "user, writable" or "none"
[[nodiscard]] std::optional<RegionKind> region_kind_from(std::string_view s);
[[nodiscard]] std::string_view all_region_kinds();  // "code, rodata, ..." for messages

}  // namespace ptv::spec
