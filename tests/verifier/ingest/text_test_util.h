// Helpers shared by the text-reader tests: loading fixtures and real captures, reading with a
// REQUIRE on success, and comparing two mapping sets over the addresses both describe.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/base/compressed.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv::texttest {

inline std::string fixture_path(std::string_view name) {
  return std::string(PTV_FIXTURES_DIR) + "/text/" + std::string(name);
}

/// A committed fixture under tests/fixtures/text/ (gzip/zstd read transparently).
inline std::string load_fixture(std::string_view name) {
  auto r = read_whole_file(fixture_path(name));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

/// A file of the real captures in PTV_SHARED_DIR/realdumps/, or empty when that folder is absent.
inline std::optional<std::string> load_capture(std::string_view relative) {
  const std::string path = std::string(PTV_SHARED_DIR) + "/realdumps/" + std::string(relative);
  if (!std::filesystem::exists(path)) return std::nullopt;
  auto r = read_whole_file(path);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

/// Declares `var` holding a capture file, or says SKIPPED and returns from the test.
#define PTV_CAPTURE_OR_SKIP(var, relative)                                                  \
  const std::optional<std::string> var = ::ptv::texttest::load_capture(relative);           \
  if (!var) {                                                                               \
    MESSAGE("SKIPPED: " << relative << " not found under " << PTV_SHARED_DIR "/realdumps"); \
    return;                                                                                 \
  }

using Reader = Expected<MappingSet> (*)(std::string_view, const std::string&, const TextReadOptions&);

/// Reads and REQUIREs success and the mapping-set invariant.
inline MappingSet must_read(Reader read, std::string_view content, const std::string& source,
                            const TextReadOptions& options = {}) {
  auto r = read(content, source, options);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  const auto broken = r->validate();
  REQUIRE_MESSAGE(!broken, broken.value_or(""));
  return std::move(r).value();
}

/// The error message of a read that must fail.
inline std::string must_fail(Reader read, std::string_view content, const std::string& source,
                             const TextReadOptions& options = {}) {
  auto r = read(content, source, options);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

/// What a mapping set says about one address.
enum class State { kMapped, kUnknown, kUnmapped };

inline const UnknownRange* find_unknown(const MappingSet& s, VirtAddr a) {
  auto it = std::upper_bound(s.unknown.begin(), s.unknown.end(), a,
                             [](VirtAddr x, const UnknownRange& u) { return x < u.range.first; });
  if (it == s.unknown.begin()) return nullptr;
  --it;
  return it->range.contains(a) ? &*it : nullptr;
}

inline State state_at(const MappingSet& s, VirtAddr a) {
  if (s.find(a)) return State::kMapped;
  if (find_unknown(s, a)) return State::kUnknown;
  return State::kUnmapped;
}

/// A range where two sets contradict each other: one maps and the other knows it is not
/// mapped, or both map and one right is known yes in one and known no in the other.
struct Disagreement {
  VirtRange range;
  std::string what;  ///< "coverage: A maps, B does not", "user", "writable", ...
};

inline bool contradicts(Tri a, Tri b) { return (a == Tri::kYes && b == Tri::kNo) || (a == Tri::kNo && b == Tri::kYes); }

/// Every disagreement of a and b inside `window`, with adjacent pieces of the same kind merged.
inline std::vector<Disagreement> disagreements(const MappingSet& a, const MappingSet& b, VirtRange window) {
  std::vector<std::uint64_t> cuts{window.first.value()};
  auto add = [&](const VirtRange& r) {
    if (window.contains(r.first)) cuts.push_back(r.first.value());
    if (auto e = r.end(); e && window.contains(*e)) cuts.push_back(e->value());
  };
  for (const MappingSet* s : {&a, &b}) {
    for (const Run& r : s->runs) add(r.range);
    for (const UnknownRange& u : s->unknown) add(u.range);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<Disagreement> out;
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const VirtAddr first(cuts[i]);
    const VirtAddr last = i + 1 < cuts.size() ? VirtAddr(cuts[i + 1] - 1) : window.last;
    std::vector<std::string> kinds;
    const State sa = state_at(a, first);
    const State sb = state_at(b, first);
    if (sa == State::kMapped && sb == State::kUnmapped)
      kinds.push_back("coverage: " + a.format + " maps, " + b.format + " does not");
    if (sb == State::kMapped && sa == State::kUnmapped)
      kinds.push_back("coverage: " + b.format + " maps, " + a.format + " does not");
    if (sa == State::kMapped && sb == State::kMapped) {
      const Run& ra = *a.find(first);
      const Run& rb = *b.find(first);
      if (contradicts(ra.user, rb.user)) kinds.push_back("user");
      if (contradicts(ra.writable, rb.writable)) kinds.push_back("writable");
      if (contradicts(ra.executable, rb.executable)) kinds.push_back("executable");
      if (contradicts(ra.global, rb.global)) kinds.push_back("global");
      if (ra.page_size && rb.page_size && *ra.page_size != *rb.page_size) kinds.push_back("page size");
    }
    for (const std::string& k : kinds) {
      if (!out.empty() && out.back().what == k && out.back().range.last.value() + 1 == first.value()) {
        out.back().range.last = last;
      } else {
        out.push_back({VirtRange{first, last}, k});
      }
    }
  }
  return out;
}

inline std::string describe(const std::vector<Disagreement>& d) {
  std::ostringstream os;
  for (const Disagreement& x : d) os << x.range << ' ' << x.what << '\n';
  return os.str();
}

/// Field-for-field equality of two mapping sets, as CHECKs that name the differing element.
inline void check_same_set(const MappingSet& a, const MappingSet& b) {
  CHECK(a.mode == b.mode);
  CHECK(a.origin_format() == b.origin_format());
  CHECK(a.origin_source() == b.origin_source());
  REQUIRE(a.runs.size() == b.runs.size());
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    CAPTURE(i);
    const Run& x = a.runs[i];
    const Run& y = b.runs[i];
    CHECK(x.range == y.range);
    CHECK(x.phys == y.phys);
    CHECK(x.page_size == y.page_size);
    CHECK(x.writable == y.writable);
    CHECK(x.user == y.user);
    CHECK(x.executable == y.executable);
    CHECK(x.global == y.global);
    CHECK(x.pkey == y.pkey);
    CHECK(x.pwt == y.pwt);
    CHECK(x.pcd == y.pcd);
    CHECK(x.pat == y.pat);
    CHECK(x.leaf_raw == y.leaf_raw);
    CHECK(x.provenance == y.provenance);
  }
  REQUIRE(a.unknown.size() == b.unknown.size());
  for (std::size_t i = 0; i < a.unknown.size(); ++i) {
    CAPTURE(i);
    CHECK(a.unknown[i].range == b.unknown[i].range);
    CHECK(a.unknown[i].reason == b.unknown[i].reason);
    CHECK(a.unknown[i].provenance == b.unknown[i].provenance);
  }
  REQUIRE(a.faults.size() == b.faults.size());
  for (std::size_t i = 0; i < a.faults.size(); ++i) {
    CAPTURE(i);
    CHECK(a.faults[i].range == b.faults[i].range);
    CHECK(a.faults[i].entry == b.faults[i].entry);
    CHECK(a.faults[i].level == b.faults[i].level);
    CHECK(a.faults[i].raw == b.faults[i].raw);
    CHECK(a.faults[i].reserved == b.faults[i].reserved);
  }
  REQUIRE(a.markers.size() == b.markers.size());
  for (std::size_t i = 0; i < a.markers.size(); ++i) {
    CAPTURE(i);
    CHECK(a.markers[i].address == b.markers[i].address);
    CHECK(a.markers[i].name == b.markers[i].name);
    CHECK(a.markers[i].line == b.markers[i].line);
  }
  CHECK(a.tables == b.tables);
  REQUIRE(a.self_refs.size() == b.self_refs.size());
  for (std::size_t i = 0; i < a.self_refs.size(); ++i) {
    CAPTURE(i);
    const SelfReference& x = a.self_refs[i];
    const SelfReference& y = b.self_refs[i];
    CHECK(x.entry_address == y.entry_address);
    CHECK(x.level == y.level);
    CHECK(x.index == y.index);
    CHECK(x.target == y.target);
    CHECK(x.range == y.range);
    CHECK(x.recursive_slot == y.recursive_slot);
  }
  CHECK(a.notes == b.notes);
}

/// The kernel half [upper_half_first, 2^64) of a 4-level space.
inline VirtRange kernel_half_4level() {
  return VirtRange{upper_half_first(PagingMode::k4Level), VirtAddr(~std::uint64_t{0})};
}
inline VirtRange user_half_4level() { return VirtRange{VirtAddr(0), lower_half_last(PagingMode::k4Level)}; }

}  // namespace ptv::texttest
