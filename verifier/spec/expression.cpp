// The spec expression parser: a tokenizer, a recursive-descent parser following the grammar in
// expression.h, a type check at each node, and folding of constant sub-expressions (which
// turns a constant that wraps around 2^64 into an error at its column, not a surprise later).
#include "verifier/spec/expression.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "verifier/spec/evaluate.h"

namespace ptv::spec {

namespace {

enum class Tok { kNumber, kName, kPunct, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;
  unsigned column = 0;  // 1-based
  std::uint64_t number = 0;
};

struct Failure {
  ExpressionError error;
};

[[noreturn]] void fail(unsigned column, std::string message) {
  throw Failure{ExpressionError{column, std::move(message)}};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

std::uint64_t parse_number(std::string_view lexeme, unsigned column) {
  unsigned base = 10;
  std::string_view digits = lexeme;
  if (lexeme.size() > 2 && lexeme[0] == '0' && (lexeme[1] == 'x' || lexeme[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  } else if (lexeme.size() > 2 && lexeme[0] == '0' && (lexeme[1] == 'b' || lexeme[1] == 'B')) {
    base = 2;
    digits.remove_prefix(2);
  }
  std::uint64_t v = 0;
  bool any = false;
  char prev = 0;
  for (char c : digits) {
    if (c == '\'' || c == '_') {
      if (!any || prev == '\'' || prev == '_')
        fail(column, "misplaced digit separator in number '" + std::string(lexeme) + "'");
      prev = c;
      continue;
    }
    unsigned d = 99;
    if (is_digit(c))
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    if (d >= base) fail(column, "'" + std::string(lexeme) + "' is not a valid number");
    if (v > (~std::uint64_t{0} - d) / base)
      fail(column, "number '" + std::string(lexeme) + "' does not fit in 64 bits");
    v = v * base + d;
    any = true;
    prev = c;
  }
  if (!any || prev == '\'' || prev == '_') fail(column, "'" + std::string(lexeme) + "' is not a valid number");
  return v;
}

std::vector<Token> tokenize(std::string_view text) {
  static constexpr std::array<std::string_view, 8> kTwoChar = {"<<", ">>", "&&", "||", "==", "!=", "<=", ">="};
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const unsigned col = static_cast<unsigned>(i + 1);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (is_digit(c)) {
      std::size_t j = i;
      while (j < text.size() && (is_name_char(text[j]) || text[j] == '\'')) ++j;
      const std::string_view lexeme = text.substr(i, j - i);
      out.push_back(Token{Tok::kNumber, lexeme, col, parse_number(lexeme, col)});
      i = j;
      continue;
    }
    if (is_name_start(c)) {
      std::size_t j = i;
      while (j < text.size() && is_name_char(text[j])) ++j;
      out.push_back(Token{Tok::kName, text.substr(i, j - i), col, 0});
      i = j;
      continue;
    }
    if (i + 1 < text.size()) {
      const std::string_view two = text.substr(i, 2);
      if (std::find(kTwoChar.begin(), kTwoChar.end(), two) != kTwoChar.end()) {
        out.push_back(Token{Tok::kPunct, two, col, 0});
        i += 2;
        continue;
      }
    }
    if (std::string_view("+-*&|!<>(),").find(c) != std::string_view::npos) {
      out.push_back(Token{Tok::kPunct, text.substr(i, 1), col, 0});
      ++i;
      continue;
    }
    if (c == '=') fail(col, "'=' is not an operator; compare with '=='");
    if (c == '/' || c == '%') fail(col, std::string("'") + c + "' is not supported; use shifts or align_down()");
    if (c == '~' || c == '^') fail(col, std::string("'") + c + "' is not supported in spec expressions");
    fail(col, std::string("unexpected character '") + c + "'");
  }
  out.push_back(Token{Tok::kEnd, {}, static_cast<unsigned>(text.size() + 1), 0});
  return out;
}

std::string describe(Type t) { return t == Type::kInteger ? "an integer" : "a Boolean (a comparison)"; }

class Parser {
 public:
  Parser(std::vector<Token> tokens, const NameResolver& resolve, const NameSuggester& suggest)
      : toks_(std::move(tokens)), resolve_(resolve), suggest_(suggest) {}

  NodePtr parse_all() {
    NodePtr root = parse_or();
    if (peek().kind != Tok::kEnd) {
      if (peek().text == ")") fail(peek().column, "unbalanced ')'");
      fail(peek().column, "unexpected '" + std::string(peek().text) + "' after a complete expression");
    }
    return root;
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  bool at(std::string_view p) const { return peek().kind == Tok::kPunct && peek().text == p; }
  const Token& take() { return toks_[pos_++]; }

  /// Counts one level of recursive descent ('(', a call, '!') for as long as it lives.
  class Nesting {
   public:
    Nesting(Parser& p, unsigned column) : p_(p) {
      if (++p_.nesting_ > kMaxExpressionDepth)
        fail(column, "parentheses, calls and '!' nest deeper than " + std::to_string(kMaxExpressionDepth) + " levels");
    }
    ~Nesting() { --p_.nesting_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& p_;
  };

  static void want(const NodePtr& n, Type t, std::string_view op, const char* side) {
    if (n->type != t)
      fail(n->column,
           "'" + std::string(op) + "' needs " + describe(t) + " " + side + " operand, got " + describe(n->type));
  }

  static NodePtr make(Op op, Type type, unsigned column, std::vector<NodePtr> args) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->type = type;
    n->column = column;
    n->args = std::move(args);
    for (const NodePtr& a : n->args) n->depth = std::max(n->depth, a->depth + 1);
    if (n->depth > kMaxExpressionDepth)
      fail(column, "the expression nests deeper than " + std::to_string(kMaxExpressionDepth) +
                       " operations (definitions included); split it into definitions");
    if ((op == Op::kAlignUp || op == Op::kAlignDown) && n->args[1]->op == Op::kNumber) {
      const std::uint64_t a = n->args[1]->number;
      if (a == 0 || (a & (a - 1)) != 0)
        fail(n->args[1]->column,
             std::string(op_name(op)) + ": the alignment " + std::to_string(a) + " is not a power of two");
    }
    if (type == Type::kInteger && !n->args.empty() &&
        std::all_of(n->args.begin(), n->args.end(), [](const NodePtr& a) { return a->op == Op::kNumber; }))
      return fold(n);
    return n;
  }

  static NodePtr fold(const std::shared_ptr<Node>& n) {
    ConcreteDomain d;
    const CheckedValue<ConcreteDomain> v = eval_integer(d, *n);
    if (!v.ok) {
      if (n->op == Op::kAlignUp || n->op == Op::kAlignDown) {
        const std::uint64_t a = n->args[1]->number;
        if (a == 0 || (a & (a - 1)) != 0)
          fail(n->args[1]->column,
               std::string(op_name(n->op)) + ": the alignment " + std::to_string(a) + " is not a power of two");
      }
      fail(n->column, "this constant '" + std::string(op_name(n->op)) + "' wraps around (below 0 or past 2^64 - 1)");
    }
    auto k = std::make_shared<Node>();
    k->op = Op::kNumber;
    k->number = v.value;
    k->column = n->args[0]->column;
    return k;
  }

  NodePtr binary_level(NodePtr (Parser::*next)(), std::initializer_list<std::pair<std::string_view, Op>> ops,
                       Type operand, Type result) {
    NodePtr lhs = (this->*next)();
    for (;;) {
      const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& p) { return at(p.first); });
      if (it == ops.end()) return lhs;
      const Token& t = take();
      NodePtr rhs = (this->*next)();
      want(lhs, operand, t.text, "as its left");
      want(rhs, operand, t.text, "as its right");
      lhs = make(it->second, result, t.column, {lhs, rhs});
    }
  }

  NodePtr parse_or() { return binary_level(&Parser::parse_and, {{"||", Op::kOr}}, Type::kBoolean, Type::kBoolean); }
  NodePtr parse_and() {
    return binary_level(&Parser::parse_compare, {{"&&", Op::kAnd}}, Type::kBoolean, Type::kBoolean);
  }

  NodePtr parse_compare() {
    static constexpr std::pair<std::string_view, Op> kOps[] = {{"==", Op::kEq}, {"!=", Op::kNe}, {"<=", Op::kLe},
                                                               {">=", Op::kGe}, {"<", Op::kLt},  {">", Op::kGt}};
    NodePtr lhs = parse_bitor();
    for (const auto& [text, op] : kOps) {
      if (!at(text)) continue;
      const Token& t = take();
      NodePtr rhs = parse_bitor();
      want(lhs, Type::kInteger, text, "as its left");
      want(rhs, Type::kInteger, text, "as its right");
      for (const auto& [again, unused] : kOps)
        if (at(again)) fail(peek().column, "comparisons do not chain; join them with '&&'");
      return make(op, Type::kBoolean, t.column, {lhs, rhs});
    }
    return lhs;
  }

  NodePtr parse_bitor() {
    return binary_level(&Parser::parse_bitand, {{"|", Op::kBitOr}}, Type::kInteger, Type::kInteger);
  }
  NodePtr parse_bitand() {
    return binary_level(&Parser::parse_shift, {{"&", Op::kBitAnd}}, Type::kInteger, Type::kInteger);
  }
  NodePtr parse_shift() {
    return binary_level(&Parser::parse_sum, {{"<<", Op::kShl}, {">>", Op::kShr}}, Type::kInteger, Type::kInteger);
  }
  NodePtr parse_sum() {
    return binary_level(&Parser::parse_product, {{"+", Op::kAdd}, {"-", Op::kSub}}, Type::kInteger, Type::kInteger);
  }
  NodePtr parse_product() {
    return binary_level(&Parser::parse_unary, {{"*", Op::kMul}}, Type::kInteger, Type::kInteger);
  }

  NodePtr parse_unary() {
    if (at("!")) {
      const Token& t = take();
      const Nesting level(*this, t.column);
      NodePtr operand = parse_unary();
      want(operand, Type::kBoolean, "!", "as its");
      return make(Op::kNot, Type::kBoolean, t.column, {operand});
    }
    if (at("-")) fail(peek().column, "there is no unary '-': values are unsigned");
    return parse_primary();
  }

  NodePtr parse_primary() {
    const Token& t = peek();
    if (t.kind == Tok::kNumber) {
      take();
      auto n = std::make_shared<Node>();
      n->number = t.number;
      n->column = t.column;
      return n;
    }
    if (t.kind == Tok::kPunct && t.text == "(") {
      take();
      const Nesting level(*this, t.column);
      NodePtr inner = parse_or();
      if (!at(")"))
        fail(peek().column, peek().kind == Tok::kEnd ? "missing ')' for the '(' at column " + std::to_string(t.column)
                                                     : "expected ')', found '" + std::string(peek().text) + "'");
      take();
      return inner;
    }
    if (t.kind == Tok::kName) {
      take();
      if (at("(")) return parse_call(t);
      return resolve_name(t);
    }
    if (t.kind == Tok::kEnd)
      fail(t.column, pos_ == 0 ? "the expression is empty" : "the expression ends where an operand was expected");
    fail(t.column, "expected an operand, found '" + std::string(t.text) + "'");
  }

  NodePtr resolve_name(const Token& t) {
    std::optional<NameBinding> b = resolve_ ? resolve_(t.text) : std::nullopt;
    if (!b) {
      if (auto k = unit_constant(t.text)) b = NameBinding{NameBinding::Kind::kConstant, 0, *k, nullptr};
    }
    if (!b) {
      std::string msg = "unknown name '" + std::string(t.text) + "' (not a parameter, a definition or a unit constant)";
      if (suggest_)
        if (auto s = suggest_(t.text)) msg += "; did you mean '" + *s + "'?";
      fail(t.column, msg);
    }
    switch (b->kind) {
      case NameBinding::Kind::kParameter: {
        auto n = std::make_shared<Node>();
        n->op = Op::kParameter;
        n->parameter = b->parameter;
        n->column = t.column;
        return n;
      }
      case NameBinding::Kind::kConstant: {
        auto n = std::make_shared<Node>();
        n->number = b->value;
        n->column = t.column;
        return n;
      }
      case NameBinding::Kind::kDefinition: {
        // The definition's nodes carry columns of its own text; a message about the name as
        // an operand must point here, where it is used.
        auto n = std::make_shared<Node>(*b->definition);
        n->column = t.column;
        return n;
      }
    }
    fail(t.column, "unresolvable name");
  }

  NodePtr parse_call(const Token& name) {
    static constexpr std::pair<std::string_view, Op> kFunctions[] = {
        {"align_up", Op::kAlignUp}, {"align_down", Op::kAlignDown}, {"min", Op::kMin}, {"max", Op::kMax}};
    const auto it =
        std::find_if(std::begin(kFunctions), std::end(kFunctions), [&](const auto& f) { return f.first == name.text; });
    if (it == std::end(kFunctions))
      fail(name.column,
           "unknown function '" + std::string(name.text) + "' (functions: align_up, align_down, min, max)");
    take();  // '('
    const Nesting level(*this, name.column);
    std::vector<NodePtr> args;
    if (!at(")")) {
      for (;;) {
        NodePtr a = parse_or();
        if (a->type != Type::kInteger)
          fail(a->column, std::string(name.text) + "() takes integer arguments, got " + describe(a->type));
        args.push_back(std::move(a));
        if (!at(",")) break;
        take();
      }
    }
    if (!at(")")) fail(peek().column, "expected ',' or ')' in the arguments of " + std::string(name.text) + "()");
    take();
    if (args.size() != 2)
      fail(name.column, std::string(name.text) + "() takes 2 arguments, got " + std::to_string(args.size()));
    return make(it->second, Type::kInteger, name.column, std::move(args));
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  unsigned nesting_ = 0;
  const NameResolver& resolve_;
  const NameSuggester& suggest_;
};

}  // namespace

std::variant<NodePtr, ExpressionError> parse_expression(std::string_view text, const NameResolver& resolve, Type want,
                                                        const NameSuggester& suggest) {
  try {
    Parser p(tokenize(text), resolve, suggest);
    NodePtr root = p.parse_all();
    if (root->type != want)
      return ExpressionError{root->column, "expected " + describe(want) + " expression, got " + describe(root->type)};
    return root;
  } catch (const Failure& f) {
    return f.error;
  }
}

std::optional<std::uint64_t> unit_constant(std::string_view name) {
  static constexpr std::pair<std::string_view, unsigned> kUnits[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30},
                                                                     {"TiB", 40}, {"PiB", 50}, {"EiB", 60}};
  for (const auto& [n, shift] : kUnits)
    if (n == name) return std::uint64_t{1} << shift;
  return std::nullopt;
}

std::vector<std::size_t> parameters_used(const Node& root) {
  std::set<std::size_t> out;
  std::set<const Node*> seen;  // definitions are shared nodes: visit each once
  std::vector<const Node*> stack{&root};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    if (n->op == Op::kParameter) out.insert(n->parameter);
    for (const NodePtr& a : n->args) stack.push_back(a.get());
  }
  return {out.begin(), out.end()};
}

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kNumber:
      return "number";
    case Op::kParameter:
      return "parameter";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kShl:
      return "<<";
    case Op::kShr:
      return ">>";
    case Op::kBitAnd:
      return "&";
    case Op::kBitOr:
      return "|";
    case Op::kMin:
      return "min";
    case Op::kMax:
      return "max";
    case Op::kAlignUp:
      return "align_up";
    case Op::kAlignDown:
      return "align_down";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kNot:
      return "!";
  }
  return "?";
}

}  // namespace ptv::spec
