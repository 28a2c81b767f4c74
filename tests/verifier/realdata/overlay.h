// Copy-on-write pages over a core's reader, for fault injection: a test changes entries of a
// real (sliced) core without touching the file. Pages the core does not hold start as zeros, so
// a test can also add a table (e.g. for a page split).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>

#include "models/table_reader.h"

namespace ptv::test {

class Overlay {
 public:
  explicit Overlay(TableReader base) : base_(std::move(base)) {}
  void set(PhysAddr entry, std::uint64_t raw) {
    const std::uint64_t page = entry.value() & ~0xfffull;
    auto it = pages_.find(page);
    if (it == pages_.end()) {
      std::array<unsigned char, 4096> copy{};
      if (const auto view = base_(PhysAddr(page))) std::memcpy(copy.data(), view->bytes(), 4096);
      it = pages_.emplace(page, copy).first;
    }
    std::memcpy(it->second.data() + (entry.value() & 0xfff), &raw, 8);
  }
  [[nodiscard]] std::uint64_t get(PhysAddr entry) const {
    const auto view = reader()(PhysAddr(entry.value() & ~0xfffull));
    return view ? (*view)[static_cast<unsigned>((entry.value() & 0xfff) / 8)] : 0;
  }
  [[nodiscard]] TableReader reader() const {
    return [this](PhysAddr pa) -> std::optional<TableView> {
      if (auto it = pages_.find(pa.value()); it != pages_.end()) return TableView(it->second.data());
      return base_(pa);
    };
  }

 private:
  TableReader base_;
  std::map<std::uint64_t, std::array<unsigned char, 4096>> pages_;
};

}  // namespace ptv::test
