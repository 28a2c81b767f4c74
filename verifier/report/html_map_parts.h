// The pieces of the HTML map page (html_map.h), one concept per file: the overview SVG and the
// page's data (html_map_svg.cpp), the inline style sheet and script (html_map_assets.cpp).
// Internal to verifier/report.
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

#include "verifier/report/address_map.h"

namespace ptv::html {

/// Overview geometry, in SVG user units (px). The script reads the same numbers from the
/// svg's data attributes, so they are defined once, here.
inline constexpr double kSvgWidth = 600;
inline constexpr double kBoxX = 10;  ///< left edge of the boxes (room for violation marks)
inline constexpr double kBoxWidth = 430;
inline constexpr double kStripWidth = 36;  ///< the linear run strip at each box's right edge
inline constexpr double kMargin = 8;       ///< above the first box and below the last
inline constexpr double kTargetHeight = 1340;
inline constexpr std::size_t kMaxRunsPerBox = 3000;  ///< runs in the page's data, per box

struct BoxGeometry {
  double y = 0;  ///< top edge
  double h = 0;  ///< height: 16 + s * (log2(size) - 12), s chosen so the strip is ~kTargetHeight
};
/// One per box, in drawing order.
[[nodiscard]] std::vector<BoxGeometry> box_geometry(const AddressMap& map);
/// The strip's total height.
[[nodiscard]] double map_height(const std::vector<BoxGeometry>& g);

/// `<svg id="map">` with the overview group (every box, its runs strip, the boundary
/// addresses, a mark per violation) and an empty zoom group the script fills.
void write_map_svg(const AddressMap& map, std::ostream& os);

/// `<script type="application/json" id="ptv-data">`: per box its range, names, summary and
/// runs (neighbours of one rights class merged across small gaps when a box holds more than
/// kMaxRunsPerBox), and per violation its range and box. '<', '>' and '&' are \u-escaped, so
/// no string can close the element.
void write_map_data(const AddressMap& map, std::ostream& os);

extern const std::string_view kStyle;   ///< the page's CSS
extern const std::string_view kScript;  ///< the page's JavaScript (zoom, violations, hash)

}  // namespace ptv::html
