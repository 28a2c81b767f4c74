// A violation's rights (check::ViolationRights) as every report format tells them, and read back
// from a saved report (check_json.h).
#pragma once

#include <string>
#include <string_view>

#include "verifier/checks/result.h"

namespace ptv {

/// "mapped urwx G page 4096" (the attribute class, as to_string(AttrClass) writes it),
/// "executable alias of a writable frame" / "user-executable alias of a user-writable frame",
/// or the text a read-back report kept; "" when the violation names no rights.
[[nodiscard]] std::string violation_rights_text(const check::ViolationRights& r);

/// The inverse of violation_rights_text() on what it writes: the data whose text is exactly
/// `text`; any other text is kept as written (ViolationRights::text), so a saved report is told
/// back byte for byte. An attribute class read back holds what its text shows; the fields the
/// text hides take the values the shown rights imply (user-writable implies writable, ...), and
/// AttrClass::valid is yes for a mapped class.
[[nodiscard]] check::ViolationRights rights_from_text(std::string_view text);

}  // namespace ptv
