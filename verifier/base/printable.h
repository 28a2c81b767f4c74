// Untrusted text made safe for a terminal. Names, messages and file names that come from input
// (a saved report, a mapping set's `source`, a spec's region names, a dump's path) reach text
// reports and stderr through these, so that no escape sequence in them can clear the screen,
// retitle the window or hide a line.
#pragma once

#include <string>
#include <string_view>

namespace ptv {

/// `s` with what a terminal would act on written as \xNN (two lowercase hex digits): C0
/// controls (tab included, newline too unless `keep_newlines`), DEL, the C1 controls
/// U+0080..U+009F (UTF-8 \xc2\x80..\xc2\x9f, each byte escaped), and every byte that is not part
/// of valid UTF-8. Everything else, backslash included, is copied: printable() of printable
/// text is the same text.
[[nodiscard]] std::string printable(std::string_view s, bool keep_newlines = false);

/// For multi-line text by design (an error message, a note): printable() keeping newlines.
[[nodiscard]] inline std::string printable_lines(std::string_view s) { return printable(s, true); }

}  // namespace ptv
