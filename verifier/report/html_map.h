// The address space as one self-contained HTML page (`map --html FILE`, `check --html FILE`).
//
// No network: the page holds its SVG, CSS, script and data inline, and references no external
// script, font, style sheet or image. It shows:
//   - the whole space as an SVG strip (`<svg id="map">`, group `id="overview"`), one box per
//     AddressMap box (`<g class="box" id="box-N" data-name=...>`), heights on the log scale of
//     the terminal map, the boundary addresses beside it, and inside each box a linear strip of
//     its mapped runs coloured by rights;
//   - zooming: clicking a box draws it alone at a linear scale (group `id="zoom"`) with its runs
//     (`rect class="run"`), unknown and faulting ranges; clicking inside zooms 8x around the
//     point; the breadcrumb (`nav id="crumbs"`) and Escape zoom out;
//   - the violations (`<details class="violation" id="violation-N" data-rule=...>`, N from 1),
//     each opening to its walk (`<table class="walk" id="walk-N">`: level, table, index, entry
//     address, raw entry, decoded bits and a bit strip; the deciding entry is `tr.deciding`)
//     and highlighting its range on the map;
//   - the check's rules, parameters and notes, when there is a check.
// The script marks `<html data-ptv-ready="yes">` once it has run. From the URL it reads
// `#violation-N` (open that violation's walk and zoom to its range), `#zoom-N` (zoom to box N)
// and `?open=violation-N` (open the walk, mark it on the whole-space map, no zoom or scroll: for
// screenshots). Without the script the overview, the walks (plain <details>) and the tables
// still read.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "verifier/checks/result.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/report/address_map.h"
#include "verifier/spec/spec.h"

namespace ptv {

/// Writes the page. Requires: map built by build_address_map (its mappings and check alive).
void write_html_map(const AddressMap& map, std::ostream& os);

/// Writes the page to `path` as an OutputFile (verifier/base/output_file.h): complete or not
/// at all. Empty on success; otherwise the message ("FILE: cannot write: <reason>").
[[nodiscard]] std::optional<std::string> write_html_map_file(const std::string& path, const AddressMap& map);

/// `check --html`: the page for a check's result, its regions placed with the parameters the
/// check reported (a note says so when they cannot be placed).
void write_check_html(std::ostream& os, const MappingSet& mappings, const spec::Spec& spec,
                      const check::CheckResult& result);

/// Text for HTML content and attribute values: & < > " ' escaped; bytes that are not valid
/// UTF-8 and control characters other than tab and newline become U+FFFD.
[[nodiscard]] std::string html_escape(std::string_view s);

}  // namespace ptv
