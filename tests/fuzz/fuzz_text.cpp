#include "fuzz_text.h"

#include <sstream>
#include <string>

#include "fuzz_check.h"
#include "verifier/ingest/text_format.h"

namespace ptv::fuzz {

void fuzz_text_format(std::string_view content, std::string_view format, std::optional<std::string_view> with_mem) {
  const std::string source(kTextSource);
  for (bool lenient : {false, true}) {
    std::ostringstream warnings;
    TextReadOptions options;
    options.lenient = lenient;
    options.warnings = &warnings;
    options.with_mem = with_mem;
    options.with_mem_source = std::string(kWithMemSource);
    const Expected<TextDump> m = read_text_dump(content, source, format, options);
    check_warnings(warnings.str(), with_mem ? std::string_view{} : std::string_view{source});
    if (!m.ok()) {
      if (with_mem && m.error().message.starts_with(kWithMemSource)) continue;
      require(!m.error().internal, "no reader breaks the mapping-set invariant", m.error().message);
      check_error(m.error(), source);
      continue;
    }
    const std::string& chosen = m->format;
    require(find_text_format(chosen) != nullptr, "the chosen format is in the registry", chosen);
    if (format != "auto") require(chosen == format, "an explicit format is the one read", chosen);
    // A JSON mapping set carries its own "source".
    check_mapping_set(m->mappings, chosen == "json" ? std::string_view{} : std::string_view{source});
  }
}

}  // namespace ptv::fuzz
