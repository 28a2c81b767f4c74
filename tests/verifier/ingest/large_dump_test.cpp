// Dumps larger than RAM are read through the memory map, not loaded. Strategy: a sparse 64 GiB
// file under $TMPDIR (more than this machine's RAM; only the few pages written take disk
// space) holds a small 4-level tree whose last tables and frames sit in the last pages of the
// image, one table pointer one page past its end and one leaf frame past it. It is opened as a
// raw image and, with an ELF header and one 64 GiB PT_LOAD in front, as a core; the walk and
// the enumeration must give the exact runs, and the peak resident set must stay far below the
// file's size (the assertion is the functional "not loaded" property, not a timing). The file
// is removed at scope exit. A filesystem that refuses a 64 GiB sparse file skips visibly.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "models/walk.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/ingest/raw_ingest_test_util.h"
#include "verifier/mapping/from_walk.h"

namespace ptv {
namespace {

constexpr std::uint64_t kSize = std::uint64_t{64} << 30;  // S: the physical memory the dump holds
constexpr std::uint64_t kRw = bits::kP | bits::kRW;
constexpr std::uint64_t kMarkerLow = 0x5a5a'0000'0000'0001;   // at S - 0x3000
constexpr std::uint64_t kMarkerLast = 0x5a5a'0000'0000'0002;  // in the last 8 bytes, S - 8

/// Peak resident set of this process, in bytes.
std::uint64_t max_rss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;  // ru_maxrss is in KiB on Linux
}

/// A sparse file of `bytes`, removed at scope exit. ok() is false (and why() says why) when the
/// filesystem refuses the size or would not keep it sparse.
class SparseFile {
 public:
  explicit SparseFile(std::uint64_t bytes) : file_(std::vector<unsigned char>{}) {
    fd_ = ::open(file_.path().c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
    if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
      why_ = std::string("ftruncate to ") + std::to_string(bytes) + " bytes failed: " + std::strerror(errno);
      return;
    }
    struct stat st {};
    REQUIRE(::fstat(fd_, &st) == 0);
    if (static_cast<std::uint64_t>(st.st_blocks) * 512 > (std::uint64_t{1} << 20)) {
      why_ = "the filesystem does not keep the file sparse";
      return;
    }
    ok_ = true;
  }
  SparseFile(const SparseFile&) = delete;
  SparseFile& operator=(const SparseFile&) = delete;
  ~SparseFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& why() const { return why_; }
  [[nodiscard]] const std::string& path() const { return file_.path(); }
  void put_u64(std::uint64_t offset, std::uint64_t value) {
    unsigned char b[8];
    for (unsigned i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(value >> (8 * i));
    REQUIRE(::pwrite(fd_, b, 8, static_cast<off_t>(offset)) == 8);
  }
  void put(std::uint64_t offset, const std::vector<unsigned char>& bytes) {
    REQUIRE(::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset)) ==
            static_cast<ssize_t>(bytes.size()));
  }
  /// Bytes the file occupies on disk.
  [[nodiscard]] std::uint64_t allocated() const {
    struct stat st {};
    REQUIRE(::fstat(fd_, &st) == 0);
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
  }

 private:
  rawtest::TempFile file_;
  int fd_ = -1;
  bool ok_ = false;
  std::string why_;
};

