// Seeded generators for the differential test (differential_test.cpp): small random page tables
// with the shapes the rules care about (shared tables, large leaves, the canonical split,
// recursive slots, reserved bits, tables outside memory, leaves over table frames and over
// each other's frames), random CPU facts, and random concrete layout specs placed where those
// tables map things. Reproducible: the same seed gives the same case.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "rule_oracle.h"

namespace ptv::oracle {

/// Random tables (3 to 10, up to 8 present entries each) and CPU facts.
[[nodiscard]] Machine random_machine(std::mt19937_64& rng);

/// A random concrete spec for `m` as JSON text (for spec::parse_spec): regions nested 1 to 3
/// deep, arrays, guards, a vsyscall page, random global rules. Its parameters, if any, each
/// allow a single value.
[[nodiscard]] std::string random_spec_json(std::mt19937_64& rng, const Machine& m);

struct RandomCase {
  Machine machine;
  std::string spec_json;
};
/// random_machine then random_spec_json from one std::mt19937_64 seeded with `seed`.
[[nodiscard]] RandomCase random_case(std::uint64_t seed);

/// The CPU facts and every table's present entries, in hex, for failure messages.
[[nodiscard]] std::string describe(const Machine& m);

/// The number of present entries (a size for choosing the smallest failing case).
[[nodiscard]] std::size_t present_entries(const Machine& m);

}  // namespace ptv::oracle
