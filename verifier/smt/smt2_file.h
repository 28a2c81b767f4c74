// Internal to verifier/smt: renders a query as a self-contained SMT-LIB 2 benchmark.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "verifier/smt/expr.h"

namespace ptv::smt {

class Context;

struct NamedAssertion {
  std::string name;  ///< empty for an untracked assertion
  Expr term;
};

/// The benchmark text: a header comment naming the query and the Z3 version that answered it,
/// (set-logic QF_BV) (BV when an assertion holds a quantifier), the expected status, a
/// declare-fun for every constant the assertions use, one assert per assertion (preceded by its
/// name as a comment), (check-sat) and (exit).
/// Requires: every term is a valid Boolean of ctx.
std::string render_smt2_benchmark(Context& ctx, std::string_view query, const std::vector<NamedAssertion>& assertions,
                                  std::string_view status);

/// A file name for `query`: letters, digits, '.', '-' and '_' kept, anything else becomes '_'.
std::string smt2_file_stem(std::string_view query);

}  // namespace ptv::smt
