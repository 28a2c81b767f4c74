// Running `check` on a raw capture (or an overlay over one) in a test: walk, mapping set, raw
// context, run_check; an internal error or bad input fails the test.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "capture.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"

namespace ptv::test {

/// Parameters as --param would fix them, from a previous result's inferred values.
inline std::map<std::string, std::uint64_t> fixed_parameters(const std::vector<check::Parameter>& ps) {
  std::map<std::string, std::uint64_t> out;
  for (const check::Parameter& p : ps) out[p.name] = p.value;
  return out;
}

/// check of the tables `reader` gives (the capture's own, or an overlay), from `root` (default
/// CR3's table), with `fixed` parameters.
inline check::CheckResult check_raw(const Capture& cap, const TableReader& reader, const spec::Spec& spec,
                                    const std::map<std::string, std::uint64_t>& fixed = {},
                                    std::optional<PhysAddr> root = std::nullopt) {
  if (!root) root = cap.root;
  const auto space = enumerate_address_space(cap.state, reader, root);
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", cap.dir.string(), root);
  const check::RawContext raw{cap.state, reader, root, &*space};
  check::CheckOptions opts;
  opts.fixed_parameters = fixed;
  const check::CheckOutcome o = check::run_check(m, spec, &raw, opts);
  REQUIRE_MESSAGE(!std::holds_alternative<check::InternalError>(o), check::problem(o));
  REQUIRE_MESSAGE(!std::holds_alternative<check::BadInput>(o), check::problem(o));
  return std::get<check::CheckResult>(o);
}

}  // namespace ptv::test
