// Concrete evaluation: the evaluate.h templates on ConcreteDomain, plus explanations of what
// is ill-defined, located by JSON path and column.
#include "verifier/spec/concrete.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "models/format.h"

namespace ptv::spec {

namespace {

// The first (innermost, leftmost) operation of `n` that is not well-defined for these values.
// Each node is looked at once (a definition is a node shared by the expressions naming it).
std::optional<std::string> first_ill_defined(ConcreteDomain& d, const Node& n, EvalMemo<ConcreteDomain>& memo,
                                             std::set<const Node*>& seen) {
  if (!seen.insert(&n).second) return std::nullopt;
  for (const NodePtr& a : n.args)
    if (auto why = first_ill_defined(d, *a, memo, seen)) return why;
  if (n.type != Type::kInteger || n.args.size() != 2) return std::nullopt;
  const std::uint64_t x = eval_integer(d, *n.args[0], memo).value, y = eval_integer(d, *n.args[1], memo).value;
  const std::string at = "the '" + std::string(op_name(n.op)) + "' at column " + std::to_string(n.column) + " ";
  switch (n.op) {
    case Op::kAdd:
      if (d.add_wraps(x, y)) return at + "passes 2^64 - 1 (" + hex(x) + " + " + hex(y) + ")";
      break;
    case Op::kSub:
      if (d.sub_wraps(x, y)) return at + "goes below 0 (" + hex(x) + " - " + hex(y) + ")";
      break;
    case Op::kMul:
      if (d.mul_wraps(x, y)) return at + "passes 2^64 - 1 (" + hex(x) + " * " + hex(y) + ")";
      break;
    case Op::kShl:
      if (d.shl_wraps(x, y)) return at + "loses bits (" + hex(x) + " << " + std::to_string(y) + ")";
      break;
    case Op::kAlignUp:
    case Op::kAlignDown:
      if (!d.power_of_two(y)) return at + "aligns to " + hex(y) + ", which is not a power of two";
      if (n.op == Op::kAlignUp && d.add_wraps(x, y - 1)) return at + "passes 2^64 - 1 (rounding " + hex(x) + " up)";
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

Expected<ParameterValues> parameter_values(const Spec& spec, const std::map<std::string, std::uint64_t>& by_name) {
  ParameterValues out(spec.parameters.size());
  for (const auto& [name, v] : by_name) {
    const auto i = spec.find_parameter(name);
    if (!i) return Error{spec.file + ": no parameter is named '" + name + "'"};
    out[*i] = v;
  }
  for (std::size_t i = 0; i < spec.parameters.size(); ++i)
    if (!by_name.count(spec.parameters[i].name))
      return Error{spec.file + ": no value given for parameter '" + spec.parameters[i].name + "'"};
  return out;
}

std::vector<std::string> violated_assumptions(const Spec& spec, const ParameterValues& values) {
  ConcreteDomain d{values};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < spec.parameters.size(); ++i)
    if (!parameter_domain(d, spec.parameters[i], i)) out.push_back(spec.parameters[i].path);
  for (const Constraint& c : spec.constraints)
    if (!holds(d, *c.expr.root)) out.push_back(c.expr.path);
  return out;
}

Bounds<ConcreteDomain> concrete_bounds(const Spec& spec, const ParameterValues& values, std::size_t region) {
  ConcreteDomain d{values};
  return region_bounds(d, spec.regions[region]);
}

std::optional<std::string> explain_bounds(const Spec& spec, const ParameterValues& values, std::size_t region) {
  const Region& r = spec.regions[region];
  ConcreteDomain d{values};
  const Bounds<ConcreteDomain> b = region_bounds(d, r);
  if (b.ok) return std::nullopt;
  std::vector<const Expression*> fields{&r.start};
  if (r.array) {
    fields.insert(fields.end(), {&r.array->count, &r.array->size, &r.array->guard});
    if (r.array->stride) fields.push_back(&*r.array->stride);
  } else {
    fields.push_back(&r.end);
  }
  EvalMemo<ConcreteDomain> memo;
  for (const Expression* e : fields) {
    std::set<const Node*> seen;
    if (auto why = first_ill_defined(d, *e->root, memo, seen)) return e->path + ": " + *why;
  }
  const std::uint64_t start = eval_integer(d, *r.start.root).value;
  if (!r.array) {
    const std::uint64_t end = eval_integer(d, *r.end.root).value;
    switch (r.end_kind) {
      case EndKind::kEnd:
        return r.path + ": the region is empty or reversed (end " + hex(end) + " <= start " + hex(start) + ")";
      case EndKind::kLast:
        return r.path + ": the region is reversed (last " + hex(end) + " < start " + hex(start) + ")";
      case EndKind::kSize:
        if (end == 0) return r.path + ".size: the region is empty (size 0)";
        return r.path + ": start " + hex(start) + " + size " + hex(end) + " passes the top of the address space (2^64)";
    }
  }
  const std::uint64_t n = eval_integer(d, *r.array->count.root).value;
  const std::uint64_t size = eval_integer(d, *r.array->size.root).value;
  if (n == 0) return r.path + ".count: the array is empty (count 0)";
  if (size == 0) return r.path + ".size: the elements are empty (size 0)";
  return r.path + ": the array's extent (count " + hex(n) + " elements at stride " + hex(b.stride) +
         ") passes the top of the address space (2^64) from start " + hex(start);
}

std::pair<PlacedRegion::Part, std::uint64_t> PlacedRegion::part_at(VirtAddr va) const {
  if (count == 1 && guard == 0 && stride == size) return {Part::kWhole, 0};
  const std::uint64_t off = va.value() - range.first.value();
  const std::uint64_t i = stride == 0 ? 0 : std::min(off / stride, count - 1);
  const std::uint64_t in = off - i * stride;
  if (in < size) return {Part::kElement, i};
  if (in < size + guard) return {Part::kGuard, i};
  return {Part::kGap, i};
}

std::optional<std::size_t> Layout::innermost(VirtAddr va) const {
  std::optional<std::size_t> best;
  std::size_t best_depth = 0;
  for (const PlacedRegion& p : regions) {
    if (!p.range.contains(va)) continue;
    std::size_t depth = 0;
    for (auto cur = spec->regions[p.index].parent; cur; cur = spec->regions[*cur].parent) ++depth;
    if (!best || depth > best_depth) {
      best = p.index;
      best_depth = depth;
    }
  }
  return best;
}

Expected<Layout> evaluate_layout(const Spec& spec, ParameterValues values) {
  if (values.size() != spec.parameters.size())
    return Error{spec.file + ": expected " + std::to_string(spec.parameters.size()) + " parameter values, got " +
                 std::to_string(values.size())};
  if (auto bad = violated_assumptions(spec, values); !bad.empty())
    return Error{spec.file + ": " + bad.front() + " does not hold for " + format_parameters(spec, values)};
  Layout layout;
  layout.spec = &spec;
  ConcreteDomain d{values};
  for (std::size_t i = 0; i < spec.regions.size(); ++i) {
    const Bounds<ConcreteDomain> b = region_bounds(d, spec.regions[i]);
    if (!b.ok)
      return Error{spec.file + ": " +
                   explain_bounds(spec, values, i).value_or(spec.regions[i].path + ": ill-defined bounds")};
    layout.regions.push_back(
        PlacedRegion{i, VirtRange{VirtAddr(b.start), VirtAddr(b.last)}, b.count, b.size, b.guard, b.stride});
  }
  layout.parameters = std::move(values);
  return layout;
}

std::string format_parameters(const Spec& spec, const ParameterValues& values) {
  std::string out;
  for (std::size_t i = 0; i < spec.parameters.size() && i < values.size(); ++i)
    out += (out.empty() ? "" : ", ") + spec.parameters[i].name + "=" + hex(values[i]);
  return out.empty() ? "(no parameters)" : out;
}

}  // namespace ptv::spec
