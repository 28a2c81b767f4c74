// The Z3 context behind smt::Context. Z3 runs in reference-counting mode (every term an Expr
// holds is inc_ref'd), and its error handler only lets the call return: each smt/*.cpp call
// site polls Z3_get_error_code and turns an error into an invalid Expr or an Error result.
#include "verifier/smt/context.h"

#include <z3.h>

#include <map>
#include <new>
#include <string>
#include <utility>

#include "verifier/smt/expr_access.h"

namespace ptv::smt {

std::string z3_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return std::to_string(major) + '.' + std::to_string(minor) + '.' + std::to_string(build);
}

namespace {

// Z3 calls this on every API error. It must neither exit() nor throw through C frames; the
// caller reads the error code right after the call.
void keep_going_on_z3_error(Z3_context /*ctx*/, Z3_error_code /*code*/) {}

// SMT-LIB 2.6 simple symbols: a non-empty sequence of letters, digits and ~!@$%^&*_-+=<>.?/,
// not starting with a digit. Restricting names to these keeps exported queries portable.
bool is_simple_symbol(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char ch : s) {
    const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!alnum && std::string_view("~!@$%^&*_-+=<>.?/").find(ch) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

struct Context::Impl {
  Z3_context z3 = nullptr;
  std::vector<Declaration> declarations;
  std::map<std::string, unsigned, std::less<>> width_by_name;
  std::optional<std::string> last_error;
};

Context::Context() : impl_(std::make_unique<Impl>()) {
  Z3_config cfg = Z3_mk_config();
  Z3_set_param_value(cfg, "model", "true");
  impl_->z3 = Z3_mk_context_rc(cfg);
  Z3_del_config(cfg);
  if (impl_->z3 == nullptr) throw std::bad_alloc();  // Z3 could not allocate its context
  Z3_set_error_handler(impl_->z3, keep_going_on_z3_error);
  Z3_set_ast_print_mode(impl_->z3, Z3_PRINT_SMTLIB2_COMPLIANT);
}

Context::~Context() { Z3_del_context(impl_->z3); }

Z3_context Context::raw() const { return impl_->z3; }

const std::vector<Declaration>& Context::declarations() const { return impl_->declarations; }

std::optional<std::string> Context::last_error() const { return impl_->last_error; }

void Context::record_error(std::string message) { impl_->last_error = std::move(message); }

namespace {

Expr declare(Context& ctx, std::map<std::string, unsigned, std::less<>>& widths, std::vector<Declaration>& decls,
             std::string_view name, unsigned width) {
  const char* what = width == 0 ? "bool_const" : "bv_const";
  if (!is_simple_symbol(name)) {
    ctx.record_error(std::string(what) + ": '" + std::string(name) + "' is not an SMT-LIB simple symbol");
    return {};
  }
  if (auto it = widths.find(name); it != widths.end() && it->second != width) {
    ctx.record_error(std::string(what) + ": '" + std::string(name) + "' was already declared with another sort");
    return {};
  }
  Z3_context z = ctx.raw();
  const std::string n(name);
  Z3_symbol sym = Z3_mk_string_symbol(z, n.c_str());
  Z3_sort sort = width == 0 ? Z3_mk_bool_sort(z) : Z3_mk_bv_sort(z, width);
  Expr e = ExprAccess::wrap(ctx, Z3_mk_const(z, sym, sort), width, std::nullopt);
  if (e.valid() && widths.emplace(n, width).second) decls.push_back(Declaration{n, width});
  return e;
}

}  // namespace

Expr Context::bv_const(std::string_view name, unsigned width) {
  if (width == 0 || width > 65535) {
    record_error("bv_const: width " + std::to_string(width) + " is out of 1..65535");
    return {};
  }
  return declare(*this, impl_->width_by_name, impl_->declarations, name, width);
}

Expr Context::bool_const(std::string_view name) {
  return declare(*this, impl_->width_by_name, impl_->declarations, name, 0);
}

Expr Context::bv_val(std::uint64_t value, unsigned width) {
  if (width == 0 || width > 65535) {
    record_error("bv_val: width " + std::to_string(width) + " is out of 1..65535");
    return {};
  }
  if (width < 64 && (value >> width) != 0) {
    record_error("bv_val: " + std::to_string(value) + " does not fit in " + std::to_string(width) + " bits");
    return {};
  }
  Z3_context z = impl_->z3;
  // The uint64_t overload on purpose: a numeral of 2^63 or more made through a signed overload
  // (or through an int literal's promotion) would be read as a negative value.
  Z3_ast a = Z3_mk_unsigned_int64(z, static_cast<std::uint64_t>(value), Z3_mk_bv_sort(z, width));
  return ExprAccess::wrap(*this, a, width, width <= 64 ? std::optional<std::uint64_t>(value) : std::nullopt);
}

Expr Context::bool_val(bool value) {
  Z3_context z = impl_->z3;
  return ExprAccess::wrap(*this, value ? Z3_mk_true(z) : Z3_mk_false(z), 0, value ? 1 : 0);
}

}  // namespace ptv::smt
