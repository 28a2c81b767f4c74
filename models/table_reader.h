// How the walker reads memory: a callable that returns the 512 entries of the table at a
// physical address, or nothing when any byte of that 4 KiB lies outside the memory the source
// holds. Readers of ELF cores and raw images implement it; tests implement it over an
// in-memory table builder (tests/models/table_builder.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>

#include "models/address.h"
#include "models/paging_mode.h"

namespace ptv {

/// A read-only view of one 4 KiB paging structure. Entries are read with memcpy, so the
/// bytes need no alignment. Requires: the 4096 bytes stay valid while the view is used.
class TableView {
 public:
  explicit TableView(const unsigned char* bytes) : bytes_(bytes) {}
  /// Requires: index < 512. The entry with the view's cleared bits (cleared()) zeroed.
  [[nodiscard]] std::uint64_t operator[](unsigned index) const {
    std::uint64_t v;
    std::memcpy(&v, bytes_ + kEntryBytes * static_cast<std::size_t>(index), sizeof v);
    return v & ~clear_;  // x86 is little-endian; the dumps are of x86 memory.
  }
  /// The same bytes, with `mask` also cleared from every entry read (AMD SME's C-bit).
  [[nodiscard]] TableView cleared(std::uint64_t mask) const {
    TableView v = *this;
    v.clear_ |= mask;
    return v;
  }
  /// The raw bytes, with no bit cleared.
  [[nodiscard]] const unsigned char* bytes() const { return bytes_; }

 private:
  const unsigned char* bytes_;
  std::uint64_t clear_ = 0;
};

/// `view` with `mask` cleared from its entries; empty stays empty.
[[nodiscard]] inline std::optional<TableView> cleared(std::optional<TableView> view, std::uint64_t mask) {
  if (view && mask != 0) return view->cleared(mask);
  return view;
}

/// Requires: the argument is 4 KiB aligned. Empty: the table is not in the dumped memory.
using TableReader = std::function<std::optional<TableView>(PhysAddr)>;

}  // namespace ptv
