// Spec expressions: the arithmetic and logic that region bounds and constraints are written in.
//
// Grammar (lowest precedence first; all binary operators associate to the left):
//   or      := and ('||' and)*
//   and     := compare ('&&' compare)*
//   compare := bitor (('==' | '!=' | '<' | '<=' | '>' | '>=') bitor)?     (unsigned)
//   bitor   := bitand ('|' bitand)*
//   bitand  := shift ('&' shift)*
//   shift   := sum (('<<' | '>>') sum)*
//   sum     := product (('+' | '-') product)*
//   product := unary ('*' unary)*
//   unary   := '!' unary | primary
//   primary := number | name | name '(' or (',' or)* ')' | '(' or ')'
// Numbers: decimal, 0x hex or 0b binary, with optional ' or _ digit separators. Names: a
// parameter, a definition, or a unit constant (KiB, MiB, GiB, TiB, PiB, EiB). Functions:
// align_up(x, a), align_down(x, a) (a a power of two), min(a, b), max(a, b).
//
// Values are unsigned 64-bit integers. Arithmetic that would wrap (a sum or product past
// 2^64 - 1, a difference below 0, a left shift losing bits or by 64 or more) does not wrap: the
// expression is then "not well-defined" for those parameter values (see evaluate.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ptv::spec {

enum class Op : std::uint8_t {
  kNumber,
  kParameter,
  kAdd,
  kSub,
  kMul,
  kShl,
  kShr,
  kBitAnd,
  kBitOr,
  kMin,
  kMax,
  kAlignUp,
  kAlignDown,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
};

enum class Type : std::uint8_t { kInteger, kBoolean };

struct Node;
using NodePtr = std::shared_ptr<const Node>;

/// The deepest expression accepted: nodes on the longest path of the tree (definitions
/// included), and nesting of parentheses, calls and '!'. The parser, the evaluators (evaluate.h)
/// and the tree's destruction recurse once per level, so a deeper input is an error at its
/// column rather than a stack overflow. Real specs nest a handful of levels.
inline constexpr unsigned kMaxExpressionDepth = 128;

struct Node {
  Op op = Op::kNumber;
  Type type = Type::kInteger;
  std::uint64_t number = 0;   ///< kNumber: the value
  std::size_t parameter = 0;  ///< kParameter: index into Spec::parameters
  unsigned column = 0;        ///< 1-based column of the operator or operand in its source text
  unsigned depth = 1;         ///< nodes on the longest path from here to a leaf (a leaf: 1)
  std::vector<NodePtr> args;
};

/// What a name in an expression stands for.
struct NameBinding {
  enum class Kind { kParameter, kConstant, kDefinition } kind = Kind::kConstant;
  std::size_t parameter = 0;  ///< kParameter
  std::uint64_t value = 0;    ///< kConstant
  NodePtr definition;         ///< kDefinition: the (already parsed) expression the name stands for
};
/// Looks a name up; empty when the name is unknown.
using NameResolver = std::function<std::optional<NameBinding>(std::string_view)>;
/// Optionally proposes a known name close to an unknown one (for "did you mean ...?").
using NameSuggester = std::function<std::optional<std::string>(std::string_view)>;

/// A parse error: the 1-based column in the text, and what is wrong there.
struct ExpressionError {
  unsigned column = 0;
  std::string message;
};

/// Parses `text`, resolving names with `resolve`, and checks types (integer operands for
/// arithmetic and comparisons, Boolean operands for && || !). `want` is the type the caller
/// needs. On failure the error names the column and what was expected.
[[nodiscard]] std::variant<NodePtr, ExpressionError> parse_expression(std::string_view text,
                                                                      const NameResolver& resolve, Type want,
                                                                      const NameSuggester& suggest = {});

/// The unit constants every spec may use: KiB = 2^10 ... EiB = 2^60.
[[nodiscard]] std::optional<std::uint64_t> unit_constant(std::string_view name);

/// The parameters an expression uses (indices into Spec::parameters, sorted, unique).
[[nodiscard]] std::vector<std::size_t> parameters_used(const Node& root);

/// Operator spelling for messages ("+", "align_up", ...).
[[nodiscard]] std::string_view op_name(Op op);

}  // namespace ptv::spec
