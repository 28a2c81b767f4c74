#include "verifier/ingest/machine.h"

#include <algorithm>
#include <bit>

#include "models/entry.h"
#include "models/format.h"
#include "verifier/ingest/registers.h"

namespace ptv {

namespace {

constexpr std::uint64_t kPtiUserCopyOffset = kTableBytes;  // Linux PTI: the user copy is the next page
constexpr unsigned kLeastMaxPhyAddr = 36;                  // the least of any x86_64 processor

/// One register and where it came from.
struct Sourced {
  std::optional<std::uint64_t> value;
  FactSource source = FactSource::kAssumed;
  std::string origin;
};

Sourced pick(const std::optional<std::uint64_t>& flag, const char* flag_name, const std::optional<std::uint64_t>& file,
             const std::string& file_origin, const std::optional<std::uint64_t>& note, const std::string& note_origin) {
  if (flag) return {flag, FactSource::kFlag, flag_name};
  if (file) return {file, FactSource::kDump, file_origin};
  if (note) return {note, FactSource::kDump, note_origin};
  return {};
}

/// A bit of a register as a fact; a flag for that bit alone overrides it.
Fact bit_fact(FactId id, const Sourced& reg, std::uint64_t mask, const std::optional<bool>& flag,
              const char* flag_name) {
  if (flag) return Fact{id, FactSource::kFlag, *flag ? "1" : "0", flag_name};
  if (!reg.value) return Fact{id, FactSource::kAssumed, "unknown", "not in the dump"};
  return Fact{id, reg.source, (*reg.value & mask) ? "1" : "0", reg.origin};
}

/// The registers file's block to use: --cpu N, else the first in kernel mode, else the first.
Expected<const ControlRegisters*> choose_vcpu(const std::vector<ControlRegisters>& cpus, const MachineOptions& o,
                                              std::vector<std::string>& notes) {
  if (o.cpu) {
    for (const ControlRegisters& c : cpus)
      if (c.cpu.value_or(0) == *o.cpu) return &c;
    return Error{o.registers_file + ": --cpu " + std::to_string(*o.cpu) + ": the file has no CPU#" +
                 std::to_string(*o.cpu) + " block (" + std::to_string(cpus.size()) + " vCPU(s))"};
  }
  const ControlRegisters* pick = &cpus.front();
  for (const ControlRegisters& c : cpus)
    if (c.cpl == 0u) {
      pick = &c;
      break;
    }
  if (cpus.size() > 1)
    notes.push_back(o.registers_file + " holds " + std::to_string(cpus.size()) + " vCPUs; using CPU#" +
                    std::to_string(pick->cpu.value_or(0)) +
                    (pick->cpl == 0u ? " (the first in kernel mode, CPL 0)" : " (none is in kernel mode)") +
                    "; pass --cpu N for another");
  return pick;
}

std::string cpl_text(std::optional<unsigned> cpl) {
  if (!cpl) return "CPL unknown";
  return "CPL " + std::to_string(*cpl) + (*cpl == 0 ? " (kernel mode)" : *cpl == 3 ? " (user mode)" : "");
}

/// Linux PTI's pair: is `user` the user copy of `kernel`? Their user halves hold the same entries
/// up to bit 63 (the kernel copy sets XD on them), and the kernel copy maps more of the kernel
/// half than the user copy's trampoline.
bool is_pti_pair(const PhysMemory& memory, PhysAddr kernel, PhysAddr user, PagingMode mode) {
  const std::optional<TableView> k = memory.table(kernel), u = memory.table(user);
  if (!k || !u) return false;
  constexpr unsigned kHalf = kEntriesPerTable / 2;
  (void)mode;  // the top-level table splits the halves at its middle entry in both modes
  unsigned k_kernel = 0, u_kernel = 0;
  for (unsigned i = 0; i < kHalf; ++i)
    if (((*k)[i] & ~bits::kXd) != ((*u)[i] & ~bits::kXd)) return false;
  for (unsigned i = kHalf; i < kEntriesPerTable; ++i) {
    if ((*k)[i] & bits::kP) ++k_kernel;
    if ((*u)[i] & bits::kP) ++u_kernel;
  }
  return k_kernel > u_kernel && u_kernel > 0;
}

}  // namespace

unsigned maxphyaddr_floor(const PhysMemory& memory) {
  std::uint64_t top = 0;
  for (const PhysRange& r : memory.ranges()) top = std::max(top, r.last().value());
  return std::max(kLeastMaxPhyAddr, static_cast<unsigned>(std::bit_width(top)));
}

namespace {

struct Resolved {
  Sourced cr0, cr3, cr4, efer;
  std::optional<unsigned> cpl;
  std::optional<Fact> vcpu;
  bool root_from_vmcoreinfo = false;  // cr3 is init_top_pgt's address from VMCOREINFO
};

/// "SYMBOL(init_top_pgt)=ffffffffa6a10000, NUMBER(phys_base)=-517996544": the lines the
/// kernel root was computed from, as the note has them.
std::string vmcoreinfo_root_origin(const Vmcoreinfo& v, const std::string& dump_name) {
  const auto line = [&](const char* key) {
    const auto it = v.raw.find(key);
    return it == v.raw.end() ? std::string() : std::string(key) + "=" + it->second;
  };
  std::string sym = line("SYMBOL(init_top_pgt)");
  if (sym.empty()) sym = line("SYMBOL(swapper_pg_dir)");
  return dump_name + " VMCOREINFO " + sym + ", " + line("NUMBER(phys_base)");
}

Expected<Resolved> resolve_registers(const MachineOptions& o, const std::optional<CoreRegisters>& note,
                                     const std::vector<CoreRegisters>& qemu_cpus, const std::string& dump_name,
                                     std::vector<std::string>& notes) {
  Resolved r;
  ControlRegisters from_file;
  std::string file_origin;
  if (!o.registers_file.empty()) {
    Expected<std::vector<ControlRegisters>> all = read_info_registers_all(o.registers_file);
    if (!all) return all.error();
    Expected<const ControlRegisters*> chosen = choose_vcpu(*all, o, notes);
    if (!chosen) return chosen.error();
    from_file = **chosen;
    file_origin = o.registers_file + ":" + std::to_string(from_file.line);
    r.cpl = from_file.cpl;
    r.vcpu = Fact{FactId::kVcpu, o.cpu ? FactSource::kFlag : FactSource::kDump,
                  "CPU#" + std::to_string(from_file.cpu.value_or(0)) + ", " + cpl_text(from_file.cpl),
                  o.cpu ? "--cpu" : file_origin};
  }
  // The core's note: the PTVERIFY note, or the QEMU note of the vCPU --cpu names.
  std::optional<CoreRegisters> from_note = note;
  if (from_note && from_note->source == CoreRegisters::Source::kQemuNote && o.cpu && o.registers_file.empty()) {
    if (*o.cpu >= qemu_cpus.size())
      return Error{dump_name + ": --cpu " + std::to_string(*o.cpu) + ": the core has " +
                   std::to_string(qemu_cpus.size()) + " QEMU vCPU note(s)"};
    from_note = qemu_cpus[*o.cpu];
  }
  std::string note_origin;
  if (from_note) {
    note_origin = dump_name + "+" + hex(from_note->desc_offset) + " (" + to_string(from_note->source) + ")";
    if (o.registers_file.empty()) {
      r.cpl = from_note->cpl;
      if (from_note->source == CoreRegisters::Source::kQemuNote && qemu_cpus.size() > 1 && !o.cpu)
        notes.push_back(dump_name + " holds " + std::to_string(qemu_cpus.size()) +
                        " vCPUs; using vCPU 0's registers; pass --cpu N for another");
      r.vcpu = Fact{FactId::kVcpu, o.cpu ? FactSource::kFlag : FactSource::kDump,
                    (from_note->vcpu ? "vCPU " + std::to_string(*from_note->vcpu) + ", " : std::string()) +
                        cpl_text(from_note->cpl),
                    o.cpu ? "--cpu" : note_origin};
    }
  }
  auto nv = [&](std::optional<std::uint64_t> v) { return from_note ? v : std::nullopt; };
  r.cr0 = pick(o.cr0, "--cr0", from_file.cr0, file_origin, nv(from_note ? from_note->cr0 : std::nullopt), note_origin);
  r.cr3 = pick(o.cr3, "--cr3", from_file.cr3, file_origin,
               from_note ? std::optional<std::uint64_t>(from_note->cr3) : std::nullopt, note_origin);
  // A slice of a dump that gave no CR3 carries init_top_pgt's address in its note instead.
  if (!o.cr3 && !from_file.cr3 && from_note && (from_note->flags & ptverify_note::kFlagRootFromVmcoreinfo)) {
    r.root_from_vmcoreinfo = true;
    r.cr3.origin = note_origin + ": init_top_pgt from VMCOREINFO when it was sliced";
  }
  r.cr4 = pick(o.cr4, "--cr4", from_file.cr4, file_origin, nv(from_note ? from_note->cr4 : std::nullopt), note_origin);
  r.efer =
      pick(o.efer, "--efer", from_file.efer, file_origin, nv(from_note ? from_note->efer : std::nullopt), note_origin);
  return r;
}

/// The CPU-bit facts every format shares, from the resolved registers and flags.
void cpu_facts(const Resolved& r, const MachineOptions& o, std::vector<Fact>& facts) {
  set_fact(facts, bit_fact(FactId::kWp, r.cr0, kCr0Wp, o.wp, "--wp/--no-wp"));
  set_fact(facts, bit_fact(FactId::kSmep, r.cr4, kCr4Smep, o.smep, "--smep/--no-smep"));
  set_fact(facts, bit_fact(FactId::kSmap, r.cr4, kCr4Smap, o.smap, "--smap/--no-smap"));
  set_fact(facts, bit_fact(FactId::kPge, r.cr4, kCr4Pge, o.pge, "--pge/--no-pge"));
  if (r.cr4.value)
    set_fact(facts, Fact{FactId::kPke, r.cr4.source,
                         std::string("PKE ") + ((*r.cr4.value & kCr4Pke) ? "1" : "0") + ", PKS " +
                             ((*r.cr4.value & kCr4Pks) ? "1" : "0"),
                         r.cr4.origin});
  else
    set_fact(facts, Fact{FactId::kPke, FactSource::kAssumed, "unknown (protection keys not shown)", "not in the dump"});
  set_fact(facts, bit_fact(FactId::kNxe, r.efer, kEferNxe, o.nxe, "--nxe/--no-nxe"));
}

}  // namespace

Expected<Machine> settle_text_machine(const MachineOptions& o) {
  Machine m;
  std::vector<std::string> notes;
  Expected<Resolved> r = resolve_registers(o, std::nullopt, {}, "", notes);
  if (!r) return r.error();
  cpu_facts(*r, o, m.facts);
  if (r->vcpu) set_fact(m.facts, *r->vcpu);
  m.notes = std::move(notes);
  return m;
}

namespace {

/// The register values walked with: a source's value, else what an x86_64 kernel runs with when
/// a dump says nothing (PE | PG, PAE, LME | LMA), then the single-bit flags.
EffectiveRegisters effective_registers(const Resolved& r, const MachineOptions& o) {
  constexpr std::uint64_t kCr0Pe = 1;
  EffectiveRegisters regs;
  regs.cr0 = r.cr0.value.value_or(kCr0Pg | kCr0Pe);
  regs.cr3 = *r.cr3.value;
  regs.cr4 = r.cr4.value.value_or(kCr4Pae);
  regs.efer = r.efer.value.value_or(kEferLme | kEferLma);
  auto set_bit = [](std::uint64_t& reg, std::uint64_t mask, bool v) { reg = v ? (reg | mask) : (reg & ~mask); };
  if (o.la57) set_bit(regs.cr4, kCr4La57, *o.la57);
  if (o.nxe) set_bit(regs.efer, kEferNxe, *o.nxe);
  if (o.wp) set_bit(regs.cr0, kCr0Wp, *o.wp);
  if (o.smep) set_bit(regs.cr4, kCr4Smep, *o.smep);
  if (o.smap) set_bit(regs.cr4, kCr4Smap, *o.smap);
  if (o.pge) set_bit(regs.cr4, kCr4Pge, *o.pge);
  return regs;
}

/// [SDM 3A §4.1.1] 4- and 5-level paging need CR0.PG, CR4.PAE and EFER.LME (LMA once active).
/// Only a register some source gave is held to it.
std::optional<Error> check_long_mode_paging(const Resolved& r, const EffectiveRegisters& regs,
                                            const std::string& name) {
  if (r.cr0.value && (regs.cr0 & kCr0Pg) == 0)
    return Error{name + ": CR0 = " + hex(regs.cr0) + " (from " + r.cr0.origin +
                 ") has PG clear: paging is off, there is no page table to walk"};
  if (r.cr4.value && (regs.cr4 & kCr4Pae) == 0)
    return Error{name + ": CR4 = " + hex(regs.cr4) + " (from " + r.cr4.origin +
                 ") has PAE clear: 32-bit paging, which ptverify does not model"};
  if (r.efer.value && (regs.efer & kEferLma) == 0)
    return Error{name + ": EFER = " + hex(regs.efer) + " (from " + r.efer.origin +
                 ") has LMA clear: PAE paging outside long mode, which ptverify does not model"};
  return std::nullopt;
}

/// The MAXPHYADDR and 1 GiB-page facts (flag, else --cpuinfo, else the PTVERIFY note); returns
/// the MAXPHYADDR to walk with (the architectural maximum when unknown).
Expected<unsigned> cpu_size_facts(const MachineOptions& o, const std::optional<CoreRegisters>& note,
                                  const std::string& name, unsigned floor, std::vector<Fact>& facts) {
  std::optional<CpuInfo> cpuinfo;
  if (!o.cpuinfo_file.empty()) {
    Expected<CpuInfo> c = read_cpuinfo(o.cpuinfo_file);
    if (!c) return c.error();
    cpuinfo = *c;
  }
  const auto note_origin = [&] { return name + "+" + hex(note->desc_offset) + " (" + to_string(note->source) + ")"; };
  Fact maxphy{FactId::kMaxPhyAddr, FactSource::kAssumed, "unknown (" + std::to_string(floor) + " to 52 bits)",
              "not in the dump"};
  unsigned maxphyaddr = kMaxPhysAddrArchitectural;
  if (o.maxphyaddr) {
    maxphyaddr = *o.maxphyaddr;
    maxphy = {FactId::kMaxPhyAddr, FactSource::kFlag, std::to_string(maxphyaddr) + " bits", "--maxphyaddr"};
  } else if (cpuinfo) {
    maxphyaddr = cpuinfo->maxphyaddr;
    maxphy = {FactId::kMaxPhyAddr, FactSource::kDump, std::to_string(maxphyaddr) + " bits",
              o.cpuinfo_file + ":" + std::to_string(cpuinfo->maxphyaddr_line)};
  } else if (note && note->maxphyaddr) {
    maxphyaddr = *note->maxphyaddr;
    maxphy = {FactId::kMaxPhyAddr, FactSource::kDump, std::to_string(maxphyaddr) + " bits", note_origin()};
  }
  set_fact(facts, maxphy);
  Fact gb{FactId::kPage1G, FactSource::kAssumed, "unknown", "not in the dump"};
  if (o.pdpe1gb) {
    gb = {FactId::kPage1G, FactSource::kFlag, *o.pdpe1gb ? "yes" : "no", "--pdpe1gb/--no-pdpe1gb"};
  } else if (cpuinfo && cpuinfo->pdpe1gb) {
    gb = {FactId::kPage1G, FactSource::kDump, *cpuinfo->pdpe1gb ? "yes" : "no",
          o.cpuinfo_file + ":" + std::to_string(cpuinfo->flags_line)};
  } else if (note && note->pdpe1gb) {
    gb = {FactId::kPage1G, FactSource::kDump, *note->pdpe1gb ? "yes" : "no", note_origin()};
  }
  set_fact(facts, gb);
  return maxphyaddr;
}

/// The paging mode: the walk needs one, so without CR4, a flag or VMCOREINFO it is assumed 4-level.
Fact paging_mode_fact(const MachineOptions& o, const Resolved& r, const EffectiveRegisters& regs,
                      const std::optional<Vmcoreinfo>& vmcoreinfo, const std::string& name) {
  if (o.la57)
    return Fact{FactId::kPagingMode, FactSource::kFlag,
                std::string(to_string(*o.la57 ? PagingMode::k5Level : PagingMode::k4Level)), "--la57/--no-la57"};
  if (r.cr4.value)
    return Fact{FactId::kPagingMode, r.cr4.source,
                std::string(to_string((regs.cr4 & kCr4La57) ? PagingMode::k5Level : PagingMode::k4Level)),
                r.cr4.origin};
  if (vmcoreinfo && vmcoreinfo->l5)
    return Fact{FactId::kPagingMode, FactSource::kDump,
                std::string(to_string(*vmcoreinfo->l5 ? PagingMode::k5Level : PagingMode::k4Level)),
                name + " VMCOREINFO NUMBER(pgtable_l5_enabled)=" + (*vmcoreinfo->l5 ? "1" : "0")};
  return Fact{FactId::kPagingMode, FactSource::kAssumed, "4-level (walked as such)",
              "no CR4 in the dump; pass --la57 or --no-la57"};
}

/// Sets m.state and m.strict. Corner A: assumed facts at the values that fault least
/// (MAXPHYADDR 52, NXE 1, 1 GiB pages) and WP 1, SMEP 1, PGE 1. Corner B: each assumed fact at
/// its other value; m.strict is set only when some walk-relevant fact is assumed.
void settle_corners(Machine& m, unsigned maxphyaddr, unsigned floor) {
  const EffectiveRegisters& regs = m.registers;
  PagingState a = PagingState::from_registers(regs.cr0, regs.cr3, regs.cr4, regs.efer, maxphyaddr);
  a.page_1gb = find_fact(m.facts, FactId::kPage1G)->value != "no";
  PagingState b = a;
  bool differs = false;
  auto corner = [&](FactId id, bool PagingState::*field, bool a_value) {
    if (fact_known(*find_fact(m.facts, id))) return;
    a.*field = a_value;
    b.*field = !a_value;
    differs = true;
  };
  corner(FactId::kWp, &PagingState::cr0_wp, true);
  corner(FactId::kSmep, &PagingState::cr4_smep, true);
  corner(FactId::kPge, &PagingState::cr4_pge, true);
  corner(FactId::kNxe, &PagingState::efer_nxe, true);
  corner(FactId::kPage1G, &PagingState::page_1gb, true);
  if (!fact_known(*find_fact(m.facts, FactId::kMaxPhyAddr))) {
    a.maxphyaddr = kMaxPhysAddrArchitectural;
    b.maxphyaddr = floor;
    differs = differs || floor < kMaxPhysAddrArchitectural;
  }
  m.state = a;
  if (differs) m.strict = b;
}

/// One note per assumed fact that the walk is read under both values of.
void note_assumed_facts(Machine& m, const MachineOptions& o, const std::optional<CoreRegisters>& note) {
  for (const Fact& f : m.facts)
    if (f.source == FactSource::kAssumed && f.id != FactId::kPke && f.id != FactId::kSmap)
      m.notes.push_back(
          std::string(fact_name(f.id)) + " is not in the dump" +
          (f.id == FactId::kNxe && note && note->source == CoreRegisters::Source::kQemuNote && o.registers_file.empty()
               ? " (QEMU's note has no EFER)"
               : "") +
          ": the walk is read under each of its values and what differs is unknown; state it with " +
          std::string(fact_flag_hint(f.id)));
}

/// Linux PTI's two copies around CR3's table, when CR3's table is one of a pair.
struct PtiCopies {
  std::optional<PhysAddr> kernel, user;
};

PtiCopies find_pti_copies(const PhysMemory& memory, PhysAddr cr3_table, PagingMode mode) {
  PtiCopies c;
  if (cr3_table.value() & kPtiUserCopyOffset) {
    const PhysAddr below(cr3_table.value() - kPtiUserCopyOffset);
    if (is_pti_pair(memory, below, cr3_table, mode)) {
      c.kernel = below;
      c.user = cr3_table;
    }
  } else if (const auto above = cr3_table.checked_add(kPtiUserCopyOffset);
             above && is_pti_pair(memory, cr3_table, *above, mode)) {
    c.kernel = cr3_table;
    c.user = *above;
  }
  return c;
}

/// Sets m.root, m.other_copy and the top-table fact: CR3's table, or the other PTI copy.
std::optional<Error> choose_top_table(Machine& m, const PhysMemory& memory, const Resolved& r,
                                      const MachineOptions& o) {
  const std::string& name = memory.name();
  const EffectiveRegisters& regs = m.registers;
  const PhysAddr cr3_table = m.state.root_table();
  if (!memory.table(cr3_table))
    return Error{name + ": CR3 = " + hex(regs.cr3) + " (from " + r.cr3.origin + "): the root table " +
                 hex(cr3_table.value()) + " is outside the dumped memory (held: " + describe_ranges(memory.ranges()) +
                 ")"};
  if (r.root_from_vmcoreinfo) {
    if (!memory.table(cr3_table))
      return Error{name + ": the kernel's top-level table init_top_pgt at " + hex(cr3_table.value()) + " (from " +
                   r.cr3.origin + ") is outside the dumped memory (held: " + describe_ranges(memory.ranges()) + ")"};
    if (o.pti == PtiCopy::kUser)
      return Error{name +
                   ": --pti user: the dump gives no CR3, only the kernel's own table (VMCOREINFO), which "
                   "has no process's user copy; give --cr3 or --registers"};
    const auto copies = find_pti_copies(memory, cr3_table, m.state.mode());
    m.root = cr3_table;
    m.other_copy = copies.kernel == cr3_table ? copies.user : std::nullopt;
    set_fact(m.facts, Fact{FactId::kTopTable, FactSource::kDump,
                           "the kernel's init_top_pgt (swapper_pg_dir) at " + hex(cr3_table.value()) +
                               ", from VMCOREINFO: its user half is the kernel's master table, not a process's",
                           r.cr3.origin});
    m.notes.push_back("no CR3 in the dump or the flags: walking the kernel's own top-level table init_top_pgt at " +
                      hex(cr3_table.value()) + " (from " + r.cr3.origin +
                      "); its kernel half is the one every process shares, its user half is the kernel's master "
                      "table (init_mm), not any process's address space; --cr3 or --registers walks a vCPU's table");
    return std::nullopt;
  }
  const auto [kernel_copy, user_copy] = find_pti_copies(memory, cr3_table, m.state.mode());
  const std::string cr3_text = "CR3 " + hex(regs.cr3) + " from " + r.cr3.origin + ", " + cpl_text(r.cpl);
  const FactSource top_source = o.pti == PtiCopy::kAuto ? FactSource::kDump : FactSource::kFlag;
  if (o.pti == PtiCopy::kUser) {
    PhysAddr u = user_copy.value_or(PhysAddr(cr3_table.value() + kPtiUserCopyOffset));
    if (!user_copy) {
      if (!memory.table(u))
        return Error{name + ": --pti user: the PTI user top-level table " + hex(u.value()) +
                     " (CR3's table + 0x1000) is outside the dumped memory (held: " + describe_ranges(memory.ranges()) +
                     ")"};
      m.notes.push_back("--pti user: " + hex(u.value()) +
                        " does not look like a PTI user copy of CR3's table; walking it anyway");
    }
    m.root = u;
    m.other_copy = kernel_copy.value_or(cr3_table);
    set_fact(m.facts, Fact{FactId::kTopTable, FactSource::kFlag, "PTI user copy at " + hex(u.value()), "--pti user"});
  } else if (kernel_copy && *kernel_copy != cr3_table) {
    m.root = *kernel_copy;
    m.other_copy = user_copy;
    const std::string why = "CR3's table " + hex(cr3_table.value()) +
                            " is Linux PTI's user copy (CR3 bit 12 set; the table below it has the same user half and "
                            "maps more of the kernel half)";
    set_fact(m.facts, Fact{FactId::kTopTable, top_source, "PTI kernel copy at " + hex(kernel_copy->value()),
                           why + "; " + cr3_text});
    m.notes.push_back(why + ": walking the kernel copy " + hex(kernel_copy->value()) +
                      " (--pti user walks the user copy)");
  } else {
    m.root = cr3_table;
    m.other_copy = user_copy;
    set_fact(
        m.facts,
        Fact{FactId::kTopTable, top_source,
             (user_copy ? "PTI kernel copy at " : "CR3's table ") + hex(cr3_table.value()),
             cr3_text + (user_copy ? "; the PTI user copy is at " + hex(user_copy->value()) + " (--pti user)" : "")});
  }
  if (r.vcpu) set_fact(m.facts, *r.vcpu);
  if (r.cpl == 3u && !kernel_copy && o.pti == PtiCopy::kAuto)
    m.notes.push_back(
        "the vCPU was in user mode (CPL 3) and CR3's table is not a recognisable PTI user copy: walking "
        "CR3's table, which is the table user mode runs on");
  return std::nullopt;
}

}  // namespace

Expected<Machine> settle_raw_machine(const MachineOptions& o, const PhysMemory& memory,
                                     const std::optional<CoreRegisters>& note,
                                     const std::vector<CoreRegisters>& qemu_cpus,
                                     const std::optional<Vmcoreinfo>& vmcoreinfo) {
  Machine m;
  const std::string& name = memory.name();
  Expected<Resolved> res = resolve_registers(o, note, qemu_cpus, name, m.notes);
  if (!res) return res.error();
  Resolved& r = *res;
  m.cpl = r.cpl;
  if (!r.cr3.value && vmcoreinfo) {
    if (const std::optional<PhysAddr> root = kernel_root(*vmcoreinfo)) {
      r.cr3 = Sourced{root->value(), FactSource::kDump, vmcoreinfo_root_origin(*vmcoreinfo, name)};
      r.root_from_vmcoreinfo = true;
    }
  }
  if (!r.cr3.value)
    return Error{name + ": no CR3: pass --cr3 X or --registers FILE (" +
                 std::string(note         ? ""
                             : vmcoreinfo ? "this dump carries no registers, and its "
                                            "VMCOREINFO note does not give init_top_pgt "
                                            "and phys_base"
                                          : "this dump carries no registers") +
                 ")"};
  cpu_facts(r, o, m.facts);
  // The walk needs concrete bits: an assumed fact walks at its first corner value here and at
  // its other value in `strict` (load_dump compares the two walks).
  m.registers = effective_registers(r, o);
  if (r.cr0.value) m.cr0 = m.registers.cr0;
  if (r.cr4.value) m.cr4 = m.registers.cr4;
  if (r.efer.value) m.efer = m.registers.efer;
  if (std::optional<Error> e = check_long_mode_paging(r, m.registers, name)) return *e;
  const unsigned floor = maxphyaddr_floor(memory);
  Expected<unsigned> maxphyaddr = cpu_size_facts(o, note, name, floor, m.facts);
  if (!maxphyaddr) return maxphyaddr.error();
  const Fact mode = paging_mode_fact(o, r, m.registers, vmcoreinfo, name);
  if (!o.la57 && !r.cr4.value && mode.source == FactSource::kDump && mode.value == to_string(PagingMode::k5Level))
    m.registers.cr4 |= kCr4La57;
  set_fact(m.facts, mode);
  settle_corners(m, *maxphyaddr, floor);
  if (vmcoreinfo && vmcoreinfo->sme_mask.value_or(0) != 0) {
    // [AMD APM vol. 2 §7.10] The C-bit is not part of an address: clear it before decoding.
    m.state.sme_mask = *vmcoreinfo->sme_mask;
    if (m.strict) m.strict->sme_mask = *vmcoreinfo->sme_mask;
    m.notes.push_back("AMD SME is on (VMCOREINFO NUMBER(sme_mask) = " + hex(*vmcoreinfo->sme_mask) +
                      "): that bit is cleared from CR3 and every entry before it is decoded");
  }
  note_assumed_facts(m, o, note);
  if (std::optional<Error> e = choose_top_table(m, memory, r, o)) return *e;
  m.root_from_vmcoreinfo = r.root_from_vmcoreinfo;
  // Keep the facts in FactId order.
  std::sort(m.facts.begin(), m.facts.end(), [](const Fact& x, const Fact& y) { return x.id < y.id; });
  return m;
}

}  // namespace ptv
