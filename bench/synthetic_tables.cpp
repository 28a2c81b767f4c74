#include "bench/synthetic_tables.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <numeric>

namespace ptv::bench {

namespace {

/// Frames of the 4 KiB leaves start at 4 GiB, far above the tables (no leaf maps a table).
constexpr std::uint64_t kFrameBase = 0x1'0000'0000;

/// The start of the kernel's direct map (Documentation/arch/x86/x86_64/mm.rst), no KASLR.
VirtAddr direct_map_base(PagingMode mode) {
  return VirtAddr(mode == PagingMode::k5Level ? 0xff11'0000'0000'0000 : 0xffff'8880'0000'0000);
}

std::string mode_suffix(PagingMode mode) { return mode == PagingMode::k5Level ? "5level" : "4level"; }

/// "1M", "512k", "3": counts as the CSV and table rows name them.
std::string count_name(std::uint64_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n >= 1'000 && n % 1'000 == 0) return std::to_string(n / 1'000) + "k";
  return std::to_string(n);
}

}  // namespace

TableImage::TableImage(std::size_t expected_tables) {
  bytes_.reserve((expected_tables + 1) * kTableBytes);
  bytes_.resize(kTableBytes);  // page 0: never a table
}

PhysAddr TableImage::alloc() {
  const PhysAddr pa(bytes_.size());
  bytes_.resize(bytes_.size() + kTableBytes);  // value-initialised: zero
  return pa;
}

void TableImage::set(PhysAddr table, unsigned index, std::uint64_t raw) {
  std::memcpy(bytes_.data() + table.value() + 8ull * index, &raw, sizeof raw);
}

std::uint64_t TableImage::get(PhysAddr table, unsigned index) const {
  std::uint64_t raw;
  std::memcpy(&raw, bytes_.data() + table.value() + 8ull * index, sizeof raw);
  return raw;
}

TableReader TableImage::reader() const {
  return [this](PhysAddr pa) -> std::optional<TableView> {
    if (!pa.is_aligned(kTableBytes) || pa.value() == 0 || pa.value() >= bytes_.size()) return std::nullopt;
    return TableView(bytes_.data() + pa.value());
  };
}

Expected<bool> TableImage::write_image(const std::string& path) const {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Error{path + ": cannot create: " + std::strerror(errno)};
  const bool ok = std::fwrite(bytes_.data(), 1, bytes_.size(), f) == bytes_.size();
  if (std::fclose(f) != 0 || !ok) return Error{path + ": cannot write the image"};
  return true;
}

void TableBuilder::map(VirtAddr va, PhysAddr frame, Level leaf_level, std::uint64_t leaf_bits) {
  PhysAddr table = root_;
  for (Level l = top_level(mode_); l != leaf_level; l = child_level(l)) {
    const unsigned i = table_index(va, l);
    std::uint64_t e = image_.get(table, i);
    if (!(e & bits::kP)) {
      e = image_.alloc().value() | kTableEntryBits;
      image_.set(table, i, e);
    }
    table = PhysAddr(e & bits::kAddress);
  }
  std::uint64_t leaf = frame.value() | leaf_bits | bits::kP;
  if (leaf_level != Level::kPt) leaf |= bits::kPsOrPat7;
  image_.set(table, table_index(va, leaf_level), leaf);
}

PagingState synthetic_state(PhysAddr root, PagingMode mode) {
  PagingState s;
  s.cr3 = root.value();
  s.cr4_la57 = mode == PagingMode::k5Level;
  s.efer_nxe = true;
  s.cr0_wp = true;
  s.cr4_pge = true;
  s.maxphyaddr = 46;
  return s;
}

SyntheticTables leaves_4k(std::uint64_t leaves, std::uint64_t runs, PagingMode mode, Frames frames) {
  const bool scattered = frames == Frames::kScattered;
  SyntheticTables t{"4k-" + count_name(leaves) + "-leaves-" + count_name(runs) + "-runs-" +
                        (scattered ? "scattered-" : "") + mode_suffix(mode),
                    TableImage(leaves / kEntriesPerTable + 64),
                    {},
                    leaves,
                    runs};
  // Scattered: leaf i maps frame (i * step) mod leaves, a permutation (step coprime to the
  // count) in which neighbours are `step` frames apart.
  std::uint64_t step = 7919;
  while (std::gcd(step, leaves) != 1) step += 2;
  TableBuilder b(t.image, mode);
  const VirtAddr base = direct_map_base(mode);
  // Run k holds leaves [k * leaves / runs, (k + 1) * leaves / runs): lengths differ by at most one.
  std::uint64_t run = 0;
  std::uint64_t next_boundary = leaves / runs;
  for (std::uint64_t i = 0; i < leaves; ++i) {
    if (i == next_boundary) {
      ++run;
      next_boundary = (run + 1) * leaves / runs;
    }
    const std::uint64_t rights = run % 2 == 0 ? bits::kRW : 0;
    const std::uint64_t frame = scattered ? (i * step) % leaves : i;
    b.map(VirtAddr(base.value() + i * kTableBytes), PhysAddr(kFrameBase + frame * kTableBytes), Level::kPt,
          rights | bits::kA | bits::kD | bits::kG | bits::kXd);
  }
  t.state = synthetic_state(b.root(), mode);
  return t;
}

SyntheticTables direct_map(std::uint64_t bytes, Level leaf_level, PagingMode mode) {
  const std::uint64_t size = page_size(leaf_level);
  const char* unit = leaf_level == Level::kPdpt ? "1g" : "2m";
  SyntheticTables t{std::string(unit) + "-direct-map-" + std::to_string(bytes >> 30) + "GiB-" + mode_suffix(mode),
                    TableImage(bytes / size / kEntriesPerTable + 64),
                    {},
                    bytes / size,
                    1};
  TableBuilder b(t.image, mode);
  const VirtAddr base = direct_map_base(mode);
  for (std::uint64_t pa = 0; pa < bytes; pa += size)
    b.map(VirtAddr(base.value() + pa), PhysAddr(pa), leaf_level,
          bits::kRW | bits::kA | bits::kD | bits::kG | bits::kXd);
  t.state = synthetic_state(b.root(), mode);
  return t;
}

SyntheticTables shared_chain(PagingMode mode, bool alternate) {
  const unsigned n = levels(mode);
  const std::uint64_t pages = std::uint64_t{1} << (kIndexBits * (n - 1) + kIndexBits);
  SyntheticTables t{std::string("shared-chain-") + (alternate ? "alternating-" : "") + mode_suffix(mode),
                    TableImage(n),
                    {},
                    pages,
                    alternate ? pages : 2};
  std::vector<PhysAddr> tables;  // top level first
  for (unsigned i = 0; i < n; ++i) tables.push_back(t.image.alloc());
  for (unsigned l = 0; l + 1 < n; ++l)
    for (unsigned i = 0; i < kEntriesPerTable; ++i) t.image.set(tables[l], i, tables[l + 1].value() | kTableEntryBits);
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    const std::uint64_t rights = !alternate || i % 2 == 0 ? bits::kRW : 0;
    t.image.set(tables[n - 1], i, kFrameBase | rights | bits::kP | bits::kA | bits::kD | bits::kXd);
  }
  t.state = synthetic_state(tables[0], mode);
  return t;
}

SyntheticTables self_table(PagingMode mode) {
  const unsigned n = levels(mode);
  const std::uint64_t pages = std::uint64_t{1} << (kIndexBits * n);
  SyntheticTables t{"self-table-" + mode_suffix(mode), TableImage(1), {}, pages, 2};
  const PhysAddr table = t.image.alloc();
  for (unsigned i = 0; i < kEntriesPerTable; ++i) t.image.set(table, i, table.value() | kTableEntryBits);
  t.state = synthetic_state(table, mode);
  return t;
}

}  // namespace ptv::bench
