// Small, bounds-checked building blocks shared by the text readers: line splitting, a cursor
// over one line that knows its column, number parsing, UTF-8 lengths, the sniff share of a
// line-per-record format, the paging-mode decision from addresses, and the one shape of a
// diagnostic,
//
//   FILE:LINE:COL: expected WHAT, found 'TOKEN'
//
// Readers may throw ParseFailure internally; it never leaves a reader (each read_* catches it
// at its boundary and returns Expected).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "models/format.h"
#include "models/paging_mode.h"

namespace ptv::text {

/// One line of a text input: its bytes without the '\n' and without a '\r' before it.
struct Line {
  std::string_view text;
  std::uint64_t number = 0;  ///< 1-based
};

/// Splits content into lines. The last line need not end with '\n'.
class LineSplitter {
 public:
  explicit LineSplitter(std::string_view content) : rest_(content) {}
  /// The next line, or empty at the end of the content.
  [[nodiscard]] std::optional<Line> next();

 private:
  std::string_view rest_;
  std::uint64_t number_ = 0;
  bool done_ = false;
};

/// A word of a line and its 1-based byte column.
struct Token {
  std::string_view text;
  std::size_t col = 0;
};

/// A left-to-right reader over one line. Columns are 1-based byte offsets in the line as
/// given (so a dmesg prefix consumed earlier still counts).
class Cursor {
 public:
  explicit Cursor(std::string_view line, std::size_t pos = 0) : line_(line), pos_(pos) {}

  [[nodiscard]] std::size_t col() const { return pos_ + 1; }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] bool at_end() const { return pos_ >= line_.size(); }
  [[nodiscard]] std::string_view rest() const { return line_.substr(pos_); }
  /// Skips spaces and tabs; returns how many were skipped.
  std::size_t skip_blanks();
  /// The next word (up to a blank), without consuming it; empty text at the end of the line.
  [[nodiscard]] Token peek_word() const;
  /// What a diagnostic shows as found here: the next word, or the rest of the line when it
  /// continues with a blank; empty only at the end of the line.
  [[nodiscard]] std::string_view found() const;
  /// Consumes and returns the next word; does not skip leading blanks.
  Token word();
  /// Consumes `s` if the line continues with it.
  bool eat(std::string_view s);
  /// Consumes 1..max_digits hex digits; empty (consuming nothing) when there are none, more
  /// than max_digits, or a value above 2^64 - 1.
  std::optional<std::uint64_t> hex(std::size_t max_digits = 16);
  /// Consumes decimal digits; empty when there are none or the value exceeds 2^64 - 1.
  std::optional<std::uint64_t> dec();

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

/// Thrown inside readers; caught at their boundary.
struct ParseFailure {
  Error error;
};

/// `found` as shown in a diagnostic: at most 40 bytes, non-printable bytes as \xNN.
std::string quote_found(std::string_view found);

/// "SOURCE:LINE:COL: expected WHAT, found 'FOUND'" ("found end of line" when FOUND is empty).
Error expected_at(const std::string& source, std::uint64_t line, std::size_t col, std::string_view what,
                  std::string_view found);
[[noreturn]] void fail_expected(const std::string& source, std::uint64_t line, std::size_t col, std::string_view what,
                                std::string_view found);

/// "SOURCE:LINE:COL: warning: MESSAGE" to `out` (std::cerr when null).
void warn_at(std::ostream* out, const std::string& source, std::uint64_t line, std::size_t col,
             std::string_view message);

/// The first line of a dump whose addresses need 5-level paging: where it is, and what a
/// diagnostic shows as found there.
struct Needs5Level {
  std::uint64_t line = 0;
  std::size_t col = 1;
  std::string found;
};

/// How decide_mode words its error and notes for one format.
struct ModeWording {
  std::string_view expected_4level;  ///< what a given 4-level mode expects: "a 4-level address"
  std::string_view why_5level;       ///< why the line detects 5-level: "needs 57-bit addresses"
  std::string_view noun;             ///< what could need 57 bits: "address", "VMA"
};

/// The paging mode of a dump that tells it only by its addresses; appends the note saying
/// which and why to `notes`:
///   given (M):   "paging mode: M (given)"; if M is 4-level and needs5 is set, throws
///                ParseFailure at needs5: "expected EXPECTED_4LEVEL (the given paging mode)";
///   else 5-level when needs5 is set: "paging mode: 5-level (detected: line N WHY_5LEVEL)";
///   else 4-level: "paging mode: 4-level (assumed: no NOUN needs 57 bits; give the mode to
///                override)".
PagingMode decide_mode(const std::optional<PagingMode>& given, const std::optional<Needs5Level>& needs5,
                       const std::string& source, const ModeWording& wording, std::vector<std::string>& notes);

/// The sniff confidence of a line-per-record format: the share, in percent and at most 99, of
/// the first 64 non-blank lines (within the first 64 KiB) for which looks_like(line) holds. 0
/// when none does, so empty content is never detected (read_text_dump then asks for --format).
[[nodiscard]] int sniff_line_share(std::string_view content, bool (*looks_like)(std::string_view line));

/// The length (1..4) of the valid UTF-8 sequence that starts at s[i], or 0 when none does:
/// a bad lead byte, a missing or wrong continuation, an overlong form, a surrogate, or a code
/// point above U+10FFFF. [RFC 3629 §4] Requires: i < s.size().
[[nodiscard]] std::size_t utf8_length(std::string_view s, std::size_t i);

/// [first, end) where end 0 stands for 2^64. Requires: first < end or end == 0.
[[nodiscard]] constexpr VirtRange range_to(VirtAddr first, std::uint64_t end_or_zero) {
  return VirtRange{first, VirtAddr(end_or_zero - 1)};
}

/// The parts of r inside the canonical space of mode m (zero, one or two ranges).
std::vector<VirtRange> canonical_parts(const VirtRange& r, PagingMode m);
/// Whether all of r is canonical under mode m (inside one half).
[[nodiscard]] constexpr bool is_canonical_range(const VirtRange& r, PagingMode m) {
  return (r.last <= lower_half_last(m)) || (upper_half_first(m) <= r.first);
}

}  // namespace ptv::text
