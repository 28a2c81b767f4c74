#include "verifier/ingest/phys_memory.h"

#include <algorithm>

#include "models/format.h"

namespace ptv {

bool PhysRange::contains(PhysAddr pa, std::uint64_t len) const {
  if (pa < start) return false;
  const std::uint64_t offset = pa - start;
  if (offset >= size) return false;
  return len <= size - offset;
}

std::optional<TableView> PhysMemory::table(PhysAddr pa) const {
  if (!pa.is_aligned(kTableBytes)) return std::nullopt;
  const std::optional<std::span<const unsigned char>> bytes = read(pa, kTableBytes);
  if (!bytes) return std::nullopt;
  return TableView(bytes->data());
}

TableReader PhysMemory::reader() const {
  return [this](PhysAddr pa) { return table(pa); };
}

std::uint64_t PhysMemory::bytes_held() const {
  std::uint64_t total = 0;
  for (const PhysRange& r : ranges()) total += r.size;
  return total;
}

std::string describe_ranges(std::span<const PhysRange> ranges, std::size_t max_ranges) {
  if (ranges.empty()) return "no memory";
  std::string out;
  const std::size_t shown = std::min(ranges.size(), max_ranges);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i != 0) out += ' ';
    out += "[" + hex(ranges[i].start.value()) + "-" + hex(ranges[i].last().value()) + "]";
  }
  if (shown < ranges.size()) out += " ... (" + std::to_string(ranges.size() - shown) + " more)";
  return out;
}

MappedPhysMemory::MappedPhysMemory(MappedFile file, std::vector<Segment> segments)
    : file_(std::move(file)), segments_(std::move(segments)) {
  ranges_.reserve(segments_.size());
  for (const Segment& s : segments_) ranges_.push_back(s.range);
}

std::optional<std::span<const unsigned char>> MappedPhysMemory::read(PhysAddr pa, std::size_t len) const {
  // The segment with the greatest start <= pa is the only one that can hold pa.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), pa,
                             [](PhysAddr a, const Segment& s) { return a < s.range.start; });
  if (it == segments_.begin()) return std::nullopt;
  const Segment& seg = *std::prev(it);
  if (!seg.range.contains(pa, len)) return std::nullopt;
  const std::optional<std::uint64_t> offset = checked_add(seg.file_offset, pa - seg.range.start);
  if (!offset) return std::nullopt;
  const std::optional<ByteView> bytes = file_.bytes().sub(*offset, len);
  if (!bytes) return std::nullopt;
  return bytes->span();
}

}  // namespace ptv
