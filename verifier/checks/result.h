// The result of `ptverify check`: a value that every report format writes.
//
// Each rule has its own status, and statuses form a lattice (status.h, CBMC's property status): a rule is
// kHolds only when the solver proved "some address breaks it" unsat over the whole address space;
// kViolated when at least one replayed counterexample breaks it; kUnknown when the solver hit a
// limit or the dump cannot settle it (rights a text format does not show, elided ranges, rules
// that need raw memory). The run's verdict and exit code come from one function, here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/address.h"
#include "models/paging_mode.h"
#include "verifier/base/exit_codes.h"
#include "verifier/checks/rules.h"
#include "verifier/checks/status.h"
#include "verifier/mapping/address_trie.h"

namespace ptv::check {

struct CheckResult;

/// One level of the walk of a counterexample address (raw dumps).
struct WalkLevel {
  /// The level of this entry's table. Empty only in a saved report read back (check_json.h)
  /// that names a level this code does not know; `unknown_level` then holds that name.
  std::optional<Level> level;
  std::uint64_t table = 0;  ///< physical address of the table
  unsigned index = 0;
  std::uint64_t entry_address = 0;
  std::uint64_t raw = 0;
  std::string decoded;        ///< e.g. "P RW US A table=P0x..."
  bool deciding = false;      ///< this entry's bits decide the violation
  std::string deciding_bits;  ///< e.g. "U/S=1", "XD=0", "reserved bits 51:40"
  std::string unknown_level;  ///< the unknown level name of a read-back report, else ""
};

/// The name of w's level: models' level_name(), or the unknown name a read-back report holds.
[[nodiscard]] std::string_view level_name(const WalkLevel& w);
/// The name of r's paging mode: models' to_string(), or the unknown name a read-back report holds.
[[nodiscard]] std::string_view mode_name(const CheckResult& r);

/// Whose fetch reaches a frame that another mapping writes (conflicting-aliases).
enum class AliasKind : std::uint8_t {
  kSupervisor,  ///< an executable alias of a writable frame
  kUser,        ///< a user-executable alias of a user-writable frame
};

/// The rights at a violation's address, as data; verifier/report tells them as text. At most one
/// of `seen` and `alias` is set, and neither for a rule that looks at no translation there.
struct ViolationRights {
  std::optional<AttrClass> seen;   ///< address rules: what the rules see at the address
  std::optional<AliasKind> alias;  ///< conflicting-aliases: which privilege fetches the frame
  /// A read-back report's rights that neither field gives back exactly (hand-edited, or written
  /// by another version), kept as written; "" otherwise.
  std::string text;
  bool operator==(const ViolationRights&) const = default;
};

/// What is at an address in the kernel's words, each "" when not known (no symbols given, or
/// not a Linux kernel): the symbol ("do_syscall_64+0x1f", "e1000_probe+0x10 [e1000]"), the
/// kernel image section (".text", ".rodata", ".data", "__init", ".bss", ".brk", "image
/// padding") and Linux's name for the area (ptdump's markers: "Low Kernel Mapping", "vmalloc()
/// Area", "Modules", ...). verifier/checks/places.h fills it.
struct Place {
  std::string symbol;
  std::string section;
  std::string area;
  [[nodiscard]] bool empty() const { return symbol.empty() && section.empty() && area.empty(); }
  bool operator==(const Place&) const = default;
};

struct Violation {
  RuleId rule;
  /// The innermost spec region containing `address` ("" when none does); for a rule of one
  /// region, that region.
  std::string region;
  VirtAddr address;                   ///< one concrete address from the solver model, replayed
  VirtRange range;                    ///< the maximal range around it breaking the rule the same way
  ViolationRights rights;             ///< effective rights there
  std::string message;                ///< one sentence in domain terms
  std::vector<WalkLevel> walk;        ///< raw dumps: the walk of `address`
  std::optional<std::uint64_t> phys;  ///< physical address involved (aliases, table frames)
  std::string fingerprint;            ///< stable across runs: rule + region + range, for --baseline
  bool baselined = false;             ///< accepted by --baseline
  Place first_place;                  ///< what is at range.first
  Place last_place;                   ///< what is at range.last
};

/// A spec's scoped exception to a rule (docs/spec-language.md §6.1): where it does not apply.
struct RuleExceptionNote {
  std::string region;
  std::string reason;
  bool operator==(const RuleExceptionNote&) const = default;
};

struct RuleResult {
  RuleId rule;
  Status status = Status::kHolds;
  std::string detail;          ///< why unknown / not applicable, or what was proved
  std::size_t violations = 0;  ///< number of violations reported for this rule
  double seconds = 0;
  /// The facts (CheckResult::facts) this rule's verdict rests on: rule_facts() that the dump's
  /// mapping set records.
  std::vector<FactId> uses;
  /// The spec's exceptions to this rule, in spec order (JSON "exceptions", optional).
  std::vector<RuleExceptionNote> exceptions;
};

/// Where a parameter's value comes from.
enum class ParameterSource : std::uint8_t {
  kInferred,  ///< one admissible value the solver found, not read from the kernel
  kGiven,     ///< --param NAME=VALUE
  kRead,      ///< read from the kernel: a symbol, VMCOREINFO (`origin` says which)
};

/// "inferred", "given", "read".
[[nodiscard]] std::string_view to_string(ParameterSource s);

/// `check --explain-params`: the least and the greatest value of an inferred parameter for
/// which some values of the other parameters let the dump satisfy every rule. Both ends are
/// admissible; the values between them were not each tried.
struct AdmissibleRange {
  std::uint64_t least = 0;
  std::uint64_t greatest = 0;
  std::uint64_t domain_values = 0;  ///< values of the parameter's domain from least to greatest, both included
};

struct Parameter {
  Parameter() = default;
  Parameter(std::string n, std::uint64_t v, ParameterSource s = ParameterSource::kInferred, std::string o = {})
      : name(std::move(n)), value(v), source(s), origin(std::move(o)) {}