// The tree, at physical addresses (file offset = base + physical address):
//
//   PML4 0x1000  [0] -> PDPT 0x2000       [1] -> PDPT S - 0x2000
//   PDPT 0x2000  [0] -> PD 0x3000         [1] -> 1 GiB page S - 1 GiB (the image's last GiB)
//                [2] -> table S (one page past the end: unreadable)
//   PD   0x3000  [0] -> PT S - 0x1000 (the image's last page)
//   PT S-0x1000  [0] -> S - 0x3000 RW     [1] -> S (past the end: a legal leaf), read-only
//                [2] -> 0x1000 (the PML4 as data) RW XD
//   PDPT S-0x2000 [5] -> 1 GiB page 0, read-only
void write_tree(SparseFile& f, std::uint64_t base) {
  f.put_u64(base + 0x1000 + 8 * 0, 0x2000 | kRw);
  f.put_u64(base + 0x1000 + 8 * 1, (kSize - 0x2000) | kRw);
  f.put_u64(base + 0x2000 + 8 * 0, 0x3000 | kRw);
  f.put_u64(base + 0x2000 + 8 * 1, (kSize - (1ull << 30)) | kRw | bits::kPsOrPat7);
  f.put_u64(base + 0x2000 + 8 * 2, kSize | kRw);
  f.put_u64(base + 0x3000 + 8 * 0, (kSize - 0x1000) | kRw);
  f.put_u64(base + kSize - 0x1000 + 8 * 0, (kSize - 0x3000) | kRw);
  f.put_u64(base + kSize - 0x1000 + 8 * 1, kSize | bits::kP);
  f.put_u64(base + kSize - 0x1000 + 8 * 2, 0x1000 | kRw | bits::kXd);
  f.put_u64(base + kSize - 0x2000 + 8 * 5, 0x0 | bits::kP | bits::kPsOrPat7);
  f.put_u64(base + kSize - 0x3000, kMarkerLow);
  f.put_u64(base + kSize - 8, kMarkerLast);
}

