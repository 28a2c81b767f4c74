// What QEMU's monitor commands `info mem` and `info tlb` print alike: one item per non-blank
// line, or "PG disabled" when the vCPU runs without paging.
#pragma once

#include <string>
#include <string_view>

#include "verifier/base/text_scan.h"

namespace ptv::qemu_monitor {

/// Calls f(cursor, line) for each non-blank line, the cursor past its leading blanks. Throws
/// text::ParseFailure at a "PG disabled" line, expecting `items` (e.g. "pages of `info tlb`").
template <class F>
void for_each_line(std::string_view content, const std::string& source, std::string_view items, F&& f) {
  text::LineSplitter lines(content);
  while (auto ln = lines.next()) {
    text::Cursor c(ln->text);
    c.skip_blanks();
    if (c.at_end()) continue;
    if (c.rest().substr(0, 11) == "PG disabled")
      text::fail_expected(source, ln->number, c.col(), std::string(items) + " (paging is disabled: no translation)",
                          c.rest());
    f(c, *ln);
  }
}

}  // namespace ptv::qemu_monitor
