// What every fuzz harness asserts beyond "does not crash": the cheap invariants of each stage's
// output, checked on every input. A breach prints what broke and aborts, so libFuzzer keeps the
// input as a crash artifact and the replay test (replay_main.cpp) fails on it.
//
//   - an Error names its source: a non-empty message that starts with the name the input was
//     given;
//   - a MappingSet satisfies MappingSet::validate(), and carries its source and format;
//   - the AddressTrie built from it agrees with class_at() (the binary search over the set) on
//     the first and last address of every range, and diff_mappings(m, m) finds nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv::fuzz {

/// Prints "fuzz invariant broken: what: detail" to stderr and aborts unless `ok`.
void require(bool ok, std::string_view what, std::string_view detail = {});

/// The error is a non-empty message starting with `source`.
void check_error(const Error& e, std::string_view source);

/// Every line of `warnings` (lenient text reads) starts with `source`.
void check_warnings(std::string_view warnings, std::string_view source);

/// The invariants above for a mapping set read from `source` (empty: do not compare the
/// source, e.g. a JSON mapping set carries its own). At most `max_probes` ranges are probed.
void check_mapping_set(const MappingSet& m, std::string_view source, std::size_t max_probes = 256);

/// The fuzz input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ptv::fuzz
