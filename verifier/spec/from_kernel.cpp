#include "verifier/spec/from_kernel.h"

#include <string>

namespace ptv::spec {

std::optional<std::string_view> from_kernel_variable(std::string_view text) {
  if (text.size() < 2 || text.front() != '*') return std::nullopt;
  const std::string_view name = text.substr(1);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return std::nullopt;
  }
  return name;
}

std::optional<ExpressionError> check_from_kernel(std::string_view text) {
  if (from_kernel_variable(text)) return std::nullopt;
  if (!text.empty() && text.front() == '*')
    return ExpressionError{2, "expected a symbol name after '*' (the value of one kernel variable)"};
  // Names stand for a stand-in parameter, so that nothing is folded: the syntax and the types
  // are checked without values.
  const auto any_symbol = [](std::string_view name) -> std::optional<NameBinding> {
    if (auto u = unit_constant(name)) return NameBinding{NameBinding::Kind::kConstant, 0, *u, nullptr};
    return NameBinding{NameBinding::Kind::kParameter, 0, 0, nullptr};
  };
  auto parsed = parse_expression(text, any_symbol, Type::kInteger);
  if (auto* e = std::get_if<ExpressionError>(&parsed)) return std::move(*e);
  return std::nullopt;
}

Expected<std::uint64_t> eval_from_kernel(std::string_view text, const SymbolAddress& symbol, const ValueAt& value_at) {
  if (const auto name = from_kernel_variable(text)) {
    const auto address = symbol(*name);
    if (!address) return Error{"no symbol " + std::string(*name)};
    auto v = value_at(*address);
    if (!v) return Error{"the value of " + std::string(*name) + ": " + v.error().message};
    return *v;
  }
  std::string missing;
  const auto resolve = [&](std::string_view name) -> std::optional<NameBinding> {
    if (auto u = unit_constant(name)) return NameBinding{NameBinding::Kind::kConstant, 0, *u, nullptr};
    if (auto a = symbol(name)) return NameBinding{NameBinding::Kind::kConstant, 0, *a, nullptr};
    if (missing.empty()) missing = std::string(name);
    return std::nullopt;
  };
  auto parsed = parse_expression(text, resolve, Type::kInteger);
  if (!missing.empty()) return Error{"no symbol " + missing};
  if (auto* e = std::get_if<ExpressionError>(&parsed))
    return Error{"'" + std::string(text) + "' column " + std::to_string(e->column) + ": " + e->message};
  const NodePtr& root = std::get<NodePtr>(parsed);
  if (root->op != Op::kNumber) return Error{"'" + std::string(text) + "' is not constant"};
  return root->number;
}

}  // namespace ptv::spec
