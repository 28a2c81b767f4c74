#include "verifier/base/text_scan.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace ptv::text {

std::optional<Line> LineSplitter::next() {
  if (done_) return std::nullopt;
  const std::size_t nl = rest_.find('\n');
  std::string_view line = rest_.substr(0, nl);
  if (nl == std::string_view::npos) {
    done_ = true;
    rest_ = {};
    // A final '\n' leaves an empty tail, which is not a line of its own.
    if (line.empty()) return std::nullopt;
  } else {
    rest_.remove_prefix(nl + 1);
  }
  // CRLF (serial logs, the monitor over a socket), also doubled by a CRLF conversion of CRLF text
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return Line{line, ++number_};
}

namespace {

constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t Cursor::skip_blanks() {
  const std::size_t from = pos_;
  while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
  return pos_ - from;
}

Token Cursor::peek_word() const {
  const std::size_t from = std::min(pos_, line_.size());
  std::size_t end = from;
  while (end < line_.size() && !is_blank(line_[end])) ++end;
  return Token{line_.substr(from, end - from), from + 1};
}

std::string_view Cursor::found() const {
  const Token t = peek_word();
  return t.text.empty() ? rest() : t.text;
}

Token Cursor::word() {
  Token t = peek_word();
  pos_ += t.text.size();
  return t;
}

bool Cursor::eat(std::string_view s) {
  if (rest().substr(0, s.size()) != s) return false;
  pos_ += s.size();
  return true;
}

std::optional<std::uint64_t> Cursor::hex(std::size_t max_digits) {
  std::size_t end = pos_;
  std::uint64_t v = 0;
  while (end < line_.size() && hex_value(line_[end]) >= 0) {
    if (end - pos_ == max_digits || (v >> 60) != 0) return std::nullopt;  // too many digits, or > 2^64 - 1
    v = (v << 4) | static_cast<std::uint64_t>(hex_value(line_[end]));
    ++end;
  }
  if (end == pos_) return std::nullopt;
  pos_ = end;
  return v;
}

std::optional<std::uint64_t> Cursor::dec() {
  std::size_t end = pos_;
  std::uint64_t v = 0;
  while (end < line_.size() && line_[end] >= '0' && line_[end] <= '9') {
    const auto digit = static_cast<std::uint64_t>(line_[end] - '0');
    if (__builtin_mul_overflow(v, std::uint64_t{10}, &v) || __builtin_add_overflow(v, digit, &v)) return std::nullopt;
    ++end;
  }
  if (end == pos_) return std::nullopt;
  pos_ = end;
  return v;
}

std::string quote_found(std::string_view found) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (std::size_t i = 0; i < found.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(found[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (found.size() > kMax) out += "...";
  return out;
}

Error expected_at(const std::string& source, std::uint64_t line, std::size_t col, std::string_view what,
                  std::string_view found) {
  std::string msg = source + ':' + std::to_string(line) + ':' + std::to_string(col) + ": expected ";
  msg += what;
  if (found.empty()) {
    msg += ", found end of line";
  } else {
    msg += ", found '" + quote_found(found) + "'";
  }
  return Error{std::move(msg)};
}

void fail_expected(const std::string& source, std::uint64_t line, std::size_t col, std::string_view what,
                   std::string_view found) {
  throw ParseFailure{expected_at(source, line, col, what, found)};
}

void warn_at(std::ostream* out, const std::string& source, std::uint64_t line, std::size_t col,
             std::string_view message) {
  std::ostream& os = out ? *out : std::cerr;
  os << source << ':' << line << ':' << col << ": warning: " << message << '\n';
}

PagingMode decide_mode(const std::optional<PagingMode>& given, const std::optional<Needs5Level>& needs5,
                       const std::string& source, const ModeWording& wording, std::vector<std::string>& notes) {
  if (given) {
    if (*given == PagingMode::k4Level && needs5)
      fail_expected(source, needs5->line, needs5->col,
                    std::string(wording.expected_4level) + " (the given paging mode)", needs5->found);
    notes.push_back(std::string("paging mode: ") + std::string(to_string(*given)) + " (given)");
    return *given;
  }
  if (needs5) {
    notes.push_back("paging mode: 5-level (detected: line " + std::to_string(needs5->line) + ' ' +
                    std::string(wording.why_5level) + ')');
    return PagingMode::k5Level;
  }
  notes.push_back("paging mode: 4-level (assumed: no " + std::string(wording.noun) +
                  " needs 57 bits; give the mode to override)");
  return PagingMode::k4Level;
}

int sniff_line_share(std::string_view content, bool (*looks_like)(std::string_view line)) {
  LineSplitter lines(content.substr(0, 64 * 1024));
  std::uint64_t match = 0;
  std::uint64_t other = 0;
  while (auto ln = lines.next()) {
    if (match + other >= 64) break;
    if (ln->text.find_first_not_of(" \t") == std::string_view::npos) continue;
    (looks_like(ln->text) ? match : other) += 1;
  }
  if (match == 0) return 0;
  return static_cast<int>(std::min<std::uint64_t>(99, match * 100 / (match + other)));
}

std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return byte(k) >= lo && byte(k) <= hi; };
  const unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const bool second = b0 == 0xe0 ? cont(1, 0xa0) : b0 == 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return second && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const bool second = b0 == 0xf0 ? cont(1, 0x90) : b0 == 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return second && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

std::vector<VirtRange> canonical_parts(const VirtRange& r, PagingMode m) {
  std::vector<VirtRange> out;
  if (auto low = r.intersect(VirtRange{VirtAddr(0), lower_half_last(m)})) out.push_back(*low);
  if (auto high = r.intersect(VirtRange{upper_half_first(m), VirtAddr(~std::uint64_t{0})})) out.push_back(*high);
  return out;
}

}  // namespace ptv::text
