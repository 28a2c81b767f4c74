#include "verifier/report/diff_report.h"

#include <iomanip>
#include <nlohmann/json.hpp>

#include "models/format.h"
#include "verifier/base/printable.h"
#include "verifier/report/text.h"

namespace ptv {

namespace {

using Json = nlohmann::ordered_json;

/// "-rw- 4K G": the rights as `ptverify mappings` prints them ('?' for unknown), then the page
/// size and attributes.
std::string rights(const Run& r) {
  std::string s = rights_text(r);
  s += ' ' + (r.page_size ? format_size(*r.page_size) : std::string("?"));
  if (r.global == Tri::kYes) s += " G";
  if (r.global == Tri::kUnknown) s += " G?";
  if (r.pwt.value_or(false)) s += " PWT";
  if (r.pcd.value_or(false)) s += " PCD";
  if (r.pat.value_or(false)) s += " PAT";
  if (r.pkey.value_or(0)) s += " pk=" + std::to_string(*r.pkey);
  return s;
}

std::string side_text(const DiffSide& s) {
  switch (s.state) {
    case DiffSide::State::kMapped:
      return rights(*s.run);
    case DiffSide::State::kUnmapped:
      return "not mapped";
    case DiffSide::State::kUnknown:
      return "unknown (" + s.unknown->reason + ")";
    case DiffSide::State::kFault:
      return "faults on a reserved bit";
  }
  return "?";
}

std::string changes_text(const Difference& d) {
  std::string s;
  for (const AttributeChange& c : d.changes) {
    if (!s.empty()) s += "; ";
    s += c.attribute + ": " + c.a + " -> " + c.b;
  }
  return s;
}

std::string what_changed(const Difference& d) {
  switch (d.kind) {
    case DiffKind::kAdded:
      return side_text(d.b) + (d.a.state == DiffSide::State::kFault ? "  (a: " + side_text(d.a) + ")" : "");
    case DiffKind::kRemoved:
      return side_text(d.a) + (d.b.state == DiffSide::State::kFault ? "  (b: " + side_text(d.b) + ")" : "");
    case DiffKind::kChanged:
      if (d.a.state == DiffSide::State::kMapped)
        return changes_text(d) + "  (" + rights(*d.a.run) + " -> " + rights(*d.b.run) + ")";
      return changes_text(d);
    case DiffKind::kCannotCompare:
      return "a: " + side_text(d.a) + "; b: " + side_text(d.b);
  }
  return "";
}

Json optional_json(std::optional<bool> b) { return b ? Json(*b) : Json(nullptr); }

Json side_json(const DiffSide& s) {
  Json j;
  j["state"] = to_string(s.state);
  switch (s.state) {
    case DiffSide::State::kMapped: {
      const Run& r = *s.run;
      j["writable"] = to_string(r.writable);
      j["user"] = to_string(r.user);
      j["executable"] = to_string(r.executable);
      j["global"] = to_string(r.global);
      j["page_size"] = r.page_size ? Json(format_size(*r.page_size)) : Json(nullptr);
      j["pkey"] = r.pkey ? Json(*r.pkey) : Json(nullptr);
      j["pwt"] = optional_json(r.pwt);
      j["pcd"] = optional_json(r.pcd);
      j["pat"] = optional_json(r.pat);
      break;
    }
    case DiffSide::State::kUnknown:
      j["reason"] = s.unknown->reason;
      break;
    case DiffSide::State::kFault:
      j["level"] = level_name(s.fault->level);
      j["entry"] = hex16(s.fault->entry.value());
      j["raw"] = hex16(s.fault->raw);
      j["reserved"] = hex16(s.fault->reserved);
      break;
    case DiffSide::State::kUnmapped:
      break;
  }
  return j;
}

const char* verdict(const MappingDiff& d) {
  switch (d.exit_code()) {
    case ExitCode::kOk:
      return "identical";
    case ExitCode::kViolations:
      return "different";
    default:
      return "unknown";
  }
}

}  // namespace

void write_diff_text(const MappingDiff& d, std::ostream& os) {
  os << d.summary_line() << '\n';
  os << "a: " << printable(d.a_source) << " (" << printable(d.a_format) << ", " << to_string(d.mode) << ")\n";
  os << "b: " << printable(d.b_source) << " (" << printable(d.b_format) << ", " << to_string(d.mode) << ")\n";
  if (d.differences.empty()) return;
  os << "\n# kind          start              end (exclusive)          size  what changed (a -> b)\n";
  for (const Difference& x : d.differences) {
    const std::string kind = to_string(x.kind);
    os << kind << std::string(16 - kind.size(), ' ') << hex16(x.range.first.value()) << '-' << hex_end(x.range) << ' '
       << std::setw(10) << format_size(x.range.size_or_zero()) << "  " << printable(what_changed(x)) << '\n';
  }
}

void write_diff_json(const MappingDiff& d, std::ostream& os) {
  Json j;
  j["format_version"] = 1;
  j["verdict"] = verdict(d);
  j["summary"] = d.summary_line();
  j["a"] = Json{{"file", d.a_source}, {"format", d.a_format}, {"mode", to_string(d.mode)}};
  j["b"] = Json{{"file", d.b_source}, {"format", d.b_format}, {"mode", to_string(d.mode)}};
  j["counts"] = Json{{"added", d.count(DiffKind::kAdded)},
                     {"removed", d.count(DiffKind::kRemoved)},
                     {"changed", d.count(DiffKind::kChanged)},
                     {"cannot_compare", d.count(DiffKind::kCannotCompare)}};
  Json& diffs = j["differences"] = Json::array();
  for (const Difference& x : d.differences) {
    Json e;
    e["kind"] = to_string(x.kind);
    e["start"] = hex16(x.range.first.value());
    e["end"] = hex_end(x.range);
    e["size"] = format_size(x.range.size_or_zero());
    e["a"] = side_json(x.a);
    e["b"] = side_json(x.b);
    Json& changes = e["changes"] = Json::array();
    for (const AttributeChange& c : x.changes)
      changes.push_back(Json{{"attribute", c.attribute}, {"a", c.a}, {"b", c.b}});
    diffs.push_back(std::move(e));
  }
  os << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace ptv
