// The scanning helpers under every text reader. Strategy: pin each rule on its edge cases
// (CRLF and a missing final newline, columns after skipped blanks, hex and decimal overflow,
// quoting of unprintable bytes, ptdump's size units, splitting at the canonical hole, the
// paging-mode decision, sniff shares, UTF-8 lengths), since the readers' FILE:LINE:COL
// diagnostics are only as right as these.
#include "verifier/base/text_scan.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ptv {
namespace {

std::vector<std::string> lines_of(std::string_view s) {
  std::vector<std::string> out;
  text::LineSplitter lines(s);
  while (auto l = lines.next()) out.push_back(std::to_string(l->number) + ":" + std::string(l->text));
  return out;
}

TEST_CASE("text scan - lines are numbered from 1, CR before LF is dropped, no final empty line") {
  CHECK(lines_of("a\r\nb\n\nc") == std::vector<std::string>{"1:a", "2:b", "3:", "4:c"});
  CHECK(lines_of("a\n") == std::vector<std::string>{"1:a"});
  CHECK(lines_of("").empty());
  CHECK(lines_of("\n") == std::vector<std::string>{"1:"});
}

TEST_CASE("text scan - a cursor reports 1-based columns and parses bounded numbers") {
  text::Cursor c("  0x1f-zz 18446744073709551616 ffffffffffffffff0");
  CHECK(c.skip_blanks() == 2);
  CHECK(c.col() == 3);
  CHECK(c.eat("0x"));
  CHECK(c.hex() == std::optional<std::uint64_t>(0x1f));
  CHECK(c.eat("-"));
  CHECK_FALSE(c.hex().has_value());  // "zz": nothing consumed
  CHECK(c.found() == "zz");
  CHECK(c.word().text == "zz");
  CHECK(c.found() == " 18446744073709551616 ffffffffffffffff0");
  c.skip_blanks();
  CHECK_FALSE(c.dec().has_value());  // 2^64 overflows
  CHECK(c.col() == 11);              // nothing consumed
  c.word();
  c.skip_blanks();
  CHECK_FALSE(c.hex().has_value());    // 17 digits
  CHECK_FALSE(c.hex(17).has_value());  // 17 digits allowed, but the value needs 68 bits
  const text::Token t = c.word();
  CHECK(t.col == 32);
  CHECK(c.at_end());
  CHECK(c.found().empty());
}

TEST_CASE("text scan - diagnostics quote what was found, escaped and cut") {
  CHECK(text::expected_at("f", 3, 7, "X", "ab").message == "f:3:7: expected X, found 'ab'");
  CHECK(text::expected_at("f", 3, 7, "X", "").message == "f:3:7: expected X, found end of line");
  CHECK(text::quote_found(std::string("a\x01'\\\xff", 5)) == "a\\x01\\x27\\x5c\\xff");
  CHECK(text::quote_found(std::string(50, 'z')) == std::string(40, 'z') + "...");
}

TEST_CASE("text scan - canonical parts split a range at the non-canonical hole") {
  const VirtRange across{VirtAddr(0x7fff'ffff'f000), VirtAddr(0xffff'8000'0000'0fff)};
  const auto parts = text::canonical_parts(across, PagingMode::k4Level);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == VirtRange{VirtAddr(0x7fff'ffff'f000), VirtAddr(0x7fff'ffff'ffff)});
  CHECK(parts[1] == VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'8000'0000'0fff)});
  CHECK(text::canonical_parts(across, PagingMode::k5Level).size() == 2);
  const VirtRange above47{VirtAddr(0x7fff'ffff'f000), VirtAddr(0x8000'0000'0fff)};
  CHECK(text::canonical_parts(above47, PagingMode::k4Level).size() == 1);
  CHECK_FALSE(text::is_canonical_range(above47, PagingMode::k4Level));
  CHECK(text::is_canonical_range(above47, PagingMode::k5Level));
  CHECK(text::canonical_parts(VirtRange{VirtAddr(0x8000'0000'0000), VirtAddr(0x8000'0000'0fff)}, PagingMode::k4Level)
            .empty());
  CHECK(text::range_to(VirtAddr(0xffff'ffff'ffe0'0000), 0).last == VirtAddr(~std::uint64_t{0}));
}

TEST_CASE("text scan - the paging mode is the given one, else 5-level when a line needs it, else 4-level") {
  const text::ModeWording wording{.expected_4level = "a 4-level address", .why_5level = "needs 57 bits", .noun = "VMA"};
  const text::Needs5Level at3{3, 5, "0x0100000000000000"};
  std::vector<std::string> notes;
  CHECK(text::decide_mode(PagingMode::k5Level, at3, "f", wording, notes) == PagingMode::k5Level);
  CHECK(text::decide_mode(std::nullopt, at3, "f", wording, notes) == PagingMode::k5Level);
  CHECK(text::decide_mode(std::nullopt, std::nullopt, "f", wording, notes) == PagingMode::k4Level);
  CHECK(notes == std::vector<std::string>{
                     "paging mode: 5-level (given)", "paging mode: 5-level (detected: line 3 needs 57 bits)",
                     "paging mode: 4-level (assumed: no VMA needs 57 bits; give the mode to override)"});
  std::string error;
  try {
    (void)text::decide_mode(PagingMode::k4Level, at3, "f", wording, notes);
  } catch (const text::ParseFailure& f) {
    error = f.error.message;
  }
  CHECK(error == "f:3:5: expected a 4-level address (the given paging mode), found '0x0100000000000000'");
}

bool is_x(std::string_view line) { return line == "x"; }

TEST_CASE("text scan - a line format's sniff confidence is its share of the first 64 non-blank lines") {
  CHECK(text::sniff_line_share("x\n\n  \nx", is_x) == 99);  // blank lines are neutral; 100 is never claimed
  CHECK(text::sniff_line_share("x\ny\nx\ny\n", is_x) == 50);
  CHECK(text::sniff_line_share("y\n", is_x) == 0);
  CHECK(text::sniff_line_share("", is_x) == 0);
  std::string lines;
  for (int i = 0; i < 64; ++i) lines += "x\n";
  CHECK(text::sniff_line_share(lines + "y\ny\n", is_x) == 99);  // line 65 on is not read
}

TEST_CASE("text scan - utf8_length accepts well-formed UTF-8 sequences only") {
  CHECK(text::utf8_length("a", 0) == 1);
  CHECK(text::utf8_length("\xc3\xa9", 0) == 2);          // U+00E9
  CHECK(text::utf8_length("\xe2\x82\xac", 0) == 3);      // U+20AC
  CHECK(text::utf8_length("\xf0\x9f\x98\x80", 0) == 4);  // U+1F600
  CHECK(text::utf8_length("\xc0\xaf", 0) == 0);          // overlong
  CHECK(text::utf8_length("\xed\xa0\x80", 0) == 0);      // a surrogate
  CHECK(text::utf8_length("\xf4\x90\x80\x80", 0) == 0);  // above U+10FFFF
  CHECK(text::utf8_length("\xe2\x82", 0) == 0);          // cut short
  CHECK(text::utf8_length("\x80", 0) == 0);              // a lone continuation byte
}

}  // namespace
}  // namespace ptv
