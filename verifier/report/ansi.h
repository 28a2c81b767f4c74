// ANSI SGR colour for terminal reports [ECMA-48 §8.3.117]. Writers take a `colour` flag (the CLI
// sets it when stdout is a terminal and NO_COLOR is unset) and paint through a Painter, so the
// plain report is exactly the coloured one with the escape sequences removed.
#pragma once

#include <string>
#include <string_view>

namespace ptv::ansi {

inline constexpr std::string_view kReset = "\033[0m";
inline constexpr std::string_view kBold = "\033[1m";
inline constexpr std::string_view kDim = "\033[2m";
inline constexpr std::string_view kRed = "\033[31m";
inline constexpr std::string_view kGreen = "\033[32m";
inline constexpr std::string_view kYellow = "\033[33m";

class Painter {
 public:
  explicit Painter(bool colour) : colour_(colour) {}
  [[nodiscard]] std::string operator()(std::string_view s, std::string_view sgr) const {
    if (!colour_ || s.empty()) return std::string(s);
    return std::string(sgr) + std::string(s) + std::string(kReset);
  }
  [[nodiscard]] bool enabled() const { return colour_; }

 private:
  bool colour_;
};

}  // namespace ptv::ansi
