// printable(), the one escape for untrusted text in terminal output. Strategy: every byte value
// alone, then the UTF-8 cases a terminal acts on (C1 controls) or that are not text (invalid
// sequences), then idempotence: escaped text escapes to itself.
#include "verifier/base/printable.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace ptv {
namespace {

TEST_CASE("printable: every C0 control and DEL becomes an xNN escape, other ASCII is kept") {
  for (unsigned c = 0; c < 0x80; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = printable(in);
    if (c < 0x20 || c == 0x7f) {
      char want[8];
      std::snprintf(want, sizeof want, "\\x%02x", c);
      CHECK_MESSAGE(out == want, "byte " << c);
    } else {
      CHECK_MESSAGE(out == in, "byte " << c);
    }
  }
}

TEST_CASE("printable: newlines are kept only in multi-line text") {
  CHECK(printable("a\nb") == "a\\x0ab");
  CHECK(printable_lines("a\nb") == "a\nb");
  CHECK(printable_lines("a\r\nb\x1b[2J") == "a\\x0d\nb\\x1b[2J");
}

TEST_CASE("printable: terminal escape sequences are defused") {
  CHECK(printable("\x1b]0;owned\x07title") == "\\x1b]0;owned\\x07title");
  CHECK(printable("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H");
}

TEST_CASE("printable: C1 controls (U+0080..U+009F) and invalid UTF-8 are escaped byte by byte") {
  CHECK(printable("\xc2\x9b"
                  "2J") == "\\xc2\\x9b2J");  // U+009B CSI
  CHECK(printable("\xc2\x80") == "\\xc2\\x80");
  CHECK(printable("\xc2\xa0") == "\xc2\xa0");  // U+00A0 is text
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("\xe2\x82") == "\\xe2\\x82");  // a truncated sequence
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");  // an overlong '/'
  CHECK(printable("r\xc3\xa9gion \xe2\x86\x92 \xf0\x9f\x94\x92") == "r\xc3\xa9gion \xe2\x86\x92 \xf0\x9f\x94\x92");
}

TEST_CASE("printable: escaped text is printable already") {
  for (const char* s : {"\x1b[31mred", "a\\x1bb", "\xc2\x9b\xff", "plain"}) {
    const std::string once = printable(s);
    CHECK(printable(once) == once);
  }
}

}  // namespace
}  // namespace ptv
