// Strategy: pin the expression language (verifier/spec/expression.h) one rule per test case:
// numbers, precedence (bitwise operators bind tighter than comparisons), constant folding,
// names and helpers; then every kind of error, each with the exact column it must point at.
// Values are checked by folding constant expressions, which runs the same evaluate.h templates
// as the concrete and symbolic evaluators.
#include "verifier/spec/expression.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace ptv::spec;

namespace {

// Parses with parameters a (index 0) and b (index 1), and the definition `page` = 4096.
std::variant<NodePtr, ExpressionError> parse(std::string_view text, Type want = Type::kInteger) {
  auto page = std::make_shared<Node>();
  page->number = 4096;
  const NameResolver resolve = [page](std::string_view n) -> std::optional<NameBinding> {
    if (n == "a") return NameBinding{NameBinding::Kind::kParameter, 0, 0, nullptr};
    if (n == "b") return NameBinding{NameBinding::Kind::kParameter, 1, 0, nullptr};
    if (n == "page") return NameBinding{NameBinding::Kind::kDefinition, 0, 0, page};
    return std::nullopt;
  };
  const NameSuggester suggest = [](std::string_view n) -> std::optional<std::string> {
    if (n == "pgae") return std::string("page");
    return std::nullopt;
  };
  return parse_expression(text, resolve, want, suggest);
}

std::uint64_t value(std::string_view text) {
  auto r = parse(text);
  REQUIRE(std::holds_alternative<NodePtr>(r));
  const NodePtr& n = std::get<NodePtr>(r);
  REQUIRE(n->op == Op::kNumber);
  return n->number;
}

ExpressionError error(std::string_view text, Type want = Type::kInteger) {
  auto r = parse(text, want);
  REQUIRE(std::holds_alternative<ExpressionError>(r));
  return std::get<ExpressionError>(r);
}

}  // namespace

