// SMT-LIB 2 export of a query, for re-checking with z3 and cvc5.
//
// Declarations come from walking the assertion DAGs for uninterpreted constants (so a file
// declares exactly what it uses), terms from Z3's SMT-LIB 2 compliant printer.
#include "verifier/smt/smt2_file.h"

#include <z3.h>

#include <set>
#include <sstream>
#include <unordered_set>

#include "verifier/smt/context.h"
#include "verifier/smt/expr_access.h"

namespace ptv::smt {

namespace {

struct Constant {
  std::string name;
  std::string sort;
  bool operator<(const Constant& o) const { return name < o.name; }
};

/// Adds the uninterpreted constants under `root` to `out`, looking inside quantifier bodies too;
/// returns whether it met a quantifier.
bool collect_constants(Z3_context z, Z3_ast root, std::unordered_set<unsigned>& seen, std::set<Constant>& out) {
  bool quantified = false;
  std::vector<Z3_ast> stack{root};
  while (!stack.empty()) {
    Z3_ast a = stack.back();
    stack.pop_back();
    if (!seen.insert(Z3_get_ast_id(z, a)).second) continue;
    if (Z3_get_ast_kind(z, a) == Z3_QUANTIFIER_AST) {
      quantified = true;
      stack.push_back(Z3_get_quantifier_body(z, a));
      continue;
    }
    if (Z3_get_ast_kind(z, a) != Z3_APP_AST) continue;
    Z3_app app = Z3_to_app(z, a);
    const unsigned n = Z3_get_app_num_args(z, app);
    for (unsigned i = 0; i < n; ++i) stack.push_back(Z3_get_app_arg(z, app, i));
    Z3_func_decl d = Z3_get_app_decl(z, app);
    if (n == 0 && Z3_get_decl_kind(z, d) == Z3_OP_UNINTERPRETED) {
      std::string name = Z3_get_symbol_string(z, Z3_get_decl_name(z, d));
      std::string sort = Z3_sort_to_string(z, Z3_get_range(z, d));
      out.insert(Constant{std::move(name), std::move(sort)});
    }
  }
  return quantified;
}

}  // namespace

std::string render_smt2_benchmark(Context& ctx, std::string_view query, const std::vector<NamedAssertion>& assertions,
                                  std::string_view status) {
  Z3_context z = ctx.raw();
  std::unordered_set<unsigned> seen;
  std::set<Constant> constants;
  bool quantified = false;
  for (const NamedAssertion& a : assertions)
    quantified = collect_constants(z, ExprAccess::ast(a.term), seen, constants) || quantified;

  std::ostringstream out;
  out << "; ptverify query: " << query << "\n";
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  out << "; Z3 " << major << '.' << minor << '.' << build << " answered: " << status << "\n";
  out << "(set-info :smt-lib-version 2.6)\n";
  // Parameter inference asserts quantified witness constraints: logic BV, not QF_BV.
  out << "(set-logic " << (quantified ? "BV" : "QF_BV") << ")\n";
  out << "(set-info :status " << status << ")\n";
  for (const Constant& c : constants) out << "(declare-fun " << c.name << " () " << c.sort << ")\n";
  for (const NamedAssertion& a : assertions) {
    if (!a.name.empty()) out << "; " << a.name << "\n";
    out << "(assert " << a.term.to_smt2() << ")\n";
  }
  out << "(check-sat)\n(exit)\n";
  return out.str();
}

std::string smt2_file_stem(std::string_view query) {
  std::string stem;
  for (char ch : query) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                      ch == '-' || ch == '_';
    stem.push_back(keep ? ch : '_');
  }
  if (stem.empty() || stem[0] == '.') stem.insert(stem.begin(), '_');
  return stem;
}

}  // namespace ptv::smt
