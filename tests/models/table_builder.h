// An in-memory physical memory of 4 KiB tables for tests: allocate tables, write entries, map
// pages through intermediate tables, and hand the walker a TableReader over it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "models/entry.h"
#include "models/paging_mode.h"
#include "models/table_reader.h"

namespace ptv::test {

class TableBuilder {
 public:
  /// Tables are allocated from `first_pa` upwards, 4 KiB apart.
  explicit TableBuilder(std::uint64_t first_pa = 0x10'0000) : next_(first_pa) {}

  PhysAddr alloc() {
    const PhysAddr pa(next_);
    next_ += kTableBytes;
    pages_[pa.value()] = std::make_unique<Page>();
    pages_[pa.value()]->fill(0);
    return pa;
  }
  void set(PhysAddr table, unsigned index, std::uint64_t raw) { write_u64(table.value() + 8ull * index, raw); }
  std::uint64_t get(PhysAddr table, unsigned index) const { return read_u64(table.value() + 8ull * index); }

  /// Map one page of size page_size(leaf_level) at va -> pa with leaf flags `leaf_bits`
  /// (P is added; PS is added for large leaves), creating missing tables whose entries get
  /// `table_bits` (P is added).
  void map(PhysAddr root, PagingMode mode, VirtAddr va, PhysAddr pa, Level leaf_level, std::uint64_t leaf_bits,
           std::uint64_t table_bits = bits::kRW | bits::kUS) {
    PhysAddr table = root;
    for (Level l = top_level(mode); l != leaf_level; l = child_level(l)) {
      const unsigned i = table_index(va, l);
      std::uint64_t e = get(table, i);
      if (!(e & bits::kP)) {
        const PhysAddr t = alloc();
        e = t.value() | table_bits | bits::kP;
        set(table, i, e);
      }
      table = PhysAddr(e & bits::kAddress);
    }
    std::uint64_t leaf = pa.value() | leaf_bits | bits::kP;
    if (leaf_level != Level::kPt) leaf |= bits::kPsOrPat7;
    set(table, table_index(va, leaf_level), leaf);
  }

  TableReader reader() const {
    return [this](PhysAddr pa) -> std::optional<TableView> {
      auto it = pages_.find(pa.value());
      if (it == pages_.end()) return std::nullopt;
      return TableView(reinterpret_cast<const unsigned char*>(it->second->data()));
    };
  }
  std::size_t table_count() const { return pages_.size(); }

 private:
  using Page = std::array<std::uint64_t, 512>;
  void write_u64(std::uint64_t pa, std::uint64_t v) { (*pages_.at(pa & ~0xfffull))[(pa & 0xfff) / 8] = v; }
  std::uint64_t read_u64(std::uint64_t pa) const { return (*pages_.at(pa & ~0xfffull))[(pa & 0xfff) / 8]; }

  std::uint64_t next_;
  std::map<std::uint64_t, std::unique_ptr<Page>> pages_;
};

}  // namespace ptv::test

// Helpers for hostile tables (tests/models/adversarial_test.cpp and the ingest tests that
// write the same shapes into cores and raw images).
#include <cstring>
#include <initializer_list>
#include <vector>

namespace ptv::test {

/// Points all 512 entries of `table` at `target` with `flags` (P is added).
inline void point_all(TableBuilder& tb, PhysAddr table, PhysAddr target, std::uint64_t flags) {
  for (unsigned i = 0; i < kEntriesPerTable; ++i) tb.set(table, i, target.value() | flags | bits::kP);
}

/// The canonical address whose index at each level, from the top level of `mode` down, is
/// `indices` (levels not given have index 0; the page offset is 0). E.g. {1, 2} under 4-level
/// paging is PML4 index 1, PDPT index 2: 0x0000'0080'8000'0000.
inline VirtAddr va_of_indices(PagingMode mode, std::initializer_list<unsigned> indices) {
  std::uint64_t bits = 0;
  Level l = top_level(mode);
  for (unsigned i : indices) {
    bits |= std::uint64_t{i} << index_shift(l);
    if (l == Level::kPt) break;
    l = child_level(l);
  }
  return canonicalize(bits, mode);
}

/// CR3 = root, CR4.LA57 as the mode says, everything else at PagingState's defaults
/// (NXE, WP, 1 GiB pages, MAXPHYADDR 52).
inline PagingState state_for_root(PhysAddr root, PagingMode mode) {
  PagingState s;
  s.cr3 = root.value();
  s.cr4_la57 = mode == PagingMode::k5Level;
  return s;
}

/// A flat physical image [0, size), as a raw dump or one PT_LOAD from 0 would hold it: each
/// 4 KiB page the builder holds below `size` at its address, zeros elsewhere. For builders
/// allocating from a low address (TableBuilder(0x1000)), so that the image stays small.
inline std::vector<unsigned char> flat_image(const TableBuilder& tb, std::uint64_t size) {
  std::vector<unsigned char> out(size, 0);
  const TableReader read = tb.reader();
  for (std::uint64_t pa = 0; pa + kTableBytes <= size; pa += kTableBytes)
    if (const std::optional<TableView> t = read(PhysAddr(pa))) std::memcpy(out.data() + pa, t->bytes(), kTableBytes);
  return out;
}

}  // namespace ptv::test
