#include "verifier/report/markup.h"

#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

/// The entity for the one byte `c` of ASCII, empty when it stands for itself.
std::string_view entity(char c, Markup m) {
  const bool xml = m != Markup::kHtml;
  const bool attribute = m == Markup::kXmlAttribute;
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return xml ? "&apos;" : "&#39;";
    case '\r':
      return xml ? "&#13;" : kReplacement;
    case '\n':
      return attribute ? "&#10;" : "";
    case '\t':
      return attribute ? "&#9;" : "";
    default: {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x20 || u == 0x7f ? kReplacement : "";  // XML 1.0 §2.2 Char has no C0 control
    }
  }
}

}  // namespace

std::string escape_markup(std::string_view s, Markup dialect) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = text::utf8_length(s, i);
    if (n == 0) {  // not UTF-8: one byte becomes U+FFFD
      out += kReplacement;
      ++i;
      continue;
    }
    const std::string_view e = n == 1 ? entity(s[i], dialect) : std::string_view{};
    if (e.empty())
      out.append(s.substr(i, n));
    else
      out += e;
    i += n;
  }
  return out;
}

}  // namespace ptv
