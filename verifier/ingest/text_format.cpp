#include "verifier/ingest/text_format.h"

#include <array>

#include "verifier/ingest/mapping_json.h"
#include "verifier/ingest/proc_maps.h"
#include "verifier/ingest/ptdump.h"
#include "verifier/ingest/qemu_mem.h"
#include "verifier/ingest/qemu_tlb.h"

namespace ptv {

namespace {

// The registry: one line per format. On equal confidence the earlier line wins.
constexpr std::array<TextFormat, 5> kTextFormats{{
    {"ptdump", "Linux ptdump (debugfs page_tables/*, kernel_page_tables, or the dmesg variant)", &sniff_ptdump,
     &read_ptdump},
    {"qemu-tlb", "QEMU monitor `info tlb`: one line per present leaf, leaf bits XGPDACTUW", &sniff_qemu_tlb,
     &read_qemu_tlb},
    {"qemu-mem", "QEMU monitor `info mem`: ranges with user/write rights combined across levels", &sniff_qemu_mem,
     &read_qemu_mem},
    {"proc-maps", "Linux /proc/PID/maps: the VMAs of one process (user half, intent)", &sniff_proc_maps,
     &read_proc_maps},
    {"json", "ptverify JSON mapping set (what `mappings --json FILE` writes)", &sniff_mapping_json, &read_mapping_json},
}};

std::string known_names() {
  std::string out;
  for (const TextFormat& f : kTextFormats) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

struct Best {
  const TextFormat* format = nullptr;
  int confidence = 0;
};

/// The best-sniffing format other than `except` (which may be null).
Best best_sniff(std::string_view content, const TextFormat* except) {
  Best best;
  for (const TextFormat& f : kTextFormats) {
    if (&f == except) continue;
    const int c = f.sniff(content);
    if (c > best.confidence) best = {&f, c};
  }
  return best;
}

}  // namespace

std::span<const TextFormat> text_formats() { return kTextFormats; }

const TextFormat* find_text_format(std::string_view name) {
  for (const TextFormat& f : kTextFormats)
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<Error> check_reader_output(const MappingSet& set, std::string_view reader, const std::string& source) {
  if (auto broken = set.validate())
    return Error{
        source + ": internal error: the " + std::string(reader) + " reader broke the mapping-set invariant: " + *broken,
        true};
  return std::nullopt;
}

Expected<TextDump> read_text_dump(std::string_view content, const std::string& source, std::string_view format,
                                  const TextReadOptions& options) {
  const TextFormat* chosen = nullptr;
  const bool automatic = format == "auto";
  if (automatic) {
    if (content.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return Error{source +
                   ": empty input: nothing to detect the format from; give --format (an empty QEMU info mem, as "
                   "QEMU 7.2 prints under 5-level paging, or an empty ptdump efi file reads as no information)"};
    const Best best = best_sniff(content, nullptr);
    if (best.confidence < kMinSniffConfidence) {
      std::string msg = source + ": cannot detect the format (known: " + known_names() + ")";
      if (best.format)
        msg += "; closest is " + std::string(best.format->name) + " at " + std::to_string(best.confidence) +
               "% confidence";
      return Error{msg + "; give --format"};
    }
    chosen = best.format;
  } else {
    chosen = find_text_format(format);
    if (!chosen) return Error{"unknown format '" + std::string(format) + "' (known: auto, " + known_names() + ")"};
  }
  Expected<MappingSet> result = chosen->read(content, source, options);
  if (result.ok()) {
    if (auto broken = check_reader_output(*result, chosen->name, source)) return *broken;
    return TextDump{std::move(result).value(), std::string(chosen->name)};
  }

  // Say what the content looks like when it is not what was asked for.
  std::string msg = result.error().message;
  const int own = chosen->sniff(content);
  const Best other = best_sniff(content, chosen);
  if (other.format && other.confidence >= kMinSniffConfidence && other.confidence > own) {
    msg += "; this looks like " +
           std::string(other.format->description.substr(0, other.format->description.find(':'))) + " (--format " +
           std::string(other.format->name) + ")";
  } else if (automatic) {
    msg += " (read as " + std::string(chosen->name) + ", detected automatically)";
  }
  return Error{msg};
}

}  // namespace ptv
