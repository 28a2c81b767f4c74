#include "verifier/ingest/load_dump.h"

#include <algorithm>
#include <iostream>

#include "models/rights.h"
#include "verifier/base/compressed.h"
#include "verifier/base/memory_hint.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/kdump_file.h"
#include "verifier/ingest/kernel_core.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/ingest/sniff.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/mapping/merge.h"
#include "verifier/mapping/table_frames.h"

namespace ptv {

namespace {

Tri fact_bit(const std::vector<Fact>& facts, FactId id) {
  const Fact* f = find_fact(facts, id);
  if (!f || !fact_known(*f)) return Tri::kUnknown;
  return tri(f->value == "1");
}

/// What a text format cannot see, beyond its own notes.
void text_facts(MappingSet& m, const DumpOptions& opts, const std::string& format) {
  set_fact(m.facts, opts.assume_no_reserved ? Fact{FactId::kReservedBits, FactSource::kFlag,
                                                   "no entry sets a reserved bit", "--assume-no-reserved"}
                                            : Fact{FactId::kReservedBits, FactSource::kBlind,
                                                   "unknown: a " + format +
                                                       " dump cannot show reserved bits, so any listed "
                                                       "translation may fault",
                                                   "pass --assume-no-reserved to confirm none is set"});
  std::string upper;
  if (format == "qemu-tlb" && opts.with_mem.empty())
    upper = "info tlb shows the leaf's U/W only: user and writable are unknown where the leaf sets them";
  else if (format == "qemu-tlb" || format == "qemu-mem")
    upper = "info mem shows no execute right; info tlb only the leaf's XD";
  else if (format == "ptdump")
    upper = "ptdump shows the leaf's flags: rights an upper level withholds are unknown where the leaf grants them";
  else if (format == "proc-maps")
    upper =
        "/proc/PID/maps gives each VMA's protection, not the page tables' state: a listed page may not be "
        "populated yet (demand paging)";
  if (!upper.empty()) set_fact(m.facts, Fact{FactId::kUpperLevels, FactSource::kBlind, upper, format});
}

/// A text format's runs hold the entry bits it shows (R/W and U/S at every level as far as it
/// can tell, XD): the effective rights follow from them and the CPU facts, one definition for
/// every format (models/rights.h).
void derive_text_rights(MappingSet& m, bool assume_no_reserved, bool demand_paged) {
  const RightsContext cpu{fact_bit(m.facts, FactId::kWp), fact_bit(m.facts, FactId::kSmep)};
  for (Run& r : m.runs) {
    const TriRights t = effective_rights(r.writable, r.user, r.executable, cpu);
    r.writable = t.writable;
    r.user_writable = t.user_writable;
    r.supervisor_executable = t.supervisor_executable;
    r.valid = assume_no_reserved && !demand_paged ? Tri::kYes : Tri::kUnknown;
  }
  coalesce(m.runs);
}

struct Walked {
  MappingSet set;
  AddressSpace space;
};

Expected<Walked> walk_to_set(const PagingState& state, const PhysMemory& memory, PhysAddr root,
                             const std::string& format, const std::string& source, bool mark) {
  auto space = enumerate_address_space(state, memory.reader(), root, hinted_enumerate_limits());
  if (!space) return Error{source + ": " + space.error().message};
  Walked w{to_mapping_set(*space, state, format, source, root), std::move(space).value()};
  if (mark) mark_table_frames(w.set, w.space, state, memory.reader(), root);
  return w;
}

/// The walk-relevant facts that are assumed, with the field of the strict state that differs.
struct AssumedWalkFact {
  FactId id;
  void (*flip)(PagingState& to, const PagingState& from);
};
constexpr AssumedWalkFact kWalkFacts[] = {
    {FactId::kWp, [](PagingState& t, const PagingState& f) { t.cr0_wp = f.cr0_wp; }},
    {FactId::kSmep, [](PagingState& t, const PagingState& f) { t.cr4_smep = f.cr4_smep; }},
    {FactId::kPge, [](PagingState& t, const PagingState& f) { t.cr4_pge = f.cr4_pge; }},
    {FactId::kNxe, [](PagingState& t, const PagingState& f) { t.efer_nxe = f.efer_nxe; }},
    {FactId::kMaxPhyAddr, [](PagingState& t, const PagingState& f) { t.maxphyaddr = f.maxphyaddr; }},
    {FactId::kPage1G, [](PagingState& t, const PagingState& f) { t.page_1gb = f.page_1gb; }},
};

}  // namespace

namespace {

/// Settles the machine of raw memory and keeps the reader's notes before the machine's.
Expected<RawDump> settle(std::unique_ptr<PhysMemory> memory, const MachineOptions& opts,
                         const std::optional<CoreRegisters>& note, const std::vector<CoreRegisters>& qemu_cpus,
                         std::vector<std::string> notes, const std::optional<Vmcoreinfo>& vmcoreinfo = std::nullopt) {
  RawDump dump;
  dump.memory = std::move(memory);
  dump.vmcoreinfo = vmcoreinfo;
  Expected<Machine> m = settle_raw_machine(opts, *dump.memory, note, qemu_cpus, vmcoreinfo);
  if (!m) return m.error();
  dump.machine = std::move(m).value();
  dump.machine.notes.insert(dump.machine.notes.begin(), notes.begin(), notes.end());
  return dump;
}

/// A crash dump (kdump-compressed, flattened, or any format libkdumpfile reads), under the
/// machine `opts` describes: no registers come with it, VMCOREINFO names the kernel's table.
Expected<RawDump> open_kdump_memory(MappedFile file, const MachineOptions& opts) {
  Expected<std::unique_ptr<KdumpFile>> kd = KdumpFile::open(std::move(file));
  if (!kd) return kd.error();
  const KdumpFile& k = **kd;
  std::vector<std::string> notes;
  notes.push_back(k.name() + ": a crash dump read through libkdumpfile, format " + k.format() +
                  (k.reassembled() ? ", reassembled from makedumpfile's flattened format" : "") +
                  "; it carries no control registers (CR0, CR4, EFER)");
  if (k.held_pages() < k.page_frames())
    notes.push_back(k.name() + ": the file holds " + std::to_string(k.held_pages()) + " of the " +
                    std::to_string(k.page_frames()) +
                    " page frames it describes (the rest is not RAM, or was filtered out by makedumpfile -d): a page "
                    "table outside them is outside the dumped memory, and what it would map is unknown, never \"not "
                    "mapped\"");
  Expected<Machine> m = settle_raw_machine(opts, k, std::nullopt, {}, k.vmcoreinfo());
  if (!m) return m.error();
  RawDump dump;
  dump.machine = std::move(m).value();
  dump.machine.notes.insert(dump.machine.notes.begin(), notes.begin(), notes.end());
  dump.vmcoreinfo = k.vmcoreinfo();
  dump.memory = std::move(kd).value();
  return dump;
}

Expected<RawDump> open_elf_core(MappedFile file, const MachineOptions& opts) {
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::from_file(std::move(file));
  if (!core) return core.error();
  std::optional<CoreRegisters> note = (*core)->registers();
  std::vector<CoreRegisters> qemu_cpus = (*core)->qemu_cpus();
  std::vector<std::string> warnings = (*core)->warnings();
  std::optional<Vmcoreinfo> vmcoreinfo = (*core)->vmcoreinfo();
  return settle(std::move(core).value(), opts, note, qemu_cpus, std::move(warnings), vmcoreinfo);
}

Expected<RawDump> open_raw_image(MappedFile file, const MachineOptions& opts) {
  Expected<std::unique_ptr<RawImage>> raw = RawImage::from_file(std::move(file));
  if (!raw) return raw.error();
  return settle(std::move(raw).value(), opts, std::nullopt, {}, {});
}

/// /proc/kcore: kernel_core.h says what the core itself gives (VMCOREINFO, notes); settling the
/// machine takes the kernel's top-level table from VMCOREINFO unless CR3 is given.
Expected<RawDump> open_kernel_core(std::unique_ptr<KernelCore> core, const MachineOptions& opts) {
  Expected<KernelCoreMachine> k = kernel_core_machine(*core, opts);
  if (!k) return k.error();
  const std::optional<std::uint64_t> base = core->direct_map_base();
  Expected<RawDump> dump = settle(std::move(core), opts, std::nullopt, {}, std::move(k->notes), k->vmcoreinfo);
  if (dump) dump->direct_map_base = base;
  return dump;
}

/// What --format says of raw memory.
enum class RawFormat : std::uint8_t { kAuto, kElfCore, kKdump, kRaw };

/// Raw memory as `format` says; with kAuto, what the content is (sniff.h) decides, and a file
/// nothing recognises is raw memory only when it plainly is one (plainly_raw_memory).
Expected<RawDump> open_raw_memory(MappedFile file, const MachineOptions& opts, RawFormat format) {
  if (format == RawFormat::kRaw) return open_raw_image(std::move(file), opts);
  if (format == RawFormat::kKdump) return open_kdump_memory(std::move(file), opts);
  const SniffResult s = sniff_dump(file.bytes(), file.size());
  if (format == RawFormat::kElfCore && s.kind != DumpKind::kKernelCore) return open_elf_core(std::move(file), opts);
  switch (s.kind) {
    case DumpKind::kElfCore:
      return open_elf_core(std::move(file), opts);
    case DumpKind::kKernelCore: {
      Expected<std::unique_ptr<KernelCore>> core = KernelCore::from_file(std::move(file));
      if (!core) return core.error();
      return open_kernel_core(std::move(core).value(), opts);
    }
    case DumpKind::kOther: {
      const std::string name = file.name();
      const std::uint64_t size = file.size();
      const Error not_plainly{name +
                              ": not a format ptverify recognises, and not plainly a raw memory image (whole 4 KiB "
                              "pages holding the top-level table at CR3): give --format raw to read it as one"};
      // Not whole pages: refused before anything is read. A root outside the file: settling
      // the machine says so, naming CR3 and the memory held.
      if (size % kTableBytes != 0) return not_plainly;
      Expected<RawDump> dump = open_raw_image(std::move(file), opts);
      if (dump && !plainly_raw_memory(size, dump->machine.registers.cr3)) return not_plainly;
      return dump;
    }
    case DumpKind::kKdumpCompressed:
    case DumpKind::kKdumpFlattened:
      return open_kdump_memory(std::move(file), opts);
    case DumpKind::kElfPagingCore:
    case DumpKind::kElfNotCore:
    case DumpKind::kElfOtherCore:
    case DumpKind::kLime:
    case DumpKind::kWindowsCrashDump:
    case DumpKind::kWindowsHibernation:
    case DumpKind::kLinuxHibernation:
    case DumpKind::kLinuxSwap:
    case DumpKind::kQemuMigration:
    case DumpKind::kCompressed:
      break;
  }
  return Error{file.name() + ": " + sniff_message(s)};
}

/// The raw-memory choice of a --format value.
Expected<RawFormat> raw_format(const std::string& format) {
  if (format == "auto") return RawFormat::kAuto;
  if (format == "elf-core") return RawFormat::kElfCore;
  if (format == "kdump") return RawFormat::kKdump;
  if (format == "raw") return RawFormat::kRaw;
  return Error{"unknown raw-memory format '" + format + "' (known: auto, elf-core, kdump, raw)"};
}

}  // namespace

Expected<RawDump> open_raw_dump(MappedFile file, const DumpOptions& opts) {
  Expected<RawFormat> format = raw_format(opts.format);
  if (!format) return format.error();
  return open_raw_memory(std::move(file), opts.machine, *format);
}

Expected<RawDump> open_raw_dump(const DumpOptions& opts) {
  Expected<RawFormat> format = raw_format(opts.format);
  if (!format) return format.error();
  // /proc/kcore cannot be mapped: a kernel core is read with pread where it lies.
  if (*format != RawFormat::kRaw && is_kernel_core_file(opts.path)) {
    Expected<std::unique_ptr<KernelCore>> core = KernelCore::open(opts.path);
    if (!core) return core.error();
    return open_kernel_core(std::move(core).value(), opts.machine);
  }
  Expected<MappedFile> file = open_mapped_maybe_compressed(opts.path);
  if (!file) return file.error();
  return open_raw_memory(std::move(file).value(), opts.machine, *format);
}

Expected<LoadedDump> map_raw_dump(RawDump dump, const std::string& format, const std::string& source, bool mark,
                                  const std::function<void(const std::string&)>& progress) {
  const Machine& machine = dump.machine;
  if (progress) progress("ptverify: walking the page tables of " + source);
  Expected<Walked> a = walk_to_set(machine.state, *dump.memory, machine.root, format, source, mark);
  if (!a) return a.error();
  LoadedDump out;
  out.mappings = std::move(a->set);
  out.mappings.facts = machine.facts;
  for (const std::string& n : machine.notes) out.mappings.notes.push_back(n);

  if (machine.strict) {
    std::vector<FactId> assumed;
    for (const AssumedWalkFact& f : kWalkFacts)
      if (!fact_known(*find_fact(machine.facts, f.id))) assumed.push_back(f.id);
    std::string names;
    for (FactId id : assumed) names += (names.empty() ? "" : ", ") + std::string(fact_name(id));
    Expected<Walked> b = walk_to_set(*machine.strict, *dump.memory, machine.root, format, source, mark);
    if (!b) return b.error();
    MergeSummary s;
    MappingSet merged = merge_alternatives(out.mappings, b->set,
                                           "depends on processor facts the dump does not give (" + names + ")", &s);
    // Which assumed facts change this dump: with one, the two walks tell; with several, each is
    // walked alone at its other value.
    std::vector<FactId> matter;
    for (const AssumedWalkFact& f : kWalkFacts) {
      if (std::find(assumed.begin(), assumed.end(), f.id) == assumed.end()) continue;
      bool differs = !s.same();
      if (differs && assumed.size() > 1) {
        PagingState one = machine.state;
        f.flip(one, *machine.strict);
        Expected<Walked> w = walk_to_set(one, *dump.memory, machine.root, format, source, mark);
        if (!w) return w.error();
        MergeSummary alone;
        (void)merge_alternatives(out.mappings, w->set, "", &alone);
        differs = !alone.same();
      }
      for (Fact& fact : merged.facts)
        if (fact.id == f.id) fact.matters = differs;
      if (differs) matter.push_back(f.id);
    }
    if (!s.same()) {
      out.assumptions_matter = true;
      std::string what;
      for (FactId id : matter)
        what += (what.empty() ? "" : ", ") + std::string(fact_name(id)) + " (" + std::string(fact_flag_hint(id)) + ")";
      merged.notes.push_back(
          "walked under both values of " + names + " (not in the dump): " +
          std::to_string(s.differing_ranges + s.differing_rights) + " range(s) differ and are unknown; " +
          (matter.empty() ? std::string("no single fact changes them alone") : "what changes them: " + what));
    }
    out.mappings = std::move(merged);
  }
  out.space = std::make_shared<const AddressSpace>(std::move(a->space));
  out.raw = std::move(dump);
  return out;
}

Expected<LoadedDump> load_dump(const DumpOptions& opts) {
  const std::string& path = opts.path;
  auto walk = [&](Expected<RawDump> dump, const char* format, std::string why) -> Expected<LoadedDump> {
    if (!dump) return dump.error();
    Expected<LoadedDump> out =
        map_raw_dump(std::move(dump).value(), format, path, opts.mark_table_frames, opts.progress);
    if (out) out->format_chosen = std::move(why);
    return out;
  };
  if (opts.progress) opts.progress("ptverify: opening " + path + " (decompressing if needed)");
  // /proc/kcore cannot be mapped (it reports the size of the address space): a kernel core is
  // read with pread where it lies.
  if ((opts.format == "auto" || opts.format == "elf-core") && is_kernel_core_file(path)) {
    Expected<std::unique_ptr<KernelCore>> core = KernelCore::open(path);
    if (!core) return core.error();
    return walk(open_kernel_core(std::move(core).value(), opts.machine), "kcore",
                "format kcore (the kernel's ELF view of its memory: physical addresses from p_paddr)");
  }
  auto file = open_mapped_maybe_compressed(path);
  if (!file) return file.error();
  if (opts.format == "elf-core")
    return walk(open_raw_memory(std::move(file).value(), opts.machine, RawFormat::kElfCore), "elf-core", "");
  if (opts.format == "raw")
    return walk(open_raw_memory(std::move(file).value(), opts.machine, RawFormat::kRaw), "raw", "");
  auto kdump = [&](MappedFile f, std::string why) -> Expected<LoadedDump> {
    if (opts.progress) opts.progress("ptverify: opening " + path + " with libkdumpfile");
    Expected<RawDump> dump = open_kdump_memory(std::move(f), opts.machine);
    if (!dump) return dump.error();
    const auto* k = dynamic_cast<const KdumpFile*>(dump->memory.get());
    Expected<LoadedDump> out =
        map_raw_dump(std::move(dump).value(), "kdump", path, opts.mark_table_frames, opts.progress);
    if (!out) return out;
    // Pages the page map lists but libkdumpfile could not give are known only after the walk.
    for (const std::string& e : k->read_failures()) out->mappings.notes.push_back(e + " (read as outside the dump)");
    out->format_chosen = std::move(why);
    return out;
  };
  if (opts.format == "kdump") return kdump(std::move(file).value(), "");

  // What the content is decides (sniff.h): a core, a kernel core, a file ptverify names and does
  // not read, or else text that a text reader recognises, or else raw memory when CR3 is given.
  const ByteView bytes = file->bytes();
  const std::string_view content(reinterpret_cast<const char*>(bytes.span().data()), bytes.span().size());
  if (opts.format == "auto") {
    const SniffResult s = sniff_dump(bytes, bytes.size());
    switch (s.kind) {
      case DumpKind::kElfCore:
        return walk(open_raw_memory(std::move(file).value(), opts.machine, RawFormat::kElfCore), "elf-core",
                    "format elf-core (ELF magic)");
      case DumpKind::kKernelCore:
        return walk(open_raw_memory(std::move(file).value(), opts.machine, RawFormat::kAuto), "kcore",
                    "format kcore (the kernel's ELF view of its memory: physical addresses from p_paddr)");
      case DumpKind::kOther: {
        int best = 0;
        const std::string_view head = content.substr(0, 1 << 20);
        for (const TextFormat& f : text_formats()) best = std::max(best, f.sniff(head));
        if (best < kMinSniffConfidence && (opts.machine.cr3 || !opts.machine.registers_file.empty()))
          return walk(open_raw_memory(std::move(file).value(), opts.machine, RawFormat::kAuto), "raw",
                      "format raw (not ELF, not a known text format; a multiple of 4 KiB holding CR3's table)");
        break;
      }
      case DumpKind::kKdumpCompressed:
        return kdump(std::move(file).value(), "format kdump (" + s.detail + ")");
      case DumpKind::kKdumpFlattened:
        return kdump(std::move(file).value(), "format kdump (makedumpfile's flattened format, reassembled)");
      case DumpKind::kElfPagingCore:
      case DumpKind::kElfNotCore:
      case DumpKind::kElfOtherCore:
      case DumpKind::kLime:
      case DumpKind::kWindowsCrashDump:
      case DumpKind::kWindowsHibernation:
      case DumpKind::kLinuxHibernation:
      case DumpKind::kLinuxSwap:
      case DumpKind::kQemuMigration:
      case DumpKind::kCompressed:
        return Error{file->name() + ": " + sniff_message(s)};
    }
  }
  Expected<Machine> machine = settle_text_machine(opts.machine);
  if (!machine) return machine.error();
  TextReadOptions topts;
  topts.lenient = opts.lenient;
  if (opts.machine.la57) topts.mode = *opts.machine.la57 ? PagingMode::k5Level : PagingMode::k4Level;
  topts.warnings = opts.warnings;
  std::string mem_text;
  if (!opts.with_mem.empty()) {
    auto m = read_whole_file(opts.with_mem);
    if (!m) return m.error();
    mem_text = std::move(m).value();
    topts.with_mem = mem_text;
    topts.with_mem_source = opts.with_mem;
  }
  auto m = read_text_dump(content, path, opts.format, topts);
  if (!m) return m.error();
  const std::string chosen = m->format;
  LoadedDump out;
  out.mappings = std::move(m->mappings);
  if (opts.format == "auto") out.format_chosen = "format " + chosen;
  if (chosen != "json") {
    for (const Fact& f : machine->facts) set_fact(out.mappings.facts, f);
    text_facts(out.mappings, opts, out.mappings.format);
    // /proc/PID/maps lists VMAs, whose pages Linux maps on first touch: a listed page may have
    // no translation yet, whatever the user confirms about reserved bits.
    derive_text_rights(out.mappings, opts.assume_no_reserved, chosen == "proc-maps");
  }
  for (const std::string& n : machine->notes) out.mappings.notes.push_back(n);
  return out;
}

}  // namespace ptv
