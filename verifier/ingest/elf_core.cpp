#include "verifier/ingest/elf_core.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "models/format.h"
#include "models/paging_state.h"
#include "verifier/base/compressed.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

namespace {

// ELF64 header fields used here [gABI "ELF Header"], as offsets from the start of the file.
constexpr std::uint64_t kEiClass = 0x04, kEiData = 0x05;
constexpr std::uint64_t kEType = 0x10, kEMachine = 0x12, kEPhoff = 0x20, kEShoff = 0x28;
constexpr std::uint64_t kEPhentsize = 0x36, kEPhnum = 0x38, kEShentsize = 0x3a;
constexpr std::uint64_t kEhdrBytes = 64;
constexpr std::uint8_t kElfClass64 = 2, kElfData2Lsb = 1;
constexpr std::uint16_t kEtCore = 4, kEmX86_64 = 62, kPnXnum = 0xffff;
// Section header 0: with PN_XNUM, sh_info holds the real program header count.
constexpr std::uint64_t kShInfo = 0x2c, kShdrBytes = 64;
// ELF64 program header.
constexpr std::uint64_t kPType = 0x00, kPOffset = 0x08, kPVaddr = 0x10, kPPaddr = 0x18, kPFilesz = 0x20, kPMemsz = 0x28;
constexpr std::uint64_t kPhdrBytes = 56;
constexpr std::uint32_t kPtLoad = 1, kPtNote = 4;
// More program headers than this is not a core QEMU could write (one PT_LOAD per RAM block).
constexpr std::uint64_t kMaxProgramHeaders = std::uint64_t{1} << 20;

// QEMUCPUState, version 1, as QEMU's target/i386/arch_dump.c writes it in the "QEMU" note
// (n_type 0), one per vCPU. Little-endian; offsets from the start of the descriptor, checked
// against linux-6.1-ptdump-4level-pti/core.elf and its registers.txt:
//
//   0x000 u32 version (1)      0x004 u32 size (0x1b8)
//   0x008 u64 rax rbx rcx rdx rsi rdi rsp rbp r8 r9 r10 r11 r12 r13 r14 r15
//   0x088 u64 rip              0x090 u64 rflags
//   0x098 10 x {u32 selector, u32 limit, u32 flags, u32 pad, u64 base} (24 bytes each):
//         cs ds es fs gs ss ldt tr gdt idt
//   0x188 u64 cr[5]: cr0 at 0x188, cr2 at 0x198, cr3 at 0x1a0, cr4 at 0x1a8
//   0x1b0 u64 kernel_gs_base   0x1b8 end
//
// EFER is not in it: a core's QEMU note cannot tell whether NXE is set.
constexpr std::uint32_t kQemuCpuStateVersion = 1;
constexpr std::uint64_t kQemuCpuStateBytes = 0x1b8;
constexpr std::uint64_t kQemuCr0 = 0x188, kQemuCr3 = 0x1a0, kQemuCr4 = 0x1a8;
constexpr std::uint64_t kQemuCsSelector = 0x098;

/// A parse failure inside this reader; converted to an Error at from_file's boundary.
struct ParseError {
  Error error;
};

[[noreturn]] void fail(const std::string& name, std::uint64_t offset, const std::string& what) {
  throw ParseError{error_at(name, offset, what)};
}

std::uint64_t align4(std::uint64_t n) { return (n + 3) & ~std::uint64_t{3}; }

/// Note names are untrusted bytes: keep them printable in diagnostics.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

struct IndexedLoad {
  std::uint64_t index;          // program header number
  std::uint64_t header_offset;  // its file offset
  MappedPhysMemory::Segment segment;
  bool kernel_text = false;  // p_vaddr in the kernel image's mapping (a kdump vmcore's text segment)
};

/// Walks the headers and notes of one core; throws ParseError on the first problem.
class CoreParser {
 public:
  explicit CoreParser(const MappedFile& file) : name_(file.name()), bytes_(file.bytes()) {}

