// The kernel's names for addresses: a symbol table read from a saved /proc/kallsyms, from a
// System.map (moved by the KASLR offset), from the SYMBOL() lines of a dump's VMCOREINFO, or decoded
// from the kernel's memory (kallsyms_decode.h).
//
//   /proc/kallsyms   ffffffffa5000000 T _text            (read as root: otherwise every address is 0)
//                    ffffffffc0a01000 t e1000_probe	[e1000]   (module symbols end in [module])
//   System.map       ffffffff81000000 T _text            (link-time addresses: no KASLR)
//
// A symbol names the bytes from its address up to the next symbol's; the last symbol of the
// kernel image ends at _end, and an address past the last symbol of a module is named by none.
// The kernel image's sections come from the standard boundary symbols the linker script
// defines (arch/x86/kernel/vmlinux.lds.S): _stext.._etext is .text, __start_rodata..
// __end_rodata .rodata, _sdata.._edata .data, __init_begin..__init_end .init, __bss_start..
// __bss_stop .bss, __brk_base..__brk_limit .brk; the rest of _text.._end is padding between
// them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

struct Symbol {
  std::uint64_t address = 0;
  char type = '?';     ///< nm's type letter: T t D d B b R r A W ...
  std::string name;    ///< "do_syscall_64"
  std::string module;  ///< "e1000" for a module symbol, "" for the kernel image
};

/// What names an address: the symbol at or before it and the section it is in.
struct SymbolHit {
  std::string symbol;   ///< "do_syscall_64+0x1f", "e1000_probe+0x10 [e1000]", "" when none
  std::string section;  ///< ".text", ".rodata", ".data", ".init", ".bss", ".brk", "image padding", ""
};

class SymbolTable {
 public:
  /// Where the table came from, for notes: "kallsyms (/tmp/kallsyms, 140,213 symbols)".
  std::string source;

  /// Builds the table from symbols in any order (absolute symbols, type A/a, are kept for
  /// by_name() but name no address).
  explicit SymbolTable(std::vector<Symbol> symbols, std::string source_text);
  SymbolTable() = default;

  [[nodiscard]] SymbolHit lookup(std::uint64_t address) const;
  /// The address of the first symbol called `name` (the kernel image's before a module's).
  [[nodiscard]] std::optional<std::uint64_t> by_name(std::string_view name) const;
  [[nodiscard]] std::size_t size() const { return symbols_.size(); }
  [[nodiscard]] bool empty() const { return symbols_.empty(); }

 private:
  std::vector<Symbol> symbols_;       ///< sorted by address, then name
  std::vector<std::size_t> located_;  ///< indexes of the symbols that name addresses, by address
  std::vector<std::size_t> by_name_;  ///< indexes sorted by name, then module ("" first)
  struct Section {
    std::uint64_t first = 0, end = 0;  ///< [first, end)
    std::string name;
  };
  std::vector<Section> sections_;
  std::optional<std::uint64_t> image_first_, image_end_;  ///< _text, _end
};

/// Parses a saved /proc/kallsyms ("ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]"). Errors name
/// the file, line and column; a table whose every address is 0 is an error (kallsyms read
/// without privilege hides the addresses).
Expected<SymbolTable> parse_kallsyms(std::string_view text, const std::string& where);

/// Parses a System.map ("ADDR TYPE NAME") and moves every address of the kernel image mapping
/// (at or above __START_KERNEL_map) by `kaslr_offset`: System.map holds link-time addresses.
Expected<SymbolTable> parse_system_map(std::string_view text, const std::string& where, std::uint64_t kaslr_offset);

/// The SYMBOL(name)=ADDR lines of a VMCOREINFO note (run-time addresses, a handful of
/// symbols: _stext, init_top_pgt, ...). Empty when the note has none.
[[nodiscard]] SymbolTable vmcoreinfo_symbols(const Vmcoreinfo& info, const std::string& where);

}  // namespace ptv
