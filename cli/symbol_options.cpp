#include "cli/symbol_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <utility>

#include "models/format.h"
#include "verifier/base/compressed.h"
#include "verifier/ingest/kallsyms_decode.h"
#include "verifier/spec/from_kernel.h"

namespace ptv::cli {

void add_symbol_options(CLI::App& app, SymbolOptions& o, bool pins) {
  app.add_option("--kallsyms", o.kallsyms,
                 "A saved /proc/kallsyms of the same boot (read as root): names each finding's symbol, section and "
                 "area, and pins the spec parameters it gives (_stext, _end)")
      ->check(CLI::ExistingFile);
  app.add_option("--system-map", o.system_map,
                 "The kernel's System.map: as --kallsyms, moved by --kaslr-offset or the dump's VMCOREINFO "
                 "KERNELOFFSET")
      ->check(CLI::ExistingFile)
      ->excludes(app.get_option("--kallsyms"));
  app.add_option("--kaslr-offset", o.kaslr_offset,
                 "The KASLR offset of the kernel image for --system-map (0 for nokaslr; default: the dump's "
                 "KERNELOFFSET)");
  if (pins) app.add_flag("--no-pin", o.no_pin, "Infer every spec parameter, even those the kernel's symbols give");
}

std::optional<std::uint64_t> KernelSymbols::address(std::string_view symbol) const {
  if (names)
    if (auto a = names->by_name(symbol)) return a;
  if (vmcoreinfo) return vmcoreinfo->by_name(symbol);
  return std::nullopt;
}

std::string KernelSymbols::source_of(std::string_view symbol) const {
  if (names && names->by_name(symbol)) return names->source;
  if (vmcoreinfo && vmcoreinfo->by_name(symbol)) return vmcoreinfo->source;
  return "";
}

Expected<KernelSymbols> load_kernel_symbols(const SymbolOptions& o, const std::optional<Vmcoreinfo>& vmcoreinfo) {
  KernelSymbols k;
  if (vmcoreinfo) {
    k.vmcoreinfo = vmcoreinfo_symbols(*vmcoreinfo, "the dump's VMCOREINFO");
    k.is_linux = true;
  }
  if (!o.kaslr_offset.empty() && o.system_map.empty()) return Error{"--kaslr-offset applies to --system-map only"};
  if (!o.kallsyms.empty()) {
    auto text = read_whole_file(o.kallsyms);
    if (!text) return text.error();
    auto t = parse_kallsyms(*text, o.kallsyms);
    if (!t) return t.error();
    k.names = std::move(*t);
  } else if (!o.system_map.empty()) {
    std::uint64_t offset = 0;
    if (!o.kaslr_offset.empty()) {
      auto v = parse_address(o.kaslr_offset, AddressKind::kVirtual);
      if (!v) return Error{"--kaslr-offset " + o.kaslr_offset + ": " + v.error().message};
      offset = *v;
    } else if (vmcoreinfo && vmcoreinfo->kernel_offset) {
      offset = *vmcoreinfo->kernel_offset;
    } else {
      return Error{o.system_map +
                   ": System.map holds link-time addresses, and this dump has no VMCOREINFO KERNELOFFSET: give "
                   "--kaslr-offset (0 for a kernel booted with nokaslr; the offset is _stext in /proc/kallsyms "
                   "minus _stext in System.map)"};
    }
    auto text = read_whole_file(o.system_map);
    if (!text) return text.error();
    auto t = parse_system_map(*text, o.system_map, offset);
    if (!t) return t.error();
    k.names = std::move(*t);
  }
  if (k.names) {
    k.is_linux = true;
    // Symbols of another boot would name the wrong code and pin wrong bases.
    if (k.vmcoreinfo)
      if (auto a = k.names->by_name("_stext"), b = k.vmcoreinfo->by_name("_stext"); a && b && *a != *b)
        return Error{(o.kallsyms.empty() ? o.system_map : o.kallsyms) + ": _stext is " + hex16(*a) +
                     ", but the dump's VMCOREINFO says " + hex16(*b) +
                     ": the symbols are not from the boot this dump was taken in" +
                     (o.kallsyms.empty() ? " (or --kaslr-offset is wrong)" : "")};
    k.notes.push_back("symbols: " + k.names->source);
  }
  return k;
}

namespace {

/// Up to one page of kernel virtual memory at va, through the dump's top-level table.
Expected<std::vector<unsigned char>> read_kernel(const RawDump& dump, std::uint64_t va, std::size_t len) {
  const WalkResult w = walk(dump.machine.state, dump.memory->reader(), VirtAddr(va), dump.machine.root);
  if (!w.translation) return Error{hex16(va) + " is not mapped in the walked table"};
  const auto bytes = dump.memory->read(w.translation->pa, len);
  if (!bytes)
    return Error{"the dump does not hold " + hex16(va) + " (P" + hex16(w.translation->pa.value()) +
                 "; a sliced core keeps only page tables)"};
  return std::vector<unsigned char>(bytes->begin(), bytes->end());
}

}  // namespace

void attach_memory(KernelSymbols& symbols, const RawDump& dump) {
  // No symbol file: the kernel's own table, when VMCOREINFO says where it is and the dump holds it.
  if (!symbols.names && dump.vmcoreinfo) {
    const ReadKernelPage read = [&dump](std::uint64_t va, std::size_t len) { return read_kernel(dump, va, len); };
    auto table = decode_kallsyms(*dump.vmcoreinfo, read, dump.memory->name());
    if (!table) {
      symbols.notes.push_back("no names for addresses: " + table.error().message);
    } else if (*table) {
      symbols.names = std::move(**table);
      symbols.is_linux = true;
      symbols.notes.push_back("symbols: " + symbols.names->source);
    }
  }
  if (dump.direct_map_base)
    symbols.variables["page_offset_base"] = {*dump.direct_map_base, "the direct map's base, p_vaddr - p_paddr of " +
                                                                        dump.memory->name() + "'s RAM segments"};
  symbols.value_at = [&dump](std::uint64_t va) -> Expected<std::uint64_t> {
    const auto bytes = read_kernel(dump, va, 8);
    if (!bytes) return bytes.error();
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{(*bytes)[i]} << (8 * i);
    return v;
  };
}

std::vector<std::string> pin_from_kernel(const spec::Spec& spec, const KernelSymbols& symbols,
                                         check::CheckOptions& options) {
  std::vector<std::string> notes;
  if (symbols.no_symbols() && symbols.variables.empty()) return notes;
  for (const spec::Parameter& p : spec.parameters) {
    if (p.from_kernel.empty() || options.fixed_parameters.contains(p.name)) continue;
    const std::optional<std::string_view> variable = spec::from_kernel_variable(p.from_kernel);
    const KernelSymbols::KnownValue* known = nullptr;
    if (variable)
      if (auto it = symbols.variables.find(*variable); it != symbols.variables.end()) known = &it->second;
    std::vector<std::string> used;
    const spec::ValueAt no_memory = [](std::uint64_t) -> Expected<std::uint64_t> {
      return Error{"the dump holds no memory to read it from"};
    };
    auto value = spec::eval_from_kernel(
        p.from_kernel,
        [&](std::string_view name) {
          used.emplace_back(name);
          return symbols.address(name);
        },
        symbols.value_at ? symbols.value_at : no_memory);
    if (!value && known) {
      options.fixed_parameters[p.name] = known->value;
      options.parameter_origins[p.name] = known->origin;
      continue;
    }
    if (!value) {
      notes.push_back("parameter " + p.name + " is inferred: the kernel's symbols do not give it (" +
                      value.error().message + ")");
      continue;
    }
    if (known && known->value != *value)
      notes.push_back("parameter " + p.name + ": the value read from the kernel's variable, " + hex16(*value) +
                      ", differs from " + known->origin + ", " + hex16(known->value) + "; the variable's is used");
    // "_end and _stext in kallsyms (k.txt, ...)": the names grouped by the table that gave them.
    std::vector<std::pair<std::string, std::string>> by_source;  // source -> names
    for (const std::string& u : used) {
      const std::string src = symbols.source_of(u);
      auto it = std::find_if(by_source.begin(), by_source.end(), [&](const auto& g) { return g.first == src; });
      if (it == by_source.end())
        by_source.emplace_back(src, u);
      else if (it->second.find(u) == std::string::npos)
        it->second += " and " + u;
    }
    std::string origin;
    for (const auto& [src, names] : by_source) origin += (origin.empty() ? "" : "; ") + names + " in " + src;
    if (variable)
      origin =
          "the variable " + used.front() + " read from the dump, at its address in " + symbols.source_of(used.front());
    else if (p.from_kernel.find_first_not_of("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
             std::string::npos)
      origin = p.from_kernel + " with " + origin;
    options.fixed_parameters[p.name] = *value;
    options.parameter_origins[p.name] = origin;
  }
  return notes;
}

Expected<KernelSymbols> symbols_for_dump(const SymbolOptions& o, const LoadedDump& loaded, const spec::Spec* spec,
                                         check::CheckOptions& options) {
  auto symbols = load_kernel_symbols(o, loaded.raw ? loaded.raw->vmcoreinfo : std::nullopt);
  if (!symbols) return symbols;
  if (loaded.raw) attach_memory(*symbols, *loaded.raw);
  if (spec && !o.no_pin) {
    const std::vector<std::string> pin_notes = pin_from_kernel(*spec, *symbols, options);
    symbols->notes.insert(symbols->notes.end(), pin_notes.begin(), pin_notes.end());
  }
  return symbols;
}

}  // namespace ptv::cli
