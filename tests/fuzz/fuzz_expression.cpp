// libFuzzer harness: the input as a spec expression (parse_expression), wanted as an integer
// and as a Boolean, with one definition (two = 2), the unit constants, names starting with 'x'
// unknown (the "did you mean" path) and every other name one of four parameters (so the
// expressions of the real specs in the seed corpus parse); a parsed expression is then evaluated concretely
// (evaluate.h) at two parameter assignments, where wrapping arithmetic must come out as "not well-defined". Invariants:
// an error has a message and a column within the text (1 .. length + 1); a parsed expression has the type asked for,
// and uses only the parameters that exist.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "fuzz_check.h"
#include "verifier/spec/evaluate.h"
#include "verifier/spec/expression.h"

namespace ptv::fuzz {
namespace {

constexpr std::size_t kParameters = 4;

std::optional<spec::NameBinding> resolve(std::string_view name) {
  using spec::NameBinding;
  if (name == "two") {
    auto two = std::make_shared<spec::Node>();
    two->number = 2;
    return NameBinding{NameBinding::Kind::kDefinition, 0, 0, two};
  }
  if (auto unit = spec::unit_constant(name)) return NameBinding{NameBinding::Kind::kConstant, 0, *unit, nullptr};
  if (name.empty() || name.front() == 'x') return std::nullopt;
  return NameBinding{NameBinding::Kind::kParameter, std::hash<std::string_view>{}(name) % kParameters, 0, nullptr};
}

void evaluate(const spec::Node& root, std::span<const std::uint64_t> values) {
  spec::ConcreteDomain d{values};
  if (root.type == spec::Type::kInteger) {
    (void)spec::eval_integer(d, root);
  } else {
    (void)spec::eval_boolean(d, root);
  }
}

}  // namespace
}  // namespace ptv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string_view text = fuzz::as_text(data, size);
  for (spec::Type want : {spec::Type::kInteger, spec::Type::kBoolean}) {
    auto parsed = spec::parse_expression(text, &fuzz::resolve, want,
                                         [](std::string_view) -> std::optional<std::string> { return "size"; });
    if (auto* e = std::get_if<spec::ExpressionError>(&parsed)) {
      fuzz::require(!e->message.empty(), "an expression error has a message");
      fuzz::require(e->column >= 1 && e->column <= text.size() + 1, "an expression error's column is in the text",
                    std::to_string(e->column) + ": " + e->message);
      continue;
    }
    const spec::NodePtr& root = std::get<spec::NodePtr>(parsed);
    fuzz::require(root != nullptr, "a parsed expression has a root");
    fuzz::require(root->type == want, "a parsed expression has the type asked for");
    for (std::size_t p : spec::parameters_used(*root))
      fuzz::require(p < fuzz::kParameters, "an expression's parameters exist");
    const std::array<std::uint64_t, 4> zeros{0, 0, 0, 0};
    const std::array<std::uint64_t, 4> high{0xffff'ffff'8000'0000, 0x4000'0000, ~std::uint64_t{0}, 64};
    fuzz::evaluate(*root, zeros);
    fuzz::evaluate(*root, high);
  }
  return 0;
}