  void parse();

  std::vector<MappedPhysMemory::Segment> segments;
  std::vector<CoreRegisters> qemu_cpus;
  std::optional<CoreRegisters> ptverify;
  std::optional<Vmcoreinfo> vmcoreinfo;
  std::vector<std::string> warnings;

 private:
  [[noreturn]] void fail_at(std::uint64_t offset, const std::string& what) const { fail(name_, offset, what); }
  std::string past_eof() const { return "runs past end of file (size " + hex(bytes_.size()) + ")"; }
  std::uint16_t u16(std::uint64_t at) const;
  std::uint32_t u32(std::uint64_t at) const;
  std::uint64_t u64(std::uint64_t at) const;

  void check_ident() const;
  std::uint64_t program_header_count() const;
  void add_load(std::uint64_t index, std::uint64_t at);
  void parse_notes(std::uint64_t index, std::uint64_t at);
  void take_note(std::string_view note_name, std::uint32_t type, ByteView desc, std::uint64_t desc_at);
  void take_qemu_note(ByteView desc, std::uint64_t desc_at);
  void take_ptverify_note(ByteView desc, std::uint64_t desc_at);
  void take_vmcoreinfo_note(ByteView desc, std::uint64_t desc_at);
  void resolve_overlaps();

  const std::string& name_;
  ByteView bytes_;
  std::vector<IndexedLoad> loads_;
};

std::uint16_t CoreParser::u16(std::uint64_t at) const {
  if (auto v = bytes_.u16(at)) return *v;
  fail_at(at, "2-byte field " + past_eof());
}
std::uint32_t CoreParser::u32(std::uint64_t at) const {
  if (auto v = bytes_.u32(at)) return *v;
  fail_at(at, "4-byte field " + past_eof());
}
std::uint64_t CoreParser::u64(std::uint64_t at) const {
  if (auto v = bytes_.u64(at)) return *v;
  fail_at(at, "8-byte field " + past_eof());
}

void CoreParser::check_ident() const {
  if (!has_elf_magic(bytes_)) fail_at(0, "not an ELF file (no \\x7fELF magic)");
  if (bytes_.size() < kEhdrBytes)
    fail_at(0,
            "ELF header truncated: the file has " + std::to_string(bytes_.size()) + " bytes, an ELF64 header needs 64");
  if (const std::uint8_t c = *bytes_.u8(kEiClass); c != kElfClass64)
    fail_at(kEiClass, "not a 64-bit ELF (EI_CLASS = " + std::to_string(c) + ", expected 2)");
  if (const std::uint8_t d = *bytes_.u8(kEiData); d != kElfData2Lsb)
    fail_at(kEiData, "not a little-endian ELF (EI_DATA = " + std::to_string(d) + ", expected 1)");
  if (const std::uint16_t t = u16(kEType); t != kEtCore)
    fail_at(kEType, "not a core file (e_type = " + std::to_string(t) + ", expected 4 = ET_CORE)");
  if (const std::uint16_t m = u16(kEMachine); m != kEmX86_64)
    fail_at(kEMachine, "not an x86_64 core (e_machine = " + std::to_string(m) + ", expected 62 = EM_X86_64)");
  // e_ehsize (0x34) is deliberately not checked: QEMU 7.x writes 8 there.
}

std::uint64_t CoreParser::program_header_count() const {
  const std::uint16_t phnum = u16(kEPhnum);
  if (phnum != kPnXnum) return phnum;
  // [gABI] With 0xffff or more segments, e_phnum is PN_XNUM and the count is in sh_info of
  // section header 0 (QEMU's dump.c does this for guests with many RAM blocks).
  const std::uint64_t shoff = u64(kEShoff);
  if (shoff == 0) fail_at(kEPhnum, "e_phnum is PN_XNUM (0xffff) but there is no section header 0 (e_shoff = 0)");
  if (const std::uint16_t shentsize = u16(kEShentsize); shentsize < kShdrBytes)
    fail_at(kEShentsize,
            "e_shentsize = " + std::to_string(shentsize) + " is too small for an ELF64 section header (64)");
  if (!bytes_.contains(shoff, kShdrBytes))
    fail_at(shoff, "section header 0 (holding the PN_XNUM program header count) " + past_eof());
  return u32(shoff + kShInfo);
}

void CoreParser::parse() {
  check_ident();
  const std::uint64_t phoff = u64(kEPhoff);
  const std::uint64_t count = program_header_count();
  if (count == 0) fail_at(kEPhnum, "no program headers: the core holds no memory");
  if (count > kMaxProgramHeaders)
    fail_at(kEPhnum, "absurd program header count " + std::to_string(count) + " (at most " +
                         std::to_string(kMaxProgramHeaders) + " accepted)");
  if (const std::uint16_t entsize = u16(kEPhentsize); entsize != kPhdrBytes)
    fail_at(kEPhentsize, "e_phentsize = " + std::to_string(entsize) + ", expected 56 (an ELF64 program header)");
  if (!bytes_.contains(phoff, count * kPhdrBytes))
    fail_at(phoff, "program header table (" + std::to_string(count) + " x 56 bytes) " + past_eof());

  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t at = phoff + i * kPhdrBytes;
    const std::uint32_t type = u32(at + kPType);
    if (type == kPtLoad) add_load(i, at);
    if (type == kPtNote) parse_notes(i, at);
  }
  if (loads_.empty()) fail_at(phoff, "no PT_LOAD segment holds any bytes: the core holds no memory");

