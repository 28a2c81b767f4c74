// Control characters from the input, through every report writer. Strategy: one violated result
// whose strings (dump path, spec path, region, message, note, parameter name) carry a screen
// clear, a window-title sequence, DEL, a C1 CSI and a byte that is not UTF-8; then each writer's
// output is searched for the raw bytes. Text escapes them as \xNN (printable.h); JSON as
// \u00XX or U+FFFD; JUnit XML and HTML replace what they cannot hold with U+FFFD.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "verifier/report/check_json.h"
#include "verifier/report/check_junit.h"
#include "verifier/report/check_result_samples.h"
#include "verifier/report/check_sarif.h"
#include "verifier/report/check_text.h"
#include "verifier/report/explain.h"
#include "verifier/report/html_map.h"

namespace ptv {
namespace {

using namespace checktest;

const std::string kEvil =
    "\x1b]0;owned\x07\x1b[2J\x7f\xc2\x9b"
    "31m\xff";

CheckResult evil_result() {
  CheckResult r = violated();
  r.dump = "dump" + kEvil;
  r.spec = "spec" + kEvil;
  r.notes = {"note" + kEvil};
  r.parameters = {{"param" + kEvil, 1}};
  for (check::Violation& v : r.violations) {
    v.region += kEvil;
    v.message += kEvil;
  }
  return r;
}

bool has_raw_c0(const std::string& s, bool newlines_ok) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(newlines_ok && (c == '\n' || c == '\t' || c == '\r'))) || u == 0x7f) return true;
  }
  return false;
}

TEST_CASE("control characters: the text report escapes every string from the input") {
  std::ostringstream os;
  write_check_text(evil_result(), os, false);
  const std::string out = os.str();
  CHECK_FALSE(has_raw_c0(out, true));
  CHECK(out.find("\xc2\x9b") == std::string::npos);
  CHECK(out.find("\xff") == std::string::npos);
  CHECK(out.find("\\x1b]0;owned\\x07\\x1b[2J\\x7f\\xc2\\x9b31m\\xff") != std::string::npos);
  CHECK(out.find("dump\\x1b]0;owned") != std::string::npos);
  CHECK(out.find("param\\x1b]0;owned") != std::string::npos);
}

TEST_CASE("control characters: explain escapes every string of the report it reads") {
  std::ostringstream os;
  write_explain_text(evil_result(), 0, os, false);
  const std::string out = os.str();
  CHECK_FALSE(has_raw_c0(out, true));
  CHECK(out.find("\xff") == std::string::npos);
  CHECK(out.find("direct-map\\x1b]0;owned") != std::string::npos);
}

TEST_CASE("control characters: JSON and SARIF escape C0 as u00XX escapes and non-UTF-8 as U+FFFD") {
  for (int format = 0; format < 2; ++format) {
    std::ostringstream os;
    if (format == 0)
      write_check_json(evil_result(), os);
    else
      write_check_sarif(evil_result(), os);
    const std::string out = os.str();
    CAPTURE(format);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\x07') == std::string::npos);
    CHECK(out.find("\\u001b") != std::string::npos);
    CHECK(out.find("\xff") == std::string::npos);
  }
}

TEST_CASE("control characters: JUnit XML holds no C0 character, not even as a reference") {
  std::ostringstream os;
  write_check_junit(evil_result(), os);
  const std::string out = os.str();
  CHECK_FALSE(has_raw_c0(out, true));
  CHECK(out.find("&#27;") == std::string::npos);
  CHECK(out.find("&#x1b;") == std::string::npos);
  CHECK(out.find("\xff") == std::string::npos);
}

TEST_CASE("control characters: the HTML escape turns them into U+FFFD") {
  const std::string out = html_escape("<b>" + kEvil + "</b>");
  CHECK_FALSE(has_raw_c0(out, false));
  CHECK(out.find("<") == std::string::npos);
  CHECK(out.find("\xff") == std::string::npos);
}

}  // namespace
}  // namespace ptv
