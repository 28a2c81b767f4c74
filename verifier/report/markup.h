// Text made safe for the markup reports (JUnit XML, the HTML pages): one escaper, three dialects.
#pragma once

#include <string>
#include <string_view>

namespace ptv {

/// Where escaped text goes. All three write & < > " ' as entities and what markup cannot carry
/// (control characters, DEL, bytes that are not UTF-8) as U+FFFD. They differ in:
///   kXmlText       ' as &apos;, '\r' as &#13;; '\n' and '\t' literal;
///   kXmlAttribute  as kXmlText, and '\n', '\t' as &#10;, &#9; (a parser normalises literal ones
///                  in an attribute value to spaces [XML 1.0 §3.3.3]);
///   kHtml          ' as &#39;, '\r' as U+FFFD; '\n' and '\t' literal.
enum class Markup { kXmlText, kXmlAttribute, kHtml };

[[nodiscard]] std::string escape_markup(std::string_view s, Markup dialect);

}  // namespace ptv
