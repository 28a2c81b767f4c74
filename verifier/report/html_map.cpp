// The HTML map page: header, the map (html_map_svg.cpp), the violations with their walks, the
// check's rules, parameters and notes, and the inline style and script (html_map_assets.cpp).
#include "verifier/report/html_map.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "models/format.h"
#include "verifier/base/output_file.h"
#include "verifier/checks/places.h"
#include "verifier/report/html_map_parts.h"
#include "verifier/report/markup.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::Violation;
using check::WalkLevel;

const char* kClassNames[] = {
    "-r-- read-only",
    "ur-- user read-only",
    "-rw- writable",
    "urw- user writable",
    "-r-x executable",
    "ur-x user executable",
    "-rwx writable + executable",
    "urwx user, W+X",
    "rights unknown",
    "unknown to this dump",
    "faults (reserved bits)",
};

void write_header(const AddressMap& map, std::ostream& os) {
  const MappingSet& m = *map.mappings;
  os << "<header id=\"summary\"><h1>ptverify map <span class=\"src\">" << html_escape(m.source)
     << "</span></h1>\n<p class=\"meta\">" << html_escape(m.format_shown()) << " \xc2\xb7 " << to_string(m.mode)
     << " \xc2\xb7 " << m.runs.size() << " runs";
  if (!m.unknown.empty()) os << " \xc2\xb7 " << m.unknown.size() << " unknown ranges";
  os << " \xc2\xb7 regions: ";
  switch (map.labels) {
    case MapLabels::kSpec:
      os << "spec <b>" << html_escape(map.spec_name) << "</b>";
      if (map.check) os << " (" << html_escape(map.check->spec) << ")";
      break;
    case MapLabels::kMarkers:
      os << "the dump's ptdump section markers";
      break;
    case MapLabels::kHalves:
      os << "the canonical halves (no spec given)";
      break;
  }
  os << "</p>\n";
  if (map.check) {
    os << "<p class=\"verdict " << check::to_string(map.check->verdict()) << "\" id=\"verdict\">"
       << html_escape(map.check->summary_line()) << "</p>\n";
  }
  os << "</header>\n";
}

/// The bits of an entry as chips, high bits first as in [SDM 3A Figure 4-11]; the bits that
/// decide the violation are marked.
void write_bits(const WalkLevel& w, std::ostream& os) {
  std::set<std::string> deciding;
  bool reserved = false;
  if (w.deciding) {
    std::size_t at = 0;
    const std::string& d = w.deciding_bits;
    while (at < d.size()) {
      std::size_t comma = d.find(',', at);
      if (comma == std::string::npos) comma = d.size();
      std::string tok = d.substr(at, comma - at);
      while (!tok.empty() && tok.front() == ' ') tok.erase(tok.begin());
      if (tok.find("reserved") != std::string::npos) reserved = true;
      deciding.insert(tok.substr(0, tok.find('=')));
      at = comma + 1;
    }
  }
  const bool leaf = w.decoded.find("page=") != std::string::npos || w.decoded.find("frame=") != std::string::npos;
  struct Bit {
    const char* name;
    unsigned bit;
    const char* what;
  };
  const Bit bits[] = {
      {"XD", 63, "execute-disable"},
      {"G", 8, "global"},
      {w.level == Level::kPt ? "PAT" : "PS", 7, w.level == Level::kPt ? "PAT" : "page size"},
      {"D", 6, "dirty"},
      {"A", 5, "accessed"},
      {"PCD", 4, "cache disable"},
      {"PWT", 3, "write-through"},
      {"U/S", 2, "user/supervisor"},
      {"R/W", 1, "read/write"},
      {"P", 0, "present"},
  };
  os << "<span class=\"bits\">";
  for (const Bit& b : bits) {
    const unsigned v = static_cast<unsigned>((w.raw >> b.bit) & 1);
    os << "<span class=\"bit " << (v ? "on" : "off") << (deciding.count(b.name) ? " decides" : "") << "\" title=\"bit "
       << b.bit << ": " << b.what << " = " << v << "\">" << b.name << '=' << v << "</span>";
    if (b.bit == 63 && leaf)
      os << "<span class=\"bit field\" title=\"bits 62:59: protection key\">PK=" << ((w.raw >> 59) & 0xf) << "</span>";
  }
  if (reserved) os << "<span class=\"bit on decides\" title=\"reserved bits set\">rsvd</span>";
  os << "</span>";
}

