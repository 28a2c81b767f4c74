// The report formats a subcommand can write (--output): chosen once, from the flag's text, at the
// command line, and passed inward as this enum; no stage compares format names.
#pragma once

#include <optional>
#include <string_view>

namespace ptv {

enum class OutputFormat { kText, kJson, kSarif, kJunit, kKtap, kHtml };

/// The --output name of each format, as the user types it.
[[nodiscard]] constexpr std::string_view to_string(OutputFormat f) {
  switch (f) {
    case OutputFormat::kText:
      return "text";
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kSarif:
      return "sarif";
    case OutputFormat::kJunit:
      return "junit";
    case OutputFormat::kKtap:
      return "ktap";
    case OutputFormat::kHtml:
      return "html";
  }
  return "text";
}

/// The format called `name`; empty when no format has that name.
[[nodiscard]] constexpr std::optional<OutputFormat> output_format_named(std::string_view name) {
  for (OutputFormat f : {OutputFormat::kText, OutputFormat::kJson, OutputFormat::kSarif, OutputFormat::kJunit,
                         OutputFormat::kKtap, OutputFormat::kHtml})
    if (to_string(f) == name) return f;
  return std::nullopt;
}

}  // namespace ptv
