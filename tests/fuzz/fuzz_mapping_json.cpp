// libFuzzer harness: the input as a ptverify JSON mapping set (read_mapping_json), then the
// round trip the format promises: read(write(m)) equals m field for field.
// Invariants: fuzz_check.h, plus the round trip.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_check.h"
#include "fuzz_text.h"
#include "verifier/ingest/mapping_json.h"

namespace ptv::fuzz {
namespace {

bool same(const MappingSet& a, const MappingSet& b) {
  return a.mode == b.mode && a.format == b.format && a.source == b.source && a.claimed_format == b.claimed_format &&
         a.claimed_source == b.claimed_source && a.runs == b.runs && a.unknown == b.unknown && a.faults == b.faults &&
         a.markers == b.markers && a.tables == b.tables && a.self_refs == b.self_refs && a.notes == b.notes;
}

}  // namespace
}  // namespace ptv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string source(fuzz::kTextSource);
  const TextReadOptions options;
  const Expected<MappingSet> m = read_mapping_json(fuzz::as_text(data, size), source, options);
  if (!m.ok()) {
    fuzz::check_error(m.error(), source);
    return 0;
  }
  fuzz::check_mapping_set(*m, {});
  std::ostringstream out;
  write_mapping_set_json(*m, out);
  const Expected<MappingSet> again = read_mapping_json(out.str(), source, options);
  fuzz::require(again.ok(), "a written mapping set reads back", again.ok() ? "" : again.error().message);
  fuzz::require(fuzz::same(*m, *again), "read(write(m)) == m", out.str());
  return 0;
}
