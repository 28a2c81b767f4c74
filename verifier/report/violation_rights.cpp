#include "verifier/report/violation_rights.h"

#include <array>
#include <charconv>

#include "verifier/mapping/mapping_set.h"

namespace ptv {

using check::AliasKind;
using check::ViolationRights;

namespace {

constexpr std::string_view kSupervisorAlias = "executable alias of a writable frame";
constexpr std::string_view kUserAlias = "user-executable alias of a user-writable frame";

/// Whether the rights agree with each other as effective_attributes() makes them: what user mode
/// may do, the supervisor may too, and a page that is not user grants user mode nothing.
bool consistent(Tri user, Tri writable, Tri executable, Tri user_writable, Tri supervisor_executable) {
  if (user_writable == Tri::kYes && writable != Tri::kYes) return false;
  if (supervisor_executable == Tri::kYes && executable != Tri::kYes) return false;
  if (executable == Tri::kNo && supervisor_executable != Tri::kNo) return false;
  if (user == Tri::kNo && (user_writable != Tri::kNo || supervisor_executable != executable)) return false;
  return true;
}

/// The attribute class to_string() prints as `text`, found among every combination of the
/// fields the text shows (3^5 rights x global x page-table frame, the page size parsed),
/// preferring rights that agree with each other (the fields the text hides are then what the
/// shown ones imply); empty when none prints so.
std::optional<AttrClass> class_from_text(std::string_view text) {
  for (AttrClass::Kind k : {AttrClass::Kind::kUnmapped, AttrClass::Kind::kUnknown, AttrClass::Kind::kFault}) {
    AttrClass c;
    c.kind = k;
    if (to_string(c) == text) return c;
  }
  if (!text.starts_with("mapped ")) return std::nullopt;
  std::uint64_t page_size = 0;
  if (const std::size_t at = text.rfind(" page "); at != std::string_view::npos) {
    const std::string_view digits = text.substr(at + 6);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), page_size);
    if (ec != std::errc() || end != digits.data() + digits.size()) page_size = 0;
  }
  constexpr std::array kTris{Tri::kNo, Tri::kYes, Tri::kUnknown};
  constexpr std::array kYesNo{Tri::kNo, Tri::kYes};
  const std::string_view shown = text.substr(7);  // after "mapped "
  AttrClass c;
  c.kind = AttrClass::Kind::kMapped;
  c.valid = Tri::kYes;
  c.page_size = page_size;
  for (const bool strict : {true, false})
    for (Tri user : kTris)
      for (Tri writable : kTris)
        for (Tri executable : kTris)
          for (Tri user_writable : kTris)
            for (Tri supervisor_executable : kTris) {
              if (strict && !consistent(user, writable, executable, user_writable, supervisor_executable)) continue;
              // The rights token first (cheap), then the whole text for the candidates it leaves.
              if (!shown.starts_with(rights_text(user, writable, executable, user_writable, supervisor_executable)))
                continue;
              for (Tri global : kYesNo)
                for (Tri frame : kYesNo) {
                  c.user = user;
                  c.writable = writable;
                  c.executable = executable;
                  c.user_writable = user_writable;
                  c.supervisor_executable = supervisor_executable;
                  c.global = global;
                  c.page_table_frame = frame;
                  if (to_string(c) == text) return c;
                }
            }
  return std::nullopt;
}

}  // namespace

std::string violation_rights_text(const ViolationRights& r) {
  if (r.seen) return to_string(*r.seen);
  if (r.alias) return std::string(*r.alias == AliasKind::kSupervisor ? kSupervisorAlias : kUserAlias);
  return r.text;
}

ViolationRights rights_from_text(std::string_view text) {
  ViolationRights r;
  if (text.empty()) return r;
  if (text == kSupervisorAlias || text == kUserAlias) {
    r.alias = text == kSupervisorAlias ? AliasKind::kSupervisor : AliasKind::kUser;
    return r;
  }
  r.seen = class_from_text(text);
  if (!r.seen) r.text = std::string(text);
  return r;
}

}  // namespace ptv
