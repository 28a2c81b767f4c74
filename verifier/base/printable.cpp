#include "verifier/base/printable.h"

#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

void escape_byte(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

}  // namespace

std::string printable(std::string_view s, bool keep_newlines) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7f)
        escape_byte(c, out);
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t n = text::utf8_length(s, i);
    // [ECMA-48 §5.2] C1 controls: U+0080..U+009F, in UTF-8 \xc2 followed by \x80..\x9f.
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) <= 0x9f;
    if (n == 0 || c1) {
      const std::size_t bad = n == 0 ? 1 : n;
      for (std::size_t k = 0; k < bad; ++k) escape_byte(static_cast<unsigned char>(s[i + k]), out);
      i += bad;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace ptv
