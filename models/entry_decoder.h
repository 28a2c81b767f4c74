// Decoding the entries of one table under one rights context, once per distinct combination of
// flag bits. Internal to the walk (models/walk.cpp): the single-address walk() decodes with
// Entry directly.
#pragma once

#include <cstdint>

#include "models/entry.h"
#include "models/paging_mode.h"
#include "models/paging_state.h"
#include "models/rights.h"
#include "models/table_reader.h"

namespace ptv {

// Whether an entry faults (reserved bits), whether it is a leaf, and a leaf's effective
// attributes depend on the raw value only through the bits outside its address field [SDM 3A
// Tables 4-15 to 4-20: the address field holds no flag and no reserved bit], so the decoder
// remembers the last combination of those bits: the neighbouring entries of a table almost
// always share it, and a table of 512 alike leaves costs one decode.
class EntryDecoder {
 public:
  struct Decoded {
    std::uint64_t reserved = 0;  ///< Entry::reserved_bits_set
    bool leaf = false;           ///< Entry::leaf
    Attributes attributes;       ///< effective_attributes; set when leaf && reserved == 0
  };

  EntryDecoder(const PagingState& s, Level level, AccumulatedRights above) : state_(s), level_(level), above_(above) {
    // Entry::address selects bits of the raw value; which ones depends only on bit 7 (PS).
    address_mask_[0] = Entry(~bits::kPsOrPat7, level).address(s).value();
    address_mask_[1] = Entry(~std::uint64_t{0}, level).address(s).value();
  }

  /// The raw value without its address bits: equal keys decode alike.
  [[nodiscard]] std::uint64_t key(std::uint64_t raw) const { return raw & ~address_mask(raw); }
  /// Entry(raw, level).address(state).value().
  [[nodiscard]] std::uint64_t address(std::uint64_t raw) const { return raw & address_mask(raw); }

  /// The first index at or after `from` whose entry does not decode like `key` (a key of a
  /// present entry: P is outside the address bits, so a match is present too); 512 if none.
  /// One mask serves every entry: the key's own bit 7 (PS) picks it, and an entry whose bit 7
  /// differs cannot match under either mask, since bit 7 is never an address bit. So the loop
  /// is a plain masked compare, four entries at a time: a table of alike leaves is one pass at
  /// about the speed of reading it.
  [[nodiscard]] unsigned alike_until(const TableView& view, unsigned from, std::uint64_t key) const {
    const std::uint64_t m = ~address_mask(key);
    unsigned j = from;
    for (; j + 4 <= kEntriesPerTable; j += 4) {
      const std::uint64_t differ =
          ((view[j] & m) ^ key) | ((view[j + 1] & m) ^ key) | ((view[j + 2] & m) ^ key) | ((view[j + 3] & m) ^ key);
      if (differ) break;
    }
    while (j < kEntriesPerTable && (view[j] & m) == key) ++j;
    return j;
  }

  /// Requires: raw has P set.
  const Decoded& decode(std::uint64_t raw) {
    const std::uint64_t k = key(raw);
    // Two remembered combinations: runs whose rights alternate (a read-only page between
    // writable ones, guard-page patterns) hit one or the other.
    if (used_[0] && k == key_[0]) return decoded_[0];
    if (used_[1] && k == key_[1]) return decoded_[1];
    const unsigned slot = next_;
    next_ ^= 1;
    const Entry e(raw, level_);
    Decoded& d = decoded_[slot];
    d.reserved = e.reserved_bits_set(state_);
    d.leaf = e.leaf();
    if (d.leaf && d.reserved == 0) d.attributes = effective_attributes(above_, e, state_);
    key_[slot] = k;
    used_[slot] = true;
    return d;
  }

 private:
  [[nodiscard]] std::uint64_t address_mask(std::uint64_t raw) const { return address_mask_[(raw >> 7) & 1]; }

  const PagingState& state_;
  Level level_;
  AccumulatedRights above_;
  std::uint64_t address_mask_[2];
  bool used_[2] = {false, false};
  std::uint64_t key_[2] = {0, 0};
  unsigned next_ = 0;  // the slot a miss overwrites
  Decoded decoded_[2];
};

}  // namespace ptv