TEST_CASE("spec expression: numbers are decimal, hex or binary, with ' or _ separators") {
  CHECK(value("4096") == 4096);
  CHECK(value("0xffff'8000'0000'0000") == 0xffff'8000'0000'0000);
  CHECK(value("0xFFFFFFFF_FF600000") == 0xffff'ffff'ff60'0000);
  CHECK(value("0b1010") == 10);
  CHECK(value("0xffffffffffffffff") == ~std::uint64_t{0});
}

TEST_CASE("spec expression: unit constants and definitions are names") {
  CHECK(value("16 * KiB") == 16384);
  CHECK(value("2 * MiB") == 2u << 20);
  CHECK(value("1 * GiB + 1 * TiB") == (std::uint64_t{1} << 30) + (std::uint64_t{1} << 40));
  CHECK(value("PiB") == std::uint64_t{1} << 50);
  CHECK(value("page * 2") == 8192);
}

TEST_CASE("spec expression: precedence puts * over + over shifts over & over | over comparisons") {
  CHECK(value("1 + 2 * 3") == 7);
  CHECK(value("1 << 4 + 1") == 32);
  CHECK(value("0xff & 0x0f | 0x30") == 0x3f);
  CHECK(value("(1 + 2) * 3") == 9);
  CHECK(value("10 - 4 - 3") == 3);  // left-associative
  // A comparison of a masked value, unlike C, needs no parentheses.
  auto r = parse("a & 0xfff == 0", Type::kBoolean);
  REQUIRE(std::holds_alternative<NodePtr>(r));
  CHECK(std::get<NodePtr>(r)->op == Op::kEq);
}

TEST_CASE("spec expression: helpers align_up, align_down, min and max") {
  CHECK(value("align_up(0x1001, 0x1000)") == 0x2000);
  CHECK(value("align_up(0x1000, 0x1000)") == 0x1000);
  CHECK(value("align_down(0x1fff, 0x1000)") == 0x1000);
  CHECK(value("min(3, 5)") == 3);
  CHECK(value("max(3, 5)") == 5);
  CHECK(value("0x8000 >> 3") == 0x1000);
}

TEST_CASE("spec expression: parameters stay symbolic and are listed") {
  auto r = parse("align_up(a + page, 0x1000) - b");
  REQUIRE(std::holds_alternative<NodePtr>(r));
  CHECK(parameters_used(*std::get<NodePtr>(r)) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("spec expression: errors point at the column of the problem") {
  struct Row {
    const char* text;
    unsigned column;
    const char* message;
  };
  const Row rows[] = {
      {"a + kernle_base", 5, "unknown name 'kernle_base'"},
      {"a + pgae", 5, "did you mean 'page'?"},
      {"a + (b * 2", 11, "missing ')' for the '(' at column 5"},
      {"a + b)", 6, "unbalanced ')'"},
      {"a +", 4, "ends where an operand was expected"},
      {"a = b", 3, "'=' is not an operator; compare with '=='"},
      {"a / 2", 3, "'/' is not supported"},
      {"a $ 2", 3, "unexpected character '$'"},
      {"-a", 1, "there is no unary '-'"},
      {"0x1g", 1, "is not a valid number"},
      {"0x1_0000_0000_0000_0000", 1, "does not fit in 64 bits"},
      {"0xffffffffffffffff + 1", 20, "wraps around"},
      {"0x1000 - 0x2000", 8, "wraps around"},
      {"align_up(a, 3)", 13, "the alignment 3 is not a power of two"},
      {"frob(a, 2)", 1, "unknown function 'frob'"},
      {"min(a)", 1, "min() takes 2 arguments, got 1"},
      {"a + (b < 2)", 8, "'+' needs an integer as its right operand, got a Boolean"},
      {"", 1, "the expression is empty"},
  };
  for (const Row& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    const ExpressionError e = error(row.text);
    CHECK(e.column == row.column);
    CHECK(e.message.find(row.message) != std::string::npos);
  }
}

TEST_CASE("spec expression: a constraint must be Boolean and a bound an integer") {
  const ExpressionError e = error("a + 1", Type::kBoolean);
  CHECK(e.message == "expected a Boolean (a comparison) expression, got an integer");
  const ExpressionError f = error("a < 1", Type::kInteger);
  CHECK(f.message == "expected an integer expression, got a Boolean (a comparison)");
  const ExpressionError g = error("a < b < 3", Type::kBoolean);
  CHECK(g.column == 7);
  CHECK(g.message.find("comparisons do not chain") != std::string::npos);
  const ExpressionError h = error("!a", Type::kBoolean);
  CHECK(h.message.find("'!' needs a Boolean") != std::string::npos);
}

// Regression (fuzz_expression, tests/fuzz/regressions/fuzz_expression/definition-operand-column):
// a definition's nodes carry the columns of its own text, and a type error about the name as
// an operand used to report that column (0 here, anything in a real spec) instead of the use.
TEST_CASE("spec expression: an error about a definition as an operand points at the name") {
  const ExpressionError e = error("a < 1 && page", Type::kBoolean);
  CHECK(e.column == 10);
  CHECK(e.message.find("'&&' needs a Boolean") != std::string::npos);
  const ExpressionError f = error("page", Type::kBoolean);
  CHECK(f.column == 1);
}

// Regression (fuzz_expression, tests/fuzz/regressions/fuzz_expression/deep-*): the parser, the
// evaluators and the tree's destruction recurse once per level, and a few thousand nested
// parentheses overflowed the stack. Past kMaxExpressionDepth levels it is an error at a column.
TEST_CASE("spec expression: nesting deeper than kMaxExpressionDepth is an error, not a stack overflow") {
  const unsigned deep = 10 * kMaxExpressionDepth;
  const ExpressionError parens = error(std::string(deep, '(') + "a" + std::string(deep, ')'));
  CHECK(parens.column == kMaxExpressionDepth + 1);
  CHECK(parens.message.find("nest deeper than") != std::string::npos);
  const ExpressionError nots = error(std::string(deep, '!') + "(a < 1)", Type::kBoolean);
  CHECK(nots.column == kMaxExpressionDepth + 1);
  std::string chain = "a";
  for (unsigned i = 0; i < deep; ++i) chain += "+a";
  const ExpressionError sum = error(chain);
  CHECK(sum.message.find("nests deeper than") != std::string::npos);
  CHECK(sum.column == 2 * kMaxExpressionDepth);  // the '+' that makes the tree too deep
  // Within the limit, and a long constant folds to one number whatever its length.
  CHECK(std::holds_alternative<NodePtr>(
      parse(std::string(kMaxExpressionDepth - 1, '(') + "a" + std::string(kMaxExpressionDepth - 1, ')'))));
  std::string ones = "1";
  for (unsigned i = 0; i < deep; ++i) ones += "+1";
  CHECK(value(ones) == deep + 1);
}
