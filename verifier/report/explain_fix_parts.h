// Reading a saved violation back for propose_fix() (explain_fix.cpp): its walk decoded at its
// levels, the SDM's names of entry bits, and the rights and reserved bits its text fields name.
// Internal to verifier/report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/entry.h"
#include "verifier/checks/result.h"

namespace ptv {

/// The walk's entries decoded at their levels; empty when the report has no walk or names a
/// level this code does not know (a hand-edited report: the fix is then told in words).
std::vector<Entry> decode_walk(const check::Violation& v);

/// Index of the walk's last entry when it is a present leaf (the walk reached a page).
std::optional<std::size_t> leaf_of(const std::vector<Entry>& walk);

/// The SDM's mnemonic of bit b of an entry at its level ("XD", "R/W", "PAT"); empty when the
/// bit has none there (address or ignored bits).
std::optional<std::string> bit_mnemonic(unsigned b, const Entry& e);

/// "XD (bit 63)", "bit 45".
std::string bit_name(unsigned b, const Entry& e);

/// "XD (bit 63) 0 -> 1, R/W (bit 1) 1 -> 0": every bit that differs.
std::string bit_changes(const Entry& before, std::uint64_t after);

/// "PT entry at 0x0000000004403008": walk entry i of v.
std::string entry_at(const check::Violation& v, std::size_t i);

struct RightSet {
  bool user = false, writable = false, executable = false, global = false;
};

/// The rights a violation's translation grants: from check's attribute class (user, the write
/// right its rights token shows, executable, global); from the text a read-back report kept
/// (parse_rights). Empty when the translation is not mapped, a right is unknown, or the rights
/// are an alias's.
std::optional<RightSet> granted_rights(const check::ViolationRights& r);

/// The rights of a rights text a report kept: "mapped urwx G page 4096" or "-rwx 2M". Empty
/// when no "?rwx" token is there or a right is unknown ('?').
std::optional<RightSet> parse_rights(const std::string& s);

/// The list after `key` in a message, as describe_violation writes it: "... allows (user,
/// writable): ..." or "... requires (none): ...".
std::optional<RightSet> parse_listed_rights(const std::string& message, std::string_view key);

/// Parses describe_reserved()'s text ("bits 51:40,XD(63),PS(7),bit 13") back into a mask.
std::optional<std::uint64_t> parse_reserved(std::string_view s);

}  // namespace ptv
