// A violation's rights as data and as text. Strategy: the text of each kind of rights is pinned
// (the attribute class as to_string(AttrClass) prints it, the two alias kinds); then reading text
// back is checked against writing it: every attribute class check can produce (all rights,
// global, page-table frame, page sizes) reads back to data that prints the same text, and any
// other text is kept as written, so a saved report is told back byte for byte.
#include "verifier/report/violation_rights.h"

#include <doctest/doctest.h>

#include <array>
#include <string>

namespace ptv {
namespace {

using check::AliasKind;
using check::ViolationRights;

AttrClass mapped(Tri user, Tri writable, Tri executable, std::uint64_t page_size) {
  AttrClass c;
  c.kind = AttrClass::Kind::kMapped;
  c.user = user;
  c.writable = writable;
  c.executable = executable;
  c.user_writable = user == Tri::kYes ? writable : Tri::kNo;
  c.supervisor_executable = executable;
  c.valid = Tri::kYes;
  c.page_size = page_size;
  return c;
}

TEST_CASE("violation rights - each kind is told as the reports have always told it") {
  CHECK(violation_rights_text({}).empty());
  CHECK(violation_rights_text({mapped(Tri::kNo, Tri::kYes, Tri::kYes, 4096), {}, {}}) == "mapped -rwx page 4096");
  AttrClass g = mapped(Tri::kYes, Tri::kYes, Tri::kNo, 2u << 20);
  g.global = Tri::kYes;
  CHECK(violation_rights_text({g, {}, {}}) == "mapped urw- G page 2097152");
  CHECK(violation_rights_text({{}, AliasKind::kSupervisor, {}}) == "executable alias of a writable frame");
  CHECK(violation_rights_text({{}, AliasKind::kUser, {}}) == "user-executable alias of a user-writable frame");
  CHECK(violation_rights_text({{}, {}, "-rwx 2M"}) == "-rwx 2M");
}

TEST_CASE("violation rights - every class check produces reads back to data that prints the same") {
  constexpr std::array kTris{Tri::kNo, Tri::kYes, Tri::kUnknown};
  std::size_t n = 0;
  for (AttrClass::Kind k : {AttrClass::Kind::kUnmapped, AttrClass::Kind::kUnknown, AttrClass::Kind::kFault}) {
    AttrClass c;
    c.kind = k;
    const ViolationRights back = rights_from_text(to_string(c));
    REQUIRE(back.seen);
    CHECK(back.seen->kind == k);
  }
  for (Tri u : kTris)
    for (Tri w : kTris)
      for (Tri x : kTris)
        for (Tri uw : kTris)
          for (Tri sx : kTris)
            for (Tri g : {Tri::kNo, Tri::kYes, Tri::kUnknown})
              for (Tri frame : {Tri::kNo, Tri::kYes})
                for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{4096}, std::uint64_t{1} << 30}) {
                  AttrClass c = mapped(u, w, x, size);
                  c.user_writable = uw;
                  c.supervisor_executable = sx;
                  c.global = g;
                  c.page_table_frame = frame;
                  const std::string text = to_string(c);
                  CAPTURE(text);
                  const ViolationRights back = rights_from_text(text);
                  REQUIRE(back.seen);
                  CHECK(back.text.empty());
                  CHECK(to_string(*back.seen) == text);
                  ++n;
                }
  CHECK(n == 243 * 3 * 2 * 3);
}

TEST_CASE("violation rights - alias sentences read back as their kind, other text is kept") {
  CHECK(rights_from_text("executable alias of a writable frame").alias == AliasKind::kSupervisor);
  CHECK(rights_from_text("user-executable alias of a user-writable frame").alias == AliasKind::kUser);
  CHECK(rights_from_text("") == ViolationRights{});
  for (const char* kept : {"-rwx 2M", "ur-x 4K", "mapped", "mapped urwx page", "mapped urwx page 12x",
                           "mapped zrwx page 4096", "mapped -rwx  page 4096", "unmapped ", "anything at all"}) {
    CAPTURE(kept);
    const ViolationRights r = rights_from_text(kept);
    CHECK_FALSE(r.seen);
    CHECK_FALSE(r.alias);
    CHECK(r.text == kept);
    CHECK(violation_rights_text(r) == kept);
  }
}

}  // namespace
}  // namespace ptv
