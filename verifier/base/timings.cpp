#include "verifier/base/timings.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ptv {

Timings::Phase& Timings::entry(std::string_view name) {
  auto it = std::find_if(phases_.begin(), phases_.end(), [&](const Phase& p) { return p.name == name; });
  if (it != phases_.end()) return *it;
  phases_.push_back(Phase{std::string(name), 0, 0, 0});
  return phases_.back();
}

void Timings::add(std::string_view name, double seconds) {
  Phase& p = entry(name);
  p.seconds += seconds;
  ++p.count;
  p.longest = std::max(p.longest, seconds);
}

Timings::Scope::Scope(Timings* timings, std::string name)
    : timings_(timings), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {
  // The phase takes its place in the order when it begins: before the phases inside it.
  if (timings_ != nullptr) timings_->entry(name_);
}

Timings::Scope::~Scope() {
  if (timings_ != nullptr)
    timings_->add(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

std::string query_family(std::string_view query) {
  // Drop "-N" parts made only of digits, wherever they are ("...-3-at-least-2" -> "...-at-least").
  std::string out;
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t j = query.find('-', i + 1);
    if (j == std::string_view::npos) j = query.size();
    const std::string_view part = query.substr(i, j - i);
    const std::string_view digits = part.front() == '-' ? part.substr(1) : part;
    const bool number = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (!number) out += part;
    i = j;
  }
  return out.empty() ? std::string(query) : out;
}

}  // namespace ptv
