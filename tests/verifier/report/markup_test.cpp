#include "verifier/report/markup.h"

#include <doctest/doctest.h>

namespace ptv {

TEST_CASE("markup: the three dialects differ only in the apostrophe, CR, and newline and tab in attributes") {
  const std::string_view s = "a<b>&\"c\" 'd'\r\n\te";
  CHECK(escape_markup(s, Markup::kXmlText) == "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#13;\n\te");
  CHECK(escape_markup(s, Markup::kXmlAttribute) == "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#13;&#10;&#9;e");
  CHECK(escape_markup(s, Markup::kHtml) == "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;\xef\xbf\xbd\n\te");
}

TEST_CASE("markup: control characters and bytes that are not UTF-8 become U+FFFD, valid UTF-8 stays") {
  for (Markup m : {Markup::kXmlText, Markup::kXmlAttribute, Markup::kHtml}) {
    CHECK(escape_markup("\x01\x1b\x7f", m) == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(escape_markup("\xc3\xa9\xe2\x82\xac", m) == "\xc3\xa9\xe2\x82\xac");  // é €
    CHECK(escape_markup("\xc3(\xed\xa0\x80", m) ==
          "\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // cut, surrogate
  }
}

}  // namespace ptv
