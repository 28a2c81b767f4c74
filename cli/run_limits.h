// The whole run's memory bound (--memory-limit of check and prove).
#pragma once

#include <cstdint>

namespace ptv::cli {

/// --memory-limit's default for check and prove, in MiB: far above what the bundled specs need on
/// any real dump (docs/performance.md), low enough to stop a runaway run before the machine does.
inline constexpr std::uint64_t kDefaultMemoryLimitMib = 8192;

/// Caps the process's data segment (heap and private anonymous mappings: RLIMIT_DATA) at `mib`
/// MiB; 0 leaves it as it is. Dumps are mapped from their files, which the cap does not count.
/// An allocation past the cap fails: in ptverify, std::bad_alloc (exit 3, see run_selected); in
/// Z3, a "memory limit" unknown. Builds with AddressSanitizer skip it (the shadow memory it
/// maps counts as data).
void limit_memory(std::uint64_t mib);

/// The cap limit_memory set, in MiB (0: none): for the message when an allocation fails.
std::uint64_t memory_limit_mib();

}  // namespace ptv::cli