  // By start, then by header index: two segments at one address are named in file order.
  std::sort(loads_.begin(), loads_.end(), [](const IndexedLoad& a, const IndexedLoad& b) {
    return std::make_pair(a.segment.range.start, a.index) < std::make_pair(b.segment.range.start, b.index);
  });
  resolve_overlaps();
  for (const IndexedLoad& l : loads_) segments.push_back(l.segment);
}

// A kdump vmcore (/proc/vmcore copied, or makedumpfile -E) describes the kernel image twice:
// once in a PT_LOAD at its kernel-text virtual address and once inside the RAM segment that holds
// it, both at the same physical addresses and read from the same memory. Such an overlap is
// accepted when the bytes agree (the later segment keeps only what is new), and when they do not,
// the RAM segment's bytes are kept over the kernel-text copy's. Any other overlap is an error:
// two different contents for one physical address.
void CoreParser::resolve_overlaps() {
  std::vector<IndexedLoad> kept;
  std::uint64_t compared = 0, repeated = 0, preferred = 0;
  for (IndexedLoad l : loads_) {
    if (!kept.empty() && l.segment.range.start <= kept.back().segment.range.last()) {
      const IndexedLoad& a = kept.back();
      const PhysRange& ar = a.segment.range;
      PhysRange& lr = l.segment.range;
      const std::uint64_t overlap_last = std::min(ar.last().value(), lr.last().value());
      const std::uint64_t len = overlap_last - lr.start.value() + 1;
      const auto bytes_at = [&](const IndexedLoad& s) {
        return bytes_.sub(s.segment.file_offset + (lr.start - s.segment.range.start), len)->span();
      };
      const std::string both = "PT_LOAD segments " + std::to_string(a.index) + " and " + std::to_string(l.index) +
                               " overlap in physical memory: [" + hex(ar.start.value()) + "-" + hex(ar.last().value()) +
                               "] and [" + hex(lr.start.value()) + "-" + hex(lr.last().value()) + "]";
      // Comparing is bounded by the file: no overlap is compared twice.
      compared += len;
      if (compared > 2 * bytes_.size()) fail_at(l.header_offset, both + ", and more overlap than the file holds");
      const auto x = bytes_at(a), y = bytes_at(l);
      const bool same = std::equal(x.begin(), x.end(), y.begin());
      if (!same && !(l.kernel_text && !a.kernel_text)) fail_at(l.header_offset, both);
      ++(same ? repeated : preferred);
      if (lr.last() <= ar.last()) continue;  // nothing new
      const std::uint64_t skip = ar.last().value() - lr.start.value() + 1;
      l.segment.file_offset += skip;
      lr = PhysRange{PhysAddr(ar.last().value() + 1), lr.size - skip};
    }
    kept.push_back(l);
  }
  if (repeated != 0)
    warnings.push_back(name_ + ": " + std::to_string(repeated) +
                       " PT_LOAD overlap(s) repeat physical memory with the same bytes (a kdump vmcore's kernel-text "
                       "segment); read once");
  if (preferred != 0)
    warnings.push_back(name_ + ": " + std::to_string(preferred) +
                       " kernel-text PT_LOAD overlap(s) hold other bytes than the RAM segment at the same physical "
                       "addresses; the RAM segment's bytes are used");
  loads_ = std::move(kept);
}

