// Where a run's time goes (`check --timings`): named phases, each the sum of the intervals
// recorded under its name, in the order each phase first began. Phases may nest (a
// solver query inside the parameter inference): the printer indents what a name's prefix
// says it belongs to, nothing is subtracted.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ptv {

class Timings {
 public:
  struct Phase {
    std::string name;
    double seconds = 0;
    std::size_t count = 0;  ///< intervals recorded under the name
    double longest = 0;     ///< the longest of them
  };

  /// Adds one interval of `seconds` to the phase `name`.
  void add(std::string_view name, double seconds);
  [[nodiscard]] const std::vector<Phase>& phases() const { return phases_; }

  /// Records the time from its construction to its destruction under `name` (nothing when
  /// `timings` is null).
  class Scope {
   public:
    Scope(Timings* timings, std::string name);
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope();

   private:
    Timings* timings_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
  };

 private:
  Phase& entry(std::string_view name);
  std::vector<Phase> phases_;
};

/// A query's name without its round and step numbers ("infer-parameters-3" ->
/// "infer-parameters"): the family its time is summed under.
[[nodiscard]] std::string query_family(std::string_view query);

}  // namespace ptv