/// Walks and enumerates the tree in `mem`, checking every outcome.
void check_tree(const PhysMemory& mem) {
  CHECK(mem.bytes_held() == kSize);
  PagingState s;
  s.cr3 = 0x1000;
  const TableReader reader = mem.reader();

  const WalkResult low = walk(s, reader, VirtAddr(0x123));
  REQUIRE(low.outcome == WalkOutcome::kMapped);
  CHECK(low.translation->pa == PhysAddr(kSize - 0x3000 + 0x123));
  CHECK(low.path[3].table == PhysAddr(kSize - 0x1000));
  const auto marker = mem.read(PhysAddr(kSize - 0x3000), 8);
  REQUIRE(marker.has_value());
  std::uint64_t v = 0;
  std::memcpy(&v, marker->data(), 8);
  CHECK(v == kMarkerLow);

  const WalkResult last = walk(s, reader, VirtAddr(0x4000'0000 + 0x3fff'fff8));
  REQUIRE(last.outcome == WalkOutcome::kMapped);
  CHECK(last.translation->pa == PhysAddr(kSize - 8));
  std::memcpy(&v, mem.read(PhysAddr(kSize - 8), 8)->data(), 8);
  CHECK(v == kMarkerLast);
  CHECK_FALSE(mem.read(PhysAddr(kSize - 8), 9).has_value());

  const WalkResult past = walk(s, reader, VirtAddr(0x8000'0000));
  CHECK(past.outcome == WalkOutcome::kTableOutsideMemory);
  CHECK(past.missing_table == PhysAddr(kSize));

  const auto as = enumerate_address_space(s, reader);
  REQUIRE(as.ok());
  CHECK(as->entries_read == 5u * 512u);
  struct Row {
    std::uint64_t first, size;
    AddressRun::Kind kind;
    std::uint64_t phys;  // kMapped: frame; kUnreadable: missing table
    bool writable;
  };
  const Row rows[] = {
      {0x0, 0x1000, AddressRun::Kind::kMapped, kSize - 0x3000, true},
      {0x1000, 0x1000, AddressRun::Kind::kMapped, kSize, false},
      {0x2000, 0x1000, AddressRun::Kind::kMapped, 0x1000, true},
      {0x4000'0000, 1ull << 30, AddressRun::Kind::kMapped, kSize - (1ull << 30), true},
      {0x8000'0000, 1ull << 30, AddressRun::Kind::kUnreadable, kSize, false},
      {(1ull << 39) + (5ull << 30), 1ull << 30, AddressRun::Kind::kMapped, 0x0, false},
  };
  REQUIRE(as->runs.size() == std::size(rows));
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    CAPTURE(i);
    const AddressRun& r = as->runs[i];
    CHECK(r.range == VirtRange::from_size(VirtAddr(rows[i].first), rows[i].size));
    CHECK(r.kind == rows[i].kind);
    if (r.kind == AddressRun::Kind::kMapped) {
      CHECK(r.phys == PhysAddr(rows[i].phys));
      CHECK(r.attributes.writable == rows[i].writable);
    } else {
      CHECK(r.missing_table == PhysAddr(rows[i].phys));
    }
  }
  const MappingSet m = to_mapping_set(*as, s, "raw", mem.name());
  CHECK_FALSE(m.validate().has_value());
  REQUIRE(m.unknown.size() == 1);
  CHECK(m.unknown[0].reason ==
        "the PD table P0x0000001000000000 referenced by the PDPT entry at P0x0000000000002010 is outside the dumped "
        "memory");
}

}  // namespace

TEST_CASE("large dump: a 64 GiB sparse raw image is walked through the memory map, not loaded") {
  SparseFile f(kSize);
  if (!f.ok()) {
    MESSAGE("SKIPPED: cannot create a 64 GiB sparse file under $TMPDIR: " << f.why());
    return;
  }
  write_tree(f, 0);
  const std::uint64_t before = max_rss();
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE_MESSAGE(img.ok(), (img.ok() ? "" : img.error().message));
  REQUIRE((*img)->ranges().size() == 1);
  CHECK((*img)->ranges()[0] == PhysRange{PhysAddr(0), kSize});
  check_tree(**img);
  const std::uint64_t after = max_rss();
  MESSAGE("64 GiB raw image (" << f.allocated() / 1024 << " KiB on disk): peak RSS " << before / (1 << 20)
                               << " MiB before opening, " << after / (1 << 20) << " MiB after the walk");
  CHECK(after < before + (std::uint64_t{512} << 20));
}

TEST_CASE("large dump: a 64 GiB sparse ELF core with one PT_LOAD is walked through the memory map, not loaded") {
  // The same tree behind a 4 KiB header page: ELF header, one PT_LOAD of 64 GiB at file offset
  // 0x1000 and a PTVERIFY note with CR3 = 0x1000.
  SparseFile f(0x1000 + kSize);
  if (!f.ok()) {
    MESSAGE("SKIPPED: cannot create a 64 GiB sparse file under $TMPDIR: " << f.why());
    return;
  }
  rawtest::Bytes h;
  rawtest::elf_header(h, 0x40, 2);
  rawtest::Bytes desc;
  desc.u32(0, 1).u32(4, 48).u64(8, 0x8005'0033).u64(0x10, 0x1000).u64(0x18, kCr4Pae);
  desc.u64(0x20, kEferLme | kEferLma | kEferNxe).u32(0x28, 40).u32(0x2c, 0);
  const std::uint64_t end = rawtest::note(h, 0x200, ptverify_note::kName, ptverify_note::kType, desc.data());
  rawtest::phdr(h, 0x40, 0, rawtest::kPtNote, 0x200, 0, end - 0x200, end - 0x200);
  rawtest::phdr(h, 0x40, 1, rawtest::kPtLoad, 0x1000, 0x0, kSize, kSize);
  f.put(0, h.data());
  write_tree(f, 0x1000);
  const std::uint64_t before = max_rss();
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  REQUIRE((*core)->registers().has_value());
  CHECK((*core)->registers()->cr3 == 0x1000);
  CHECK((*core)->registers()->maxphyaddr == std::optional<unsigned>(40));
  check_tree(**core);
  const std::uint64_t after = max_rss();
  MESSAGE("64 GiB ELF core (" << f.allocated() / 1024 << " KiB on disk): peak RSS " << before / (1 << 20)
                              << " MiB before opening, " << after / (1 << 20) << " MiB after the walk");
  CHECK(after < before + (std::uint64_t{512} << 20));
}

}  // namespace ptv
