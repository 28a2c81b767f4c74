// The text dump formats: one reader interface (sniff + read) and one registry.
//
// Adding a text format means one file pair in verifier/ingest/ and one line in the registry
// (text_format.cpp); everything downstream consumes the MappingSet the reader returns.
// Each reader says in MappingSet::notes what its source can and cannot tell, and marks as
// UnknownRange every address it cannot speak for: an absence of information is never
// "nothing mapped". docs/formats.md describes every format and the auto-detection rules.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "models/expected.h"
#include "models/paging_mode.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

struct TextReadOptions {
  /// Unknown flag tokens (and, in ptdump, lines that are not ptdump) are reported as warnings
  /// and skipped instead of failing the read. A skipped token never grants a right: the
  /// rights it could have told stay unknown.
  bool lenient = false;
  /// The paging mode; empty: detected from the content (and said so in the notes). When given,
  /// content that contradicts it is an error.
  std::optional<PagingMode> mode;
  /// Where lenient warnings go ("FILE:LINE:COL: warning: ..."); null means std::cerr.
  std::ostream* warnings = nullptr;
  /// qemu-tlb only (`--with-mem`): the text of a QEMU `info mem` of the same moment. Its
  /// rights are combined across levels, so it fills in user/writable where `info tlb` (leaf
  /// bits only) cannot tell them. Must outlive the read call.
  std::optional<std::string_view> with_mem;
  std::string with_mem_source;  ///< the name of that file, for diagnostics
};

/// A text dump format. `sniff` is cheap (it looks at the first lines only) and returns the
/// confidence 0..100 that the content is in this format; `read` parses the whole content.
/// `source` names the input in diagnostics and in MappingSet::source.
struct TextFormat {
  std::string_view name;         ///< the --format value, e.g. "ptdump"
  std::string_view description;  ///< one line for --list-formats
  int (*sniff)(std::string_view content);
  Expected<MappingSet> (*read)(std::string_view content, const std::string& source, const TextReadOptions&);
};

/// Every text format, in the order auto-detection prefers on a tie.
std::span<const TextFormat> text_formats();

/// The format called `name`, or null.
const TextFormat* find_text_format(std::string_view name);

/// The confidence below which auto-detection refuses to guess.
inline constexpr int kMinSniffConfidence = 30;

/// A text dump read: its mapping set and the format it was read as.
struct TextDump {
  MappingSet mappings;
  std::string format;  ///< the registry name of the reader used (what "auto" chose)
};

/// Reads `content` as `format` ("auto" or a format name). With "auto" the format with the
/// highest sniff confidence is read. Errors: an unknown format name lists the known ones; empty
/// content with "auto" asks for a format (it could be any); undetectable content names the
/// closest format; a failed read whose content looks more like another format says which
/// ("... this looks like QEMU info tlb (--format qemu-tlb)"); a reader's set that breaks the
/// MappingSet invariant is an internal error (check_reader_output).
Expected<TextDump> read_text_dump(std::string_view content, const std::string& source, std::string_view format,
                                  const TextReadOptions& options);

/// The one check of what a reader returned: a set breaking MappingSet::validate() is ptverify's
/// fault, not the input's, so the error is internal (Error::internal, exit 4) and names the
/// reader and the file. Empty when the set holds its invariant.
[[nodiscard]] std::optional<Error> check_reader_output(const MappingSet& set, std::string_view reader,
                                                       const std::string& source);

}  // namespace ptv
