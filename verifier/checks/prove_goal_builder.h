// Internal to verifier/checks/prove_goals*.cpp: how the goals of an obligation are built (the
// Builder every obligation adds its goals to, the inputs they share, and the generic pieces of
// their violation predicates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/format.h"
#include "verifier/checks/prove_goals.h"

namespace ptv::check::detail {

using spec::Bounds;
using spec::ConcreteDomain;
using spec::Half;
using spec::Must;
using spec::Region;
using spec::Rights;

/// "512 GiB", else "0x1234 bytes".
inline std::string bytes_text(std::uint64_t n) { return exact_binary_size(n).value_or(decimal(n) + " bytes"); }

// --- Violation predicates, generic over the evaluation domain ------------------------------

template <class D>
auto nonzero(D& d, const typename D::Value& v) {
  return d.negate(d.eq(v, d.number(0)));
}

template <class D>
auto overlap(D& d, const typename D::Value& a_start, const typename D::Value& a_last, const typename D::Value& b_start,
             const typename D::Value& b_last) {
  return d.all(d.ule(a_start, b_last), d.ule(b_start, a_last));
}

template <class D>
auto both_ok(D& d, const Bounds<D>& a, const Bounds<D>& b) {
  return d.all(a.ok, b.ok);
}

class Builder {
 public:
  Builder(const spec::Spec& spec, spec::SymbolicSpec& symbolic) : spec_(spec), sym_(symbolic) {}

  template <class Pred, class Describe>
  void add(ObligationId id, std::string subject, std::vector<std::size_t> regions, Pred pred, Describe describe) {
    if (goals_.size() >= kMaxGoals) {
      // Past the limit a goal is kept only as a count: proved when its violation evaluates to
      // false without the solver, else not decided.
      const smt::Expr violation = pred(sym_.domain, sym_.regions);
      Unbuilt& u = unbuilt_[static_cast<std::size_t>(id)];
      ++(violation.as_bool() == std::optional<bool>(false) ? u.apart : u.dropped);
      return;
    }
    Goal g;
    g.obligation = id;
    g.query = std::string(info(id).id) + "." + std::string(info(id).name);
    for (std::size_t r : regions) g.query += "." + spec_.regions[r].name;
    if (query_suffix_) g.query += "." + *query_suffix_;
    g.subject = std::move(subject);
    g.regions = std::move(regions);
    g.violation = pred(sym_.domain, sym_.regions);
    g.replay = [pred, describe](const Replay& r) -> std::optional<Finding> {
      ConcreteDomain d{r.values};
      if (!pred(d, r.bounds)) return std::nullopt;
      return describe(r);
    };
    goals_.push_back(std::move(g));
  }
  void suffix(std::optional<std::string> s) { query_suffix_ = std::move(s); }
  void apart(ObligationId id, std::size_t n) { unbuilt_[static_cast<std::size_t>(id)].apart += n; }
  std::vector<Goal> take() { return std::move(goals_); }
  std::vector<Unbuilt> take_unbuilt() { return std::move(unbuilt_); }

 private:
  const spec::Spec& spec_;
  spec::SymbolicSpec& sym_;
  std::vector<Goal> goals_;
  std::vector<Unbuilt> unbuilt_ = std::vector<Unbuilt>(kObligations.size());
  std::optional<std::string> query_suffix_;
};

inline std::string placed(const spec::Spec& s, const Replay& r, std::size_t i) {
  return s.regions[i].name + " " + closed_range_text(r.bounds[i].start, r.bounds[i].last);
}

/// What the goals of every obligation are built from.
struct Inputs {
  const spec::Spec& spec;
  spec::SymbolicSpec& sym;
  std::uint64_t lhl;      ///< the lower half's last address
  std::uint64_t uhf;      ///< the upper half's first address
  std::string mode_text;  ///< "4-level paging"
};

/// Each obligation's goals (one function each, P02..P10) go to `b`; each returns, when the
/// obligation has no goals by the spec's declarations, why (its note).
using Note = std::optional<std::string>;

/// P09 recursive-slot (prove_goals_slots.cpp).
Note recursive_slot_goals(Builder& b, const Inputs& in);
/// P10 user access in the kernel half and rights-vs-rules (prove_goals_slots.cpp).
Note rights_vs_rules_goals(Builder& b, const Inputs& in);

}  // namespace ptv::check::detail