void CoreParser::add_load(std::uint64_t index, std::uint64_t at) {
  const std::string what = "PT_LOAD segment " + std::to_string(index) + ": ";
  const std::uint64_t offset = u64(at + kPOffset);
  const std::uint64_t paddr = u64(at + kPPaddr);
  const std::uint64_t filesz = u64(at + kPFilesz);
  const std::uint64_t memsz = u64(at + kPMemsz);
  if (filesz > memsz)
    fail_at(at + kPFilesz, what + "p_filesz " + hex(filesz) + " is larger than p_memsz " + hex(memsz));
  // Bytes from p_filesz up to p_memsz belong to the guest's RAM but are not in the file (QEMU
  // writes fewer file bytes when a block is only partly dumped). Their content is unknown, not
  // zero, so they are not held: a table there reads as outside the dump.
  if (filesz == 0) return;
  if (!bytes_.contains(offset, filesz))
    fail_at(at, what + "file bytes [" + hex(offset) + ", +" + hex(filesz) + ") run past end of file (size " +
                    hex(bytes_.size()) + ")");
  if (!checked_add(paddr, filesz - 1))
    fail_at(at + kPPaddr, what + "physical range " + hex(paddr) + " + " + hex(filesz) + " runs past 2^64");
  loads_.push_back(
      IndexedLoad{index, at, {PhysRange{PhysAddr(paddr), filesz}, offset}, u64(at + kPVaddr) >= kStartKernelMap});
}

void CoreParser::parse_notes(std::uint64_t index, std::uint64_t at) {
  const std::uint64_t offset = u64(at + kPOffset);
  const std::uint64_t filesz = u64(at + kPFilesz);
  const std::optional<ByteView> seg = bytes_.sub(offset, filesz);
  if (!seg)
    fail_at(at, "PT_NOTE segment " + std::to_string(index) + ": file bytes [" + hex(offset) + ", +" + hex(filesz) +
                    ") run past end of file (size " + hex(bytes_.size()) + ")");
  // [gABI "Note Section"] namesz, descsz, type (u32 each), then name and desc, each padded to 4.
  std::uint64_t pos = 0;
  while (pos < filesz) {
    const std::uint64_t here = offset + pos;
    if (filesz - pos < 12)
      fail_at(here, "note header truncated: 12 bytes needed, " + std::to_string(filesz - pos) +
                        " left in the PT_NOTE segment");
    const std::uint32_t namesz = *seg->u32(pos);
    const std::uint32_t descsz = *seg->u32(pos + 4);
    const std::uint32_t type = *seg->u32(pos + 8);
    const std::uint64_t name_pos = pos + 12;
    const std::uint64_t desc_pos = name_pos + align4(namesz);
    const std::optional<ByteView> name = seg->sub(name_pos, namesz);
    if (!name)
      fail_at(here, "note name (namesz " + std::to_string(namesz) + ") runs past the end of the PT_NOTE segment");
    std::string_view note_name(reinterpret_cast<const char*>(name->span().data()), name->span().size());
    while (!note_name.empty() && note_name.back() == '\0') note_name.remove_suffix(1);
    const std::optional<ByteView> desc = seg->sub(desc_pos, descsz);
    if (!desc)
      fail_at(here, "note \"" + printable(note_name) + "\" descriptor (descsz " + std::to_string(descsz) +
                        ") runs past the end of the PT_NOTE segment");
    take_note(note_name, type, *desc, offset + desc_pos);
    pos = desc_pos + align4(descsz);  // the last note's padding may be missing
  }
}

