// Strategy: every case the differential test (differential_test.cpp) or a hand-built contract
// test once found the checker and the oracle disagreeing on is a file in regressions/, in the
// form the differential test prints; each is replayed here and must agree now. The file's first
// line says what went wrong.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agreement.h"
#include "verifier/spec/parse.h"

using namespace ptv;

TEST_CASE("oracle regressions: every saved disagreement agrees now") {
  const std::filesystem::path dir = std::filesystem::path(PTV_FIXTURES_DIR) / "../verifier/oracle/regressions";
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    CAPTURE(entry.path().filename().string());
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    const oracle::TextCase c = oracle::parse_case(text.str());
    const auto spec = spec::parse_spec(c.spec_json, entry.path().filename().string());
    REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
    const std::string diff = oracle::disagreements(c.machine, *spec);
    CHECK_MESSAGE(diff.empty(), diff);
    ++n;
  }
  CHECK(n > 0);
}
