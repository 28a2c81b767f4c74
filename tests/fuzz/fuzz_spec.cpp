// libFuzzer harness: the input as a layout spec (parse_spec), then the concrete evaluation of
// every region at the least value of each parameter (evaluate_layout), which runs the
// well-definedness checks of evaluate.h over hostile expressions.
// Invariants: errors name the file first (or the base spec it extends, for an error there); a parsed spec's references
// are in range (parents, parameter indices in every expression), parameter alignments are powers of two, every
// expression has a root; a layout places every region inside its own extent.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_check.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/parse.h"

namespace ptv::fuzz {
namespace {

void check_expression(const spec::Spec& s, const spec::Expression& e) {
  require(e.root != nullptr, "a parsed expression has a root", e.path);
  for (std::size_t p : spec::parameters_used(*e.root))
    require(p < s.parameters.size(), "an expression's parameters exist", e.path);
}

void check_spec(const spec::Spec& s) {
  for (const spec::Parameter& p : s.parameters)
    require(p.align != 0 && (p.align & (p.align - 1)) == 0, "a parameter's alignment is a power of two", p.path);
  for (const spec::Constraint& c : s.constraints) check_expression(s, c.expr);
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    const spec::Region& r = s.regions[i];
    require(!r.parent || *r.parent < s.regions.size(), "a parent region exists", r.path);
    require(r.align != 0 && (r.align & (r.align - 1)) == 0, "a region's alignment is a power of two", r.path);
    check_expression(s, r.start);
    if (r.array) {
      check_expression(s, r.array->count);
      check_expression(s, r.array->size);
      check_expression(s, r.array->guard);
      if (r.array->stride) check_expression(s, *r.array->stride);
    } else {
      check_expression(s, r.end);
    }
  }
}

}  // namespace
}  // namespace ptv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string file = "fuzz-spec.json";
  const Expected<spec::Spec> s = spec::parse_spec(fuzz::as_text(data, size), file);
  if (!s.ok()) {
    // An error inside a spec the input extends is named by that file ("extends": a bundled name
    // or a path): the file and its line, where the problem is.
    const std::string& m = s.error().message;
    std::error_code ec;
    if (const std::string base = m.substr(0, m.find(':')); base != file && std::filesystem::exists(base, ec)) return 0;
    fuzz::check_error(s.error(), file);
    return 0;
  }
  fuzz::require(s->file == file, "a spec keeps its file name", s->file);
  fuzz::check_spec(*s);

  spec::ParameterValues values;
  for (const spec::Parameter& p : s->parameters) {
    const auto least = p.least();
    if (!least) return 0;  // an empty domain: prove reports it, nothing to place
    fuzz::require(p.admits(*least), "a parameter admits its least value", p.path);
    values.push_back(*least);
  }
  const Expected<spec::Layout> layout = spec::evaluate_layout(*s, values);
  if (!layout.ok()) {
    fuzz::check_error(layout.error(), file);
    return 0;
  }
  fuzz::require(layout->regions.size() == s->regions.size(), "a layout places every region");
  for (const spec::PlacedRegion& r : layout->regions) {
    fuzz::require(r.range.first <= r.range.last, "a placed region is non-empty");
    const auto inner = layout->innermost(r.range.first);
    fuzz::require(inner.has_value(), "a region's first address is in some region");
  }
  return 0;
}
