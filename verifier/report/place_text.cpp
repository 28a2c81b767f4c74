#include "verifier/report/place_text.h"

#include "models/format.h"

namespace ptv {

std::string place_text(const check::Place& p) {
  if (p.symbol.empty()) return p.section.empty() ? std::string() : "(" + p.section + ")";
  return p.section.empty() ? p.symbol : p.symbol + " (" + p.section + ")";
}

namespace {

std::string pair_text(const std::string& a, const std::string& b) {
  if (a.empty() && b.empty()) return "";
  if (a == b) return a;
  return (a.empty() ? "?" : a) + " .. " + (b.empty() ? "?" : b);
}

}  // namespace

std::string symbols_text(const check::Violation& v) {
  return pair_text(place_text(v.first_place), place_text(v.last_place));
}

std::string area_text(const check::Violation& v) { return pair_text(v.first_place.area, v.last_place.area); }

std::string where_phrase(const check::Violation& v) {
  std::string s;
  if (const std::string sym = symbols_text(v); !sym.empty()) s += " at " + sym;
  if (const std::string area = area_text(v); !area.empty()) s += (s.empty() ? " in " : ", in ") + area;
  return s;
}

std::string parameter_source_text(const check::Parameter& p) {
  std::string s;
  switch (p.source) {
    case check::ParameterSource::kRead:
      s = "read from the kernel: " + p.origin;
      break;
    case check::ParameterSource::kGiven:
      s = p.origin.empty() ? "given (--param)" : "given: " + p.origin;
      break;
    case check::ParameterSource::kInferred:
      s = "one admissible value, not read from the kernel";
      if (p.admissible) s += "; " + admissible_text(*p.admissible);
      break;
  }
  return s;
}

std::string admissible_text(const check::AdmissibleRange& r) {
  if (r.least == r.greatest) return "the only admissible value: the dump fixes it";
  return "admissible from " + hex16(r.least) + " to " + hex16(r.greatest) + " (" + decimal(r.domain_values) +
         " values of its domain; both ends admissible, the values between not each tried)";
}

std::vector<std::string> parameter_source_lines(const check::CheckResult& r) {
  std::vector<std::string> out;
  std::string inferred;
  for (const check::Parameter& p : r.parameters)
    if (p.source == check::ParameterSource::kInferred) inferred += (inferred.empty() ? "" : ", ") + p.name;
  if (!inferred.empty()) out.push_back("inferred (one admissible value each, not read from the kernel): " + inferred);
  for (const check::Parameter& p : r.parameters)
    if (p.source == check::ParameterSource::kInferred && p.admissible)
      out.push_back(p.name + ": " + admissible_text(*p.admissible));
  for (const check::Parameter& p : r.parameters)
    if (p.source != check::ParameterSource::kInferred) out.push_back(p.name + ": " + parameter_source_text(p));
  return out;
}

}  // namespace ptv