  std::string name;
  std::uint64_t value = 0;
  ParameterSource source = ParameterSource::kInferred;
  std::string origin;  ///< kRead: "_stext in kallsyms (k.txt, ...)"; kGiven: why, or "" for --param
  std::optional<AdmissibleRange> admissible;  ///< kInferred under --explain-params, when established
};

struct CheckResult {
  std::string dump;  ///< file checked
  std::string dump_format;
  std::string spec;  ///< spec file
  /// Region name -> the line of the spec file on which the region is defined (1-based); a region
  /// absent here has no known line (a spec not read from a file, or a saved report read back).
  std::map<std::string, unsigned> spec_lines;
  /// Region name -> the file its line is in, for a region written in a base the spec extends
  /// (absent: the spec file itself).
  std::map<std::string, std::string> spec_files;
  /// The dump's paging mode. Empty only in a saved report read back (check_json.h) that names
  /// a mode this code does not know; `unknown_mode` then holds that name.
  std::optional<PagingMode> mode;
  std::string unknown_mode;  ///< the unknown name of a read-back report, else ""
  std::vector<RuleResult> rules;
  std::vector<Violation> violations;  ///< sorted by address
  bool complete = false;              ///< proved: no violation outside the listed ranges
  bool parameters_admissible = true;  ///< some admissible parameter values satisfy the spec
  /// The run limit that stopped it ("time limit (--time-limit 300 s)"); empty: none did. The
  /// rules not decided by then are unknown.
  std::string limit_reached;
  std::vector<Parameter> parameters;  ///< the values found (inferred) or the last candidate
  std::vector<std::string> notes;
  /// What the verdicts rest on besides the entries: each processor fact and reading choice, read
  /// from the dump, stated by a flag, assumed (unknown: what depends on it is undecided) or a
  /// blind spot of the format. The assumptions are those not read from the dump.
  std::vector<Fact> facts;
  double seconds = 0;
  std::size_t queries = 0;
  std::size_t formula_nodes = 0;  ///< ite nodes of the translation encoding

  /// holds / violated / unknown: the join (status.h) of the rule statuses, where a violated rule
  /// counts as violated unless the baseline accepts every one of its violations (and all of them
  /// are listed), and of every violation the baseline does not accept; holds when nothing is
  /// applicable. Internal errors never reach a CheckResult.
  [[nodiscard]] Status verdict() const;
  [[nodiscard]] ExitCode exit_code() const;
  /// The exit code under a CI policy (`check --fail-on`): a new violation fails the run (exit 1)
  /// only when `fail_on_violated`, an undecided rule (exit 3) only when `fail_on_unknown`; what
  /// does not fail exits 0. The verdict and the reports are unchanged by the policy.
  [[nodiscard]] ExitCode exit_code(bool fail_on_violated, bool fail_on_unknown) const;
  /// "ptverify check: VIOLATED - 12 rules proved, 3 violations (2 new), 1 unknown, 0.21 s"
  [[nodiscard]] std::string summary_line() const;
};

}  // namespace ptv::check
