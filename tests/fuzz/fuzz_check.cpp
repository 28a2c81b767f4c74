#include "fuzz_check.h"

#include <cstdlib>
#include <iostream>
#include <vector>

#include "models/format.h"
#include "models/paging_mode.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/diff.h"

namespace ptv::fuzz {

void require(bool ok, std::string_view what, std::string_view detail) {
  if (ok) return;
  std::cerr << "fuzz invariant broken: " << what << ": " << detail << std::endl;
  std::abort();
}

void check_error(const Error& e, std::string_view source) {
  require(!e.message.empty(), "an error has a message");
  require(e.message.starts_with(source), "an error names its source first", e.message);
}

void check_warnings(std::string_view warnings, std::string_view source) {
  while (!warnings.empty()) {
    const std::size_t nl = warnings.find('\n');
    const std::string_view line = warnings.substr(0, nl);
    require(line.starts_with(source), "a warning names its source first", line);
    if (nl == std::string_view::npos) break;
    warnings.remove_prefix(nl + 1);
  }
}

namespace {

/// The trie and the mapping set are two definitions of "the class of an address": they must
/// agree at every range boundary (where a wrong split or merge would show first).
void check_trie(const MappingSet& m, std::size_t max_probes) {
  auto trie = AddressTrie::build(m);
  if (!trie.ok()) {
    require(!trie.error().message.empty(), "a trie error has a message");
    return;
  }
  std::vector<VirtAddr> probes;
  auto add = [&](const VirtRange& r) {
    if (probes.size() >= 2 * max_probes) return;
    probes.push_back(r.first);
    probes.push_back(r.last);
    if (auto end = r.end()) probes.push_back(*end);
    if (r.first.value() > 0) probes.push_back(VirtAddr(r.first.value() - 1));
  };
  for (const Run& r : m.runs) add(r.range);
  for (const UnknownRange& u : m.unknown) add(u.range);
  for (const FaultRange& f : m.faults) add(f.range);
  probes.push_back(VirtAddr(0));
  probes.push_back(VirtAddr(~std::uint64_t{0}));
  for (VirtAddr va : probes) {
    if (!is_canonical(va, m.mode)) continue;
    const AttrClass want = class_at(m, va);
    const AttrClass got = trie->classes().at(trie->lookup(va));
    require(want == got, "the trie agrees with class_at",
            "at " + hex16(va.value()) + ": set says " + to_string(want) + ", trie says " + to_string(got));
    const VirtRange around = trie->class_range(va);
    require(around.contains(va), "class_range contains its address", hex16(va.value()));
    require(class_at(m, around.first) == want && class_at(m, around.last) == want, "class_range has one class",
            hex16(va.value()));
  }
}

}  // namespace

void check_mapping_set(const MappingSet& m, std::string_view source, std::size_t max_probes) {
  const auto broken = m.validate();
  require(!broken, "MappingSet::validate", broken.value_or(""));
  require(!m.format.empty(), "a mapping set names its reader");
  if (!source.empty()) require(m.source == source, "a mapping set names its source", m.source);
  check_trie(m, max_probes);
  auto self = diff_mappings(m, m);
  require(self.ok(), "a set can be compared with itself", self.ok() ? "" : self.error().message);
  require(self->count(DiffKind::kAdded) == 0 && self->count(DiffKind::kRemoved) == 0 &&
              self->count(DiffKind::kChanged) == 0,
          "a set does not differ from itself", self->summary_line());
}

}  // namespace ptv::fuzz
