// The line grammar of Linux ptdump text (verifier/ingest/ptdump.h): each line parsed into an
// Item, checked on its own. ptdump.cpp builds the mapping set from the items (order, gaps,
// paging mode); this file knows nothing of the address space beyond one line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/address.h"
#include "verifier/base/text_scan.h"
#include "verifier/ingest/text_format.h"

namespace ptv::ptdump {

// Level names: 5.6+ prints {pgd, p4d, pud, pmd, pte} for levels 0..4; earlier kernels
// {cr3, pgd, p4d, pud, pmd, pte} for 0..5. Either way the name says the table level.
enum class PtLevel : std::uint8_t { kCr3, kPgd, kP4d, kPud, kPmd, kPte };

struct LevelName {
  std::string_view name;
  PtLevel level;
};
constexpr std::array<LevelName, 6> kLevelNames{{{"cr3", PtLevel::kCr3},
                                                {"pgd", PtLevel::kPgd},
                                                {"p4d", PtLevel::kP4d},
                                                {"pud", PtLevel::kPud},
                                                {"pmd", PtLevel::kPmd},
                                                {"pte", PtLevel::kPte}}};

/// Leaf page size of a present line at this level; empty where x86 has no leaves.
std::optional<std::uint64_t> leaf_size(PtLevel l);

// The flag field of a present entry (printk_prot), 30 characters of fixed-width tokens:
//   "USR "|"    "  "RW "|"ro "  "PWT "|"    "  "PCD "|"    "  "PSE "|"    "  "PAT "|"    "
//   "GLB "|"    "  "NX "|"x  "
// Kernels before the PAT column print 26. Not present: blanks only.
enum Flag : std::uint16_t {
  kUsr = 1u << 0,
  kRw = 1u << 1,
  kRo = 1u << 2,
  kPwt = 1u << 3,
  kPcd = 1u << 4,
  kPse = 1u << 5,
  kPat = 1u << 6,
  kGlb = 1u << 7,
  kNx = 1u << 8,
  kX = 1u << 9,
};
struct FlagToken {
  std::string_view text;
  Flag flag;
};
constexpr std::array<FlagToken, 10> kFlagTokens{{{"USR", kUsr},
                                                 {"RW", kRw},
                                                 {"ro", kRo},
                                                 {"PWT", kPwt},
                                                 {"PCD", kPcd},
                                                 {"PSE", kPse},
                                                 {"PAT", kPat},
                                                 {"GLB", kGlb},
                                                 {"NX", kNx},
                                                 {"x", kX}}};
constexpr std::size_t kFlagFieldWidth = 30;
constexpr std::size_t kFlagFieldWidthNoPat = 26;

struct Item {
  enum class Kind : std::uint8_t { kRange, kMarker, kElided } kind = Kind::kRange;
  std::uint64_t line = 0;
  std::size_t col = 1;  // of the start address, marker or "..."
  // kRange
  VirtRange range;
  bool present = false;  // any flag printed: the entry's P bit
  std::uint16_t flags = 0;
  bool absent_flags_known = true;  // false when a lenient skip makes "absent" unsure
  std::optional<bool> pat_column;  // the layout shows whether a PAT column exists
  PtLevel level = PtLevel::kPte;
  std::size_t level_col = 1;
  // kMarker
  std::string_view name;
  // kElided
  std::uint64_t skipped = 0;
};

struct Parsed {
  std::vector<Item> items;
  std::uint64_t other_dmesg_lines = 0;
  std::uint64_t lenient_skips = 0;
};

/// Consumes a dmesg prefix "<6>[    0.947197] " if there is one; returns whether it did.
/// Throws text::ParseFailure on a malformed prefix.
bool eat_dmesg_prefix(text::Cursor& c, const std::string& source, std::uint64_t line);

/// Whether `s` starts like a range line: "0x" + hex + "-0x" + hex + blank + more.
bool looks_like_range(std::string_view s);

/// Parses every line into items. Throws text::ParseFailure at the first malformed line.
Parsed parse_lines(std::string_view content, const std::string& source, const TextReadOptions& options);

}  // namespace ptv::ptdump
