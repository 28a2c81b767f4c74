// --kallsyms, --system-map and --kaslr-offset: the kernel's names for addresses, for every
// subcommand that reports addresses (check, walk, map), and the spec parameters those names pin.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/checks/check.h"
#include "verifier/checks/places.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/symbols.h"
#include "verifier/ingest/vmcoreinfo.h"
#include "verifier/spec/from_kernel.h"
#include "verifier/spec/spec.h"

namespace CLI {
class App;
}

namespace ptv::cli {

struct SymbolOptions {
  std::string kallsyms;      ///< --kallsyms FILE: a saved /proc/kallsyms
  std::string system_map;    ///< --system-map FILE
  std::string kaslr_offset;  ///< --kaslr-offset N (System.map; else the dump's KERNELOFFSET)
  bool no_pin = false;       ///< --no-pin: infer every parameter even when the symbols give it
};

/// Binds --kallsyms, --system-map, --kaslr-offset, and --no-pin when `pins` (commands that run
/// check).
void add_symbol_options(CLI::App& app, SymbolOptions& o, bool pins);

/// What the kernel's symbols say about one dump.
struct KernelSymbols {
  std::optional<SymbolTable> names;       ///< kallsyms or System.map: names addresses
  std::optional<SymbolTable> vmcoreinfo;  ///< the dump's VMCOREINFO SYMBOL() lines
  bool is_linux = false;                  ///< symbols or VMCOREINFO: the dump is a Linux kernel
  std::vector<std::string> notes;
  /// Reads a kernel variable's value through the dump's page tables (raw dumps; see
  /// attach_memory); null: the dump holds no memory.
  spec::ValueAt value_at;
  /// Kernel variables whose value the dump states without symbols (a kernel core's direct-map
  /// base is page_offset_base): name -> value and where it comes from. Used for a `*NAME`
  /// from_kernel when NAME's address is unknown, and checked against the value read when not.
  struct KnownValue {
    std::uint64_t value = 0;
    std::string origin;
  };
  std::map<std::string, KnownValue, std::less<>> variables;

  /// A symbol's address: from `names`, else from VMCOREINFO.
  [[nodiscard]] std::optional<std::uint64_t> address(std::string_view symbol) const;
  /// Where `symbol`'s address comes from: "kallsyms (k.txt, 140,213 symbols)".
  [[nodiscard]] std::string source_of(std::string_view symbol) const;
  [[nodiscard]] bool no_symbols() const { return !names && !vmcoreinfo; }
  [[nodiscard]] check::PlaceOptions place_options() const {
    return check::PlaceOptions{names ? &*names : nullptr, is_linux};
  }
};

/// Reads the files the options name, with the dump's VMCOREINFO. Errors (exit 2) name the file:
/// a malformed line, System.map without an offset, kallsyms and VMCOREINFO disagreeing on _stext
/// (the symbols are from another boot).
[[nodiscard]] Expected<KernelSymbols> load_kernel_symbols(const SymbolOptions& o,
                                                          const std::optional<Vmcoreinfo>& vmcoreinfo);

/// Lets `symbols` read kernel variables from raw memory: the address walked from the dump's
/// top-level table, then 8 bytes at its physical address; and takes the variables the dump
/// states (RawDump::direct_map_base). Requires: `dump` outlives `symbols`.
void attach_memory(KernelSymbols& symbols, const RawDump& dump);

/// Pins each spec parameter whose "from_kernel" expression the symbols evaluate (unless --param
/// fixed it or --no-pin): adds it to options.fixed_parameters and its origin to
/// options.parameter_origins. Returns notes on the parameters that could not be pinned.
std::vector<std::string> pin_from_kernel(const spec::Spec& spec, const KernelSymbols& symbols,
                                         check::CheckOptions& options);

/// For one loaded dump: load_kernel_symbols with its VMCOREINFO, attach_memory, and, when `spec`
/// is given and --no-pin is not, pin_from_kernel into `options`; the notes of all three are in
/// KernelSymbols::notes. Requires: `loaded` outlives the result.
[[nodiscard]] Expected<KernelSymbols> symbols_for_dump(const SymbolOptions& o, const LoadedDump& loaded,
                                                       const spec::Spec* spec, check::CheckOptions& options);

}  // namespace ptv::cli