void write_walk(const Violation& v, std::size_t n, std::ostream& os) {
  if (v.walk.empty()) {
    os << "<p class=\"nowalk\" id=\"walk-" << n << "\">No walk: the dump is text, not raw memory.</p>\n";
    return;
  }
  os << "<table class=\"walk\" id=\"walk-" << n
     << "\"><thead><tr><th></th><th>level</th><th>table</th><th>index</th>"
        "<th>entry address</th><th>raw entry</th></tr></thead><tbody>\n";
  for (const WalkLevel& w : v.walk) {
    const char* deciding = w.deciding ? " deciding" : "";
    os << "<tr class=\"level" << deciding << "\"><td class=\"mark\">" << (w.deciding ? "\xe2\x96\xb6" : "")
       << "</td><td>" << html_escape(check::level_name(w)) << "</td><td class=\"hex\">" << hex16(w.table)
       << "</td><td class=\"num\">" << w.index << "</td><td class=\"hex\">" << hex16(w.entry_address)
       << "</td><td class=\"hex raw\">" << hex16(w.raw) << "</td></tr>\n"
       << "<tr class=\"decoded" << deciding << "\"><td></td><td colspan=\"5\">";
    write_bits(w, os);
    os << "<div class=\"dec\">" << html_escape(w.decoded);
    if (w.deciding && !w.deciding_bits.empty())
      os << " <span class=\"why\">\xe2\x86\x90 " << html_escape(w.deciding_bits) << "</span>";
    os << "</div></td></tr>\n";
  }
  os << "</tbody></table>\n";
}

void write_violations(const AddressMap& map, std::ostream& os) {
  os << "<section id=\"violations\">";
  if (!map.check) {
    os << "<h2>Violations</h2><p class=\"none\">Not checked: give <code>--spec SPEC</code> to mark "
          "violations.</p></section>\n";
    return;
  }
  const auto& vs = map.check->violations;
  os << "<h2>Violations (" << vs.size() << (map.check->complete ? "" : ", list incomplete") << ")</h2>\n";
  if (vs.empty()) os << "<p class=\"none\">None: every rule that could be decided holds.</p>\n";
  for (std::size_t i = 0; i < vs.size(); ++i) {
    const Violation& v = vs[i];
    const std::size_t n = i + 1;
    const std::string rule(check::rule_info(v.rule).name);
    const MapBox& box = map.boxes[map.box_at(v.range.first)];
    os << "<details class=\"violation\" id=\"violation-" << n << "\" data-n=\"" << n << "\" data-rule=\""
       << html_escape(rule) << "\" data-first=\"" << hex16(v.range.first.value()) << "\" data-end=\""
       << hex_end(v.range) << "\">\n<summary><span class=\"rule\">" << html_escape(rule)
       << "</span> <span class=\"hex\">" << hex16(v.range.first.value()) << "</span> "
       << format_size(v.range.size_or_zero()) << " in <b>" << html_escape(v.region.empty() ? box.name : v.region)
       << "</b>"
       << (v.baselined ? " <span class=\"tag baselined\">baselined</span>" : " <span class=\"tag new\">new</span>")
       << "</summary>\n";
    os << "<p class=\"message\">" << html_escape(v.message) << "</p>\n<dl>"
       << "<dt>range</dt><dd class=\"hex\">[" << hex16(v.range.first.value()) << ", " << hex_end(v.range) << ")  "
       << format_size(v.range.size_or_zero()) << "</dd>"
       << "<dt>address</dt><dd class=\"hex\">" << hex16(v.address.value()) << "</dd>"
       << "<dt>rights</dt><dd>" << html_escape(violation_rights_text(v.rights)) << "</dd>";
    if (const std::string sym = symbols_text(v); !sym.empty())
      os << "<dt>symbols</dt><dd class=\"hex\">" << html_escape(sym) << "</dd>";
    if (const std::string area = area_text(v); !area.empty()) os << "<dt>area</dt><dd>" << html_escape(area) << "</dd>";
    if (v.phys) os << "<dt>phys</dt><dd class=\"hex\">" << hex16(*v.phys) << "</dd>";
    os << "<dt>fingerprint</dt><dd class=\"hex\">" << html_escape(v.fingerprint) << "</dd></dl>\n";
    write_walk(v, n, os);
    os << "</details>\n";
  }
  os << "</section>\n";
}

