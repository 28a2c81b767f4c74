// The checker against the oracle on one (machine, spec) case: what the differential test runs on
// random cases, the contract tests on hand-built ones, and the regression files replay.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "models/walk.h"
#include "rule_oracle.h"
#include "verifier/checks/result.h"
#include "verifier/spec/spec.h"

namespace ptv::oracle {

/// The machine's processor state (its root, paging mode and control bits) as the walker takes it.
[[nodiscard]] PagingState paging_state(const Machine& m);
/// The machine's memory as the walker reads tables: a table where `m.memory` holds a page.
[[nodiscard]] TableReader table_reader(const Machine& m);

/// check::run_check on the machine's raw walk, as `ptverify check` runs it on a core (parameters
/// fixed to their single values, a long violation list); or what went wrong. `sweep`:
/// CheckOptions::sweep (false: the solver answers every question).
std::variant<check::CheckResult, std::string> check_machine(const Machine& m, const spec::Spec& s, bool sweep = true);

/// Runs check::run_check on the machine's raw walk (as `ptverify check` runs it on a core,
/// parameters fixed to their single values) and the oracle, and compares each rule's status
/// and violating set. Empty when they agree; otherwise one block per disagreeing rule, with
/// both answers and what the oracle's walk finds where they differ. `kinds` (if not null)
/// receives one short name per disagreement, for summing up many cases.
std::string disagreements(const Machine& m, const spec::Spec& s, std::vector<std::string>* kinds = nullptr);

/// A case as the differential test prints it: "machine: 4-level, root 0x100000, WP=1 ... 1G=1",
/// the "  table 0x...: [i]=0x..." lines, and "spec: {...}". Throws std::runtime_error on a
/// text that is not one.
struct TextCase {
  Machine machine;
  std::string spec_json;
};
TextCase parse_case(const std::string& text);

}  // namespace ptv::oracle
