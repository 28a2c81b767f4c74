#include "fuzz_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "fuzz_check.h"
#include "models/format.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"

namespace ptv::fuzz {

MappedFile map_bytes(const std::uint8_t* data, std::size_t size, const std::string& name) {
  const int fd = memfd_create("ptv-fuzz", MFD_CLOEXEC);
  require(fd >= 0, "memfd_create", std::strerror(errno));
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    require(n > 0 || errno == EINTR, "write to memfd", std::strerror(errno));
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  Expected<MappedFile> file = MappedFile::from_fd(fd, name);
  ::close(fd);
  require(file.ok(), "mapping a memfd", file.ok() ? "" : file.error().message);
  require(file->size() == size, "the mapping holds every byte");
  return std::move(file).value();
}

namespace {

// Below the production cap (EnumerateLimits, 4 million) so that hostile tables reach the
// cap's error path often and an input costs milliseconds: a random table easily describes
// 10^5 runs. Every seed is far below it (the committed PTI slice: 64 runs).
constexpr std::size_t kMaxRuns = 5'000;
// Walks per input: each is at most 5 table reads.
constexpr std::size_t kMaxProbedRuns = 64;

WalkOutcome outcome_of(AddressRun::Kind k) {
  switch (k) {
    case AddressRun::Kind::kMapped:
      return WalkOutcome::kMapped;
    case AddressRun::Kind::kReserved:
      return WalkOutcome::kReservedBit;
    case AddressRun::Kind::kUnreadable:
      return WalkOutcome::kTableOutsideMemory;
  }
  return WalkOutcome::kNotPresent;
}

/// What the single-address walk must say at va, given the run containing it (or none).
void expect_walk(const PagingState& state, const TableReader& reader, VirtAddr va, const AddressRun* run) {
  const WalkResult w = walk(state, reader, va);
  const std::string where = hex16(va.value());
  if (!run) {
    require(w.outcome == WalkOutcome::kNotPresent || w.outcome == WalkOutcome::kNonCanonical,
            "an address in no run does not translate", where + ": " + to_string(w.outcome));
    return;
  }
  require(w.outcome == outcome_of(run->kind), "walk agrees with enumerate",
          where + ": walk says " + to_string(w.outcome));
  require(w.outcome == WalkOutcome::kMapped || !w.translation, "only a mapped walk has a translation", where);
  if (w.outcome == WalkOutcome::kMapped) {
    require(w.translation.has_value(), "a mapped walk has a translation", where);
  }
}

}  // namespace

void fuzz_walk(const PhysMemory& memory, const PagingState& state) {
  std::uint64_t held = 0;
  const auto ranges = memory.ranges();
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    require(ranges[i].size >= 1, "a physical range is non-empty");
    require(i == 0 || ranges[i - 1].last() < ranges[i].start, "physical ranges are sorted and disjoint");
    require(memory.read(ranges[i].start, 1).has_value(), "the first byte of a range is readable");
    require(memory.read(ranges[i].last(), 1).has_value(), "the last byte of a range is readable");
    held += ranges[i].size;
  }
  require(held == memory.bytes_held(), "bytes_held sums the ranges");

  const TableReader reader = memory.reader();
  EnumerateLimits limits;
  limits.max_runs = kMaxRuns;
  const Expected<AddressSpace> space = enumerate_address_space(state, reader, std::nullopt, limits);
  if (!space.ok()) {
    require(!space.error().message.empty(), "an enumeration error has a message");
    return;
  }
  const auto& runs = space->runs;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const VirtRange r = runs[i].range;
    require(r.first <= r.last, "a run is non-empty");
    require(is_canonical(r.first, state.mode()) && is_canonical(r.last, state.mode()), "runs are canonical");
    require(i == 0 || runs[i - 1].range.last < r.first, "runs are sorted and disjoint");
  }
  // Probe the first runs and the last ones: both ends of the canonical space.
  for (std::size_t k = 0; k < std::min(runs.size(), kMaxProbedRuns); ++k) {
    const std::size_t i = k < kMaxProbedRuns / 2 ? k : runs.size() - 1 - (k - kMaxProbedRuns / 2);
    const AddressRun& run = runs[i];
    expect_walk(state, reader, run.range.first, &run);
    expect_walk(state, reader, run.range.last, &run);
    if (run.kind == AddressRun::Kind::kMapped) {
      const WalkResult w = walk(state, reader, run.range.first);
      require(w.translation && w.translation->pa == run.phys, "a run's phys is the walk's PA of its first byte",
              hex16(run.range.first.value()));
    }
    if (run.range.first.value() > 0) {
      const VirtAddr before(run.range.first.value() - 1);
      const AddressRun* prev = i > 0 && runs[i - 1].range.contains(before) ? &runs[i - 1] : nullptr;
      if (is_canonical(before, state.mode())) expect_walk(state, reader, before, prev);
    }
    if (auto after = run.range.end()) {
      const AddressRun* next = i + 1 < runs.size() && runs[i + 1].range.contains(*after) ? &runs[i + 1] : nullptr;
      if (is_canonical(*after, state.mode())) expect_walk(state, reader, *after, next);
    }
  }
  // The leaf runs hold exactly the leaf uses; the first entry of each of the first runs, and
  // the last, walk to that entry and frame.
  std::uint64_t leaf_entries = 0, leaf_runs = 0;
  for_each_leaf_run(*space, state, reader, [&](const LeafRun& r) {
    require(r.count >= 1 && r.first_index + r.count <= kEntriesPerTable, "a leaf run lies inside its table");
    leaf_entries += r.count;
    if (leaf_runs++ >= kMaxProbedRuns) return;
    for (unsigned k : {0u, r.count - 1}) {
      const WalkResult w = walk(state, reader, r.va(k));
      const std::string where = hex16(r.va(k).value());
      require(w.translation && w.translation->frame == r.frame_at(k) && w.translation->attributes == r.attributes,
              "a leaf run's entry walks to its frame with its attributes", where);
      require(w.path.back().entry_address == r.entry_address(k) && w.path.back().entry.raw() == r.entry_at(k).raw(),
              "a leaf run's entry is the one the walk ends at", where);
    }
  });
  require(leaf_entries == space->leaf_uses, "the leaf runs hold every leaf use");
  const MappingSet m = to_mapping_set(*space, state, "elf-core", memory.name());
  check_mapping_set(m, memory.name(), kMaxProbedRuns);
}

}  // namespace ptv::fuzz
