#include "cli/load_dump.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/progress.h"
#include "models/walk.h"
#include "verifier/ingest/compressed.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/from_walk.h"

namespace ptv::cli {

void add_load_options(CLI::App& app, LoadOptions& opts) {
  add_dump_options(app, opts.paging);
  // The raw-dump --format knows only elf-core and raw; loading also takes every text format.
  app.remove_option(app.get_option("--format"));
  std::string names = "auto, elf-core, raw";
  std::vector<std::string> allowed{"auto", "elf-core", "raw"};
  for (const TextFormat& f : text_formats()) {
    names += ", " + std::string(f.name);
    allowed.emplace_back(f.name);
  }
  app.add_option("--format", opts.format, "Dump format: " + names + " (auto decides from the content)")
      ->check(CLI::IsMember(allowed))
      ->default_str("auto");
  app.add_flag("--lenient", opts.lenient, "Text formats: report and skip unknown flag tokens instead of failing");
  app.add_option("--with-mem", opts.with_mem, "With an info tlb dump: the `info mem` of the same moment (completes U/W)")
      ->check(CLI::ExistingFile);
  app.add_flag("--quiet,-q", opts.quiet, "Do not report the chosen format on stderr");
}

namespace {

/// `mapped`: the file when the caller has already mapped it (auto-detection), else it is opened.
Expected<LoadedDump> load_raw(const std::string& path, const LoadOptions& opts, DumpFormat format,
                              std::optional<MappedFile> mapped = std::nullopt) {
  DumpOptions paging = opts.paging;
  paging.format = format;
  Progress progress(opts.quiet);
  progress.update("ptverify: opening " + path + " (decompressing if needed)");
  auto dump = mapped ? open_raw_dump(std::move(*mapped), paging) : open_raw_dump(path, paging);
  if (!dump.ok()) return dump.error();
  progress.update("ptverify: walking the page tables of " + path);
  auto space = enumerate_address_space(dump->state, dump->memory->reader(), dump->root);
  if (!space.ok()) return Error{path + ": " + space.error().message};
  LoadedDump out{to_mapping_set(*space, dump->state, format == DumpFormat::kRaw ? "raw" : "elf-core", path, dump->root),
                 std::move(dump.value()), std::make_shared<const AddressSpace>(std::move(space.value()))};
  if (out.raw->root) out.mappings.notes.push_back("walked the PTI user copy of the top-level table (--user-pgd)");
  return out;
}

}  // namespace

Expected<LoadedDump> load_dump(const std::string& path, const LoadOptions& opts) {
  if (opts.format == "elf-core") return load_raw(path, opts, DumpFormat::kElfCore);
  if (opts.format == "raw") return load_raw(path, opts, DumpFormat::kRaw);

  // Map the (decompressed) file once and look at its content: an ELF is a core; text that a
  // text reader recognises is that format; anything else is a raw image, which needs CR3.
  auto file = open_mapped_maybe_compressed(path);
  if (!file.ok()) return file.error();
  const ByteView bytes = file->bytes();
  const std::string_view content(reinterpret_cast<const char*>(bytes.span().data()), bytes.span().size());
  if (opts.format == "auto") {
    if (has_elf_magic(bytes)) {
      if (!opts.quiet) std::cerr << "ptverify: " << path << ": format elf-core (ELF magic)\n";
      return load_raw(path, opts, DumpFormat::kElfCore, std::move(file).value());
    }
    int best = 0;
    const std::string_view head = content.substr(0, 1 << 20);
    for (const TextFormat& f : text_formats()) best = std::max(best, f.sniff(head));
    if (best < kMinSniffConfidence && (opts.paging.cr3 || !opts.paging.registers_file.empty())) {
      if (!opts.quiet) std::cerr << "ptverify: " << path << ": format raw (not ELF, not a known text format)\n";
      return load_raw(path, opts, DumpFormat::kRaw, std::move(file).value());
    }
  }
  TextReadOptions topts;
  topts.lenient = opts.lenient;
  if (opts.paging.la57) topts.mode = PagingMode::k5Level;
  topts.warnings = &std::cerr;
  std::string mem_text;
  if (!opts.with_mem.empty()) {
    auto m = read_whole_file(opts.with_mem);
    if (!m.ok()) return m.error();
    mem_text = std::move(m.value());
    topts.with_mem = mem_text;
    topts.with_mem_source = opts.with_mem;
  }
  std::string chosen;
  auto m = read_text_dump(content, path, opts.format, topts, &chosen);
  if (!m.ok()) return m.error();
  if (opts.format == "auto" && !opts.quiet) std::cerr << "ptverify: " << path << ": format " << chosen << '\n';
  return LoadedDump{std::move(m.value()), std::nullopt, nullptr};
}

}  // namespace ptv::cli