void write_legend(std::ostream& os) {
  os << "<section id=\"legend\"><h2>Legend</h2><ul class=\"swatches\">";
  for (unsigned c = 0; c < std::size(kClassNames); ++c)
    os << "<li><svg width=\"14\" height=\"14\"><rect class=\"c" << c << "\" width=\"14\" height=\"14\"/></svg> "
       << kClassNames[c] << "</li>";
  os << "</ul><p class=\"hint\">Box heights grow with the logarithm of the size, so a 4K guard and a 64T "
        "direct map are both visible; the strip at each box's right edge shows its runs at a linear scale. "
        "Click a box to zoom in, then click inside to zoom further; Escape or the breadcrumb zooms "
        "out.</p></section>\n";
}

void write_check_tables(const AddressMap& map, std::ostream& os) {
  if (!map.check) return;
  const check::CheckResult& r = *map.check;
  os << "<section "
        "id=\"rules\"><h2>Rules</h2><table><thead><tr><th>rule</th><th>status</th><th>violations</th><th>detail</th></"
        "tr></thead><tbody>\n";
  for (const check::RuleResult& rr : r.rules)
    os << "<tr><td>" << html_escape(std::string(check::rule_info(rr.rule).name)) << "</td><td><span class=\"status "
       << check::to_string(rr.status) << "\">" << check::to_string(rr.status) << "</span></td><td class=\"num\">"
       << rr.violations << "</td><td>" << html_escape(rr.detail) << "</td></tr>\n";
  os << "</tbody></table></section>\n<section id=\"parameters\"><h2>Parameters"
     << (r.parameters_admissible ? "" : " (last candidate: no admissible values exist)") << "</h2><table><tbody>";
  for (const check::Parameter& p : r.parameters)
    os << "<tr><td>" << html_escape(p.name) << "</td><td class=\"hex\">" << hex16(p.value) << "</td><td>"
       << html_escape(parameter_source_text(p)) << "</td></tr>";
  os << "</tbody></table></section>\n";
}

void write_notes(const AddressMap& map, std::ostream& os) {
  std::vector<std::string> notes = map.notes;
  if (map.check) notes.insert(notes.end(), map.check->notes.begin(), map.check->notes.end());
  for (const std::string& n : map.mappings->notes)
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  if (notes.empty()) return;
  os << "<section id=\"notes\"><h2>Notes</h2><ul>";
  for (const std::string& n : notes) os << "<li>" << html_escape(n) << "</li>";
  os << "</ul></section>\n";
}

}  // namespace

std::string html_escape(std::string_view s) { return escape_markup(s, Markup::kHtml); }

void write_html_map(const AddressMap& map, std::ostream& os) {
  os << "<!DOCTYPE html>\n<html lang=\"en\" data-ptv-ready=\"no\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ptverify map: "
     << html_escape(map.mappings->source) << "</title>\n<style>\n"
     << html::kStyle << "</style>\n</head>\n<body>\n";
  write_header(map, os);
  os << "<main>\n<section id=\"map-panel\">\n<nav id=\"crumbs\" aria-label=\"zoom\"><button type=\"button\" "
        "id=\"back\" disabled>\xe2\x97\x80 back</button> <span class=\"crumb current\">whole space</span></nav>\n";
  html::write_map_svg(map, os);
  os << "</section>\n<section id=\"side\">\n<div id=\"selection\" class=\"panel\"><p class=\"hint\">The whole 64-bit "
        "address space, highest address at the top. Click a box to zoom in.</p></div>\n";
  write_violations(map, os);
  write_legend(os);
  write_check_tables(map, os);
  write_notes(map, os);
  os << "</section>\n</main>\n";
  html::write_map_data(map, os);
  os << "<script>\n" << html::kScript << "</script>\n</body>\n</html>\n";
}

std::optional<std::string> write_html_map_file(const std::string& path, const AddressMap& map) {
  std::optional<Error> err = write_output_file(path, [&map](std::ostream& os) { write_html_map(map, os); });
  if (err) return err->message;
  return std::nullopt;
}

void write_check_html(std::ostream& os, const MappingSet& mappings, const spec::Spec& spec,
                      const check::CheckResult& result) {
  auto layout = check::result_layout(result, spec);
  AddressMap map = build_address_map(mappings, layout.ok() ? &*layout : nullptr, &result);
  if (!layout.ok()) map.notes.push_back("the spec's regions cannot be placed: " + layout.error().message);
  write_html_map(map, os);
}

}  // namespace ptv
