// JSON access with located failures, shared by the spec parser's files.
#include "verifier/spec/parse_reader.h"

#include <algorithm>
#include <cmath>

namespace ptv::spec::detail {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string type_of(const Json& j) {
  if (j.is_number_unsigned()) return "a non-negative integer";
  if (j.is_number_integer()) return "a negative integer";
  if (j.is_number_float()) {
    // nlohmann reads an integer past 64 bits as a double: say so rather than "fractional".
    const double d = j.get<double>();
    if (d == std::floor(d) && std::fabs(d) >= 18446744073709551616.0)
      return "an integer out of range (at most 2^64 - 1)";
    return "a fractional number";
  }
  return std::string("a JSON ") + j.type_name();
}

}  // namespace

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

void Reader::fail(const std::string& path, const std::string& what) const {
  if (locate_) throw SpecFailure{locate_(path) + ": " + what};
  throw SpecFailure{file_ + ": " + (path.empty() ? std::string("(top level)") : path) + ": " + what};
}

std::string Reader::where(const std::string& path) const {
  if (locate_) return locate_(path);
  return file_ + ": " + (path.empty() ? std::string("(top level)") : path);
}

void Reader::expect_object(const Json& j, const std::string& path,
                           std::initializer_list<std::string_view> allowed) const {
  if (!j.is_object()) fail(path, "expected an object, got " + type_of(j));
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
    std::string msg = "unknown key \"" + it.key() + "\"";
    if (auto s = closest(it.key(), names)) msg += " (did you mean \"" + *s + "\"?)";
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    fail(path, msg + "; allowed keys: " + list);
  }
}

void Reader::expect_array(const Json& j, const std::string& path) const {
  if (!j.is_array()) fail(path, "expected an array, got " + type_of(j));
}

std::string Reader::string_at(const Json& j, const std::string& path) const {
  if (!j.is_string()) fail(path, "expected a string, got " + type_of(j));
  return j.get<std::string>();
}

Expression Reader::expression_at(const Json& j, const std::string& path, Type want) const {
  Expression e;
  e.path = path;
  if (j.is_number_unsigned() && want == Type::kInteger) {
    e.text = std::to_string(j.get<std::uint64_t>());
    auto n = std::make_shared<Node>();
    n->number = j.get<std::uint64_t>();
    n->column = 1;
    e.root = n;
    return e;
  }
  if (!j.is_string())
    fail(path, std::string("expected ") +
                   (want == Type::kInteger ? "an expression string (e.g. \"16 * KiB\") or a non-negative integer"
                                           : "a constraint string (e.g. \"a <= b\")") +
                   ", got " + type_of(j));
  e.text = j.get<std::string>();
  const NameResolver resolve = [this](std::string_view n) -> std::optional<NameBinding> {
    auto it = names_.find(n);
    if (it == names_.end()) return std::nullopt;
    return it->second;
  };
  const NameSuggester suggest = [this](std::string_view n) {
    std::vector<std::string> known{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    for (const auto& [name, binding] : names_) known.push_back(name);
    return closest(n, known);
  };
  auto parsed = parse_expression(e.text, resolve, want, suggest);
  if (auto* err = std::get_if<ExpressionError>(&parsed)) {
    const std::string caret(err->column > 0 ? err->column - 1 : 0, ' ');
    fail(path,
         "column " + std::to_string(err->column) + ": " + err->message + "\n    " + e.text + "\n    " + caret + "^");
  }
  e.root = std::get<NodePtr>(parsed);
  return e;
}

std::uint64_t Reader::constant_at(const Json& j, const std::string& path) const {
  const Expression e = expression_at(j, path, Type::kInteger);
  if (e.root->op != Op::kNumber) {
    std::string why = "it is not constant";
    const std::vector<std::size_t> used = parameters_used(*e.root);
    for (const auto& [name, b] : names_)
      if (!used.empty() && b.kind == NameBinding::Kind::kParameter && b.parameter == used.front())
        why = "it uses parameter '" + name + "'";
    fail(path, "must be a constant expression, but " + why);
  }
  return e.root->number;
}

}  // namespace ptv::spec::detail