void CoreParser::take_note(std::string_view note_name, std::uint32_t type, ByteView desc, std::uint64_t desc_at) {
  if (note_name == "QEMU" && type == 0) take_qemu_note(desc, desc_at);
  if (note_name == ptverify_note::kName && type == ptverify_note::kType) take_ptverify_note(desc, desc_at);
  if (note_name == kVmcoreinfoNoteName && type == 0) take_vmcoreinfo_note(desc, desc_at);
  // Others (CORE NT_PRSTATUS, ...) carry nothing the walk needs.
}

void CoreParser::take_qemu_note(ByteView desc, std::uint64_t desc_at) {
  const std::string where = name_ + "+" + hex(desc_at) + ": QEMU note ";
  const std::optional<std::uint32_t> version = desc.u32(0);
  const std::optional<std::uint32_t> size = desc.u32(4);
  if (!version || !size) {
    warnings.push_back(where + "is " + std::to_string(desc.size()) + " bytes, too short for QEMUCPUState; ignored");
  } else if (*version != kQemuCpuStateVersion) {
    warnings.push_back(where + "has QEMUCPUState version " + std::to_string(*version) +
                       " (only 1 is understood); ignored");
  } else if (*size < kQemuCpuStateBytes || desc.size() < kQemuCpuStateBytes) {
    warnings.push_back(where + "holds " + std::to_string(std::min<std::uint64_t>(*size, desc.size())) +
                       " bytes of QEMUCPUState, 440 expected; ignored");
  } else {
    CoreRegisters r;
    r.source = CoreRegisters::Source::kQemuNote;
    r.cr0 = *desc.u64(kQemuCr0);
    r.cr3 = *desc.u64(kQemuCr3);
    r.cr4 = *desc.u64(kQemuCr4);
    // [SDM 3A §5.5] The CPL is the RPL of the CS selector (bits 1:0).
    r.cpl = *desc.u32(kQemuCsSelector) & 3u;
    r.vcpu = static_cast<unsigned>(qemu_cpus.size());
    r.desc_offset = desc_at;
    qemu_cpus.push_back(r);
  }
}

// A VMCOREINFO note that does not parse is a warning, not an error: the memory and the other
// notes are still usable, and without it the root must come from elsewhere.
void CoreParser::take_vmcoreinfo_note(ByteView desc, std::uint64_t desc_at) {
  if (vmcoreinfo) {
    warnings.push_back(name_ + "+" + hex(desc_at) + ": a second VMCOREINFO note; the first is used");
    return;
  }
  const std::string_view text(reinterpret_cast<const char*>(desc.span().data()), desc.span().size());
  Expected<Vmcoreinfo> info = parse_vmcoreinfo(text, name_, desc_at);
  if (!info) {
    warnings.push_back(info.error().message + " (the VMCOREINFO note is ignored)");
    return;
  }
  vmcoreinfo = std::move(info).value();
}

