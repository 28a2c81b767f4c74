// What a mapping set rests on besides the entries it was read from: the processor state that
// changes what an entry means, which table and which vCPU were walked, and what the format
// cannot show. Every verdict lists these (docs/check.md, "Assumptions").
//
// A fact is read from the dump, stated by the user (a flag confirms it), assumed (neither: the
// rights and translations that depend on it are unknown in the mapping set, never guessed), or a
// blind spot of the format. No fact's default can turn a rule into a pass: a rule that depends
// on an assumed fact where it matters is undecided.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptv {

enum class FactId : std::uint8_t {
  kPagingMode,    ///< CR4.LA57: 4- or 5-level paging
  kWp,            ///< CR0.WP: supervisor writes honour R/W
  kSmep,          ///< CR4.SMEP: no supervisor fetch from user pages
  kSmap,          ///< CR4.SMAP: no supervisor data access to user pages while EFLAGS.AC = 0
  kPge,           ///< CR4.PGE: the G bit is honoured
  kPke,           ///< CR4.PKE / PKS: protection keys
  kNxe,           ///< EFER.NXE: bit 63 is XD (else reserved)
  kMaxPhyAddr,    ///< MAXPHYADDR: bits above it are reserved
  kPage1G,        ///< CPUID pdpe1gb: PS in a PDPTE maps 1 GiB (else reserved)
  kTopTable,      ///< which top-level table was walked (PTI kernel or user copy)
  kVcpu,          ///< which vCPU's registers were used
  kReservedBits,  ///< text formats: no entry sets a reserved bit (they cannot show it)
  kUpperLevels,   ///< text formats: rights the upper levels may withhold
};

enum class FactSource : std::uint8_t {
  kDump,     ///< read from the dump or a file of the same moment (registers, cpuinfo)
  kFlag,     ///< stated by the user on the command line
  kAssumed,  ///< neither: the value is unknown; what depends on it is left undecided
  kBlind,    ///< the format cannot show it: what depends on it is undecided
};

struct Fact {
  FactId id;
  FactSource source;
  std::string value;   ///< e.g. "1", "40 bits", "kernel copy at 0x625c000", "unknown"
  std::string origin;  ///< where it was read or stated: "registers.txt:22", "--wp", ...
  /// Assumed facts only: whether the other value would change this dump's translations or
  /// rights (set by the raw walk when it compares both values; text formats leave it true).
  bool matters = true;
  bool operator==(const Fact&) const = default;
};

[[nodiscard]] std::string_view fact_name(FactId id);  // "CR0.WP", "MAXPHYADDR", ...
[[nodiscard]] std::string_view fact_key(FactId id);   // "cr0.wp", "maxphyaddr": JSON ids
[[nodiscard]] std::optional<FactId> fact_from_key(std::string_view key);
[[nodiscard]] std::string_view to_string(FactSource s);  // "dump", "flag", "assumed", "blind"
[[nodiscard]] std::optional<FactSource> fact_source_from(std::string_view s);
/// How to state the fact on the command line, e.g. "--wp or --no-wp"; empty when no flag does.
[[nodiscard]] std::string_view fact_flag_hint(FactId id);

/// The fact with this id, if the list has it.
[[nodiscard]] const Fact* find_fact(const std::vector<Fact>& facts, FactId id);
/// Adds or replaces the fact with f's id.
void set_fact(std::vector<Fact>& facts, Fact f);
/// True when the fact is known: read from the dump or stated by a flag.
[[nodiscard]] bool fact_known(const Fact& f);

}  // namespace ptv