void CoreParser::take_ptverify_note(ByteView desc, std::uint64_t desc_at) {
  namespace note = ptverify_note;
  if (ptverify) fail_at(desc_at, "a second PTVERIFY note (the first is at +" + hex(ptverify->desc_offset) + ")");
  if (desc.size() < 8)
    fail_at(desc_at, "PTVERIFY note is " + std::to_string(desc.size()) + " bytes, too short for its header");
  const std::uint32_t v = *desc.u32(0);
  if (v != 1 && v != note::kVersion)
    fail_at(desc_at, "PTVERIFY note version " + std::to_string(v) + " is not supported (expected 1 or 2)");
  const std::uint32_t want = v == 1 ? note::kDescBytesV1 : note::kDescBytes;
  if (desc.size() < want)
    fail_at(desc_at, "PTVERIFY note version " + std::to_string(v) + " is " + std::to_string(desc.size()) + " bytes, " +
                         std::to_string(want) + " expected");
  if (const std::uint32_t sz = *desc.u32(4); sz < want || sz > desc.size())
    fail_at(desc_at + 4, "PTVERIFY note size field " + std::to_string(sz) + " does not match its " +
                             std::to_string(want) + "-byte layout");
  const std::uint32_t known =
      v == 1 ? (note::kKnownCr0 | note::kKnownCr4 | note::kKnownEfer | note::kKnownMaxPhyAddr) : *desc.u32(0x30);
  const std::uint32_t m = *desc.u32(0x28);
  if ((known & note::kKnownMaxPhyAddr) && (m < 32 || m > kMaxPhysAddrArchitectural))
    fail_at(desc_at + 0x28, "PTVERIFY note maxphyaddr " + std::to_string(m) + " is outside 32..52");
  CoreRegisters r;
  r.source = CoreRegisters::Source::kPtverifyNote;
  if (known & note::kKnownCr0) r.cr0 = *desc.u64(0x08);
  r.cr3 = *desc.u64(0x10);
  if (known & note::kKnownCr4) r.cr4 = *desc.u64(0x18);
  if (known & note::kKnownEfer) r.efer = *desc.u64(0x20);
  if (known & note::kKnownMaxPhyAddr) r.maxphyaddr = m;
  r.flags = *desc.u32(0x2c);
  if (v >= 2) {
    if (known & note::kKnownPdpe1gb) r.pdpe1gb = (*desc.u32(0x34) & note::kCpuPdpe1gb) != 0;
    const std::uint32_t cpl = *desc.u32(0x38);
    if (cpl != note::kUnknownCpl) {
      if (cpl > 3) fail_at(desc_at + 0x38, "PTVERIFY note cpl " + std::to_string(cpl) + " is not 0..3 (or 0xff)");
      r.cpl = cpl;
    }
    if (const std::uint32_t vcpu = *desc.u32(0x3c); vcpu != note::kUnknownVcpu) r.vcpu = vcpu;
  }
  r.desc_offset = desc_at;
  ptverify = r;
}

}  // namespace

const char* to_string(CoreRegisters::Source s) {
  switch (s) {
    case CoreRegisters::Source::kQemuNote:
      return "QEMU note";
    case CoreRegisters::Source::kPtverifyNote:
      return "PTVERIFY note";
  }
  return "?";
}

bool has_elf_magic(ByteView bytes) {
  const std::optional<std::uint32_t> magic = bytes.u32(0);
  return magic && *magic == 0x464c457fu;  // "\x7fELF" read little-endian
}

Expected<std::unique_ptr<ElfCore>> ElfCore::open(const std::string& path) {
  Expected<MappedFile> file = open_mapped_maybe_compressed(path);
  if (!file) return file.error();
  return from_file(std::move(file).value());
}

Expected<std::unique_ptr<ElfCore>> ElfCore::from_file(MappedFile file) {
  CoreParser parser(file);
  try {
    parser.parse();
  } catch (const ParseError& e) {
    return e.error;
  }
  std::unique_ptr<ElfCore> core(new ElfCore(std::move(file), std::move(parser.segments)));
  core->qemu_cpus_ = std::move(parser.qemu_cpus);
  core->warnings_ = std::move(parser.warnings);
  core->vmcoreinfo_ = std::move(parser.vmcoreinfo);
  if (parser.ptverify) {
    core->registers_ = parser.ptverify;
  } else if (!core->qemu_cpus_.empty()) {
    core->registers_ = core->qemu_cpus_.front();
  }
  return core;
}

}  // namespace ptv
