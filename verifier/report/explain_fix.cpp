// propose_fix(): the entry change that removes a violation, from the report alone.
#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

#include "models/entry.h"
#include "models/format.h"
#include "verifier/report/explain.h"
#include "verifier/report/explain_fix_parts.h"
#include "verifier/report/text.h"

namespace ptv {

namespace {

using check::RuleId;
using check::Violation;
using check::WalkLevel;

// ---- building fixes ---------------------------------------------------------------------------

/// Sets `set` and clears `clear` in walk entry i; merges with an earlier change of that entry.
void change(Fix& f, const Violation& v, std::size_t i, std::uint64_t set, std::uint64_t clear,
            const std::string& what) {
  for (EntryChange& c : f.changes) {
    if (c.level != i) continue;
    c.after = (c.after | set) & ~clear;
    c.what += ", " + what;
    return;
  }
  f.changes.push_back(EntryChange{i, v.walk[i].raw, (v.walk[i].raw | set) & ~clear, what});
}

/// "0x... -> 0x... (XD (bit 63) 0 -> 1)" for entry i changed by set/clear.
std::string concrete(const Violation& v, const std::vector<Entry>& walk, std::size_t i, std::uint64_t set,
                     std::uint64_t clear) {
  const std::uint64_t after = (walk[i].raw() | set) & ~clear;
  return entry_at(v, i) + ": " + hex16(walk[i].raw()) + " -> " + hex16(after) + " (" + bit_changes(walk[i], after) +
         ')';
}

/// Notes on the rest of the range: how many pages share the leaf's problem, and the highest
/// table entry whose whole span lies inside the range (one change there covers all of it).
/// Removing a right or the P bit at an upper level removes it for everything below: the
/// effective rights are the AND over the walk [SDM 3A §4.6.1].
void scope_notes(Fix& f, const Violation& v, const std::vector<Entry>& walk, std::size_t leaf, std::uint64_t set,
                 std::uint64_t clear, const std::string& what) {
  const std::uint64_t page = walk[leaf].span();
  const std::uint64_t size = v.range.size_or_zero();
  if (size != 0 && size <= page) return;
  const std::string pages = size == 0 ? "2^64 bytes" : decimal(size / page) + " pages of " + format_size(page);
  f.notes.push_back("the range holds " + pages +
                    ": each leaf mapping it needs the same change (`ptverify walk` "
                    "shows any address's entry)");
  for (std::size_t i = 0; i < leaf; ++i) {
    const std::uint64_t span = walk[i].span();
    const VirtAddr first = v.address.align_down(span);
    if (!v.range.contains(VirtRange::from_size(first, span))) continue;
    f.notes.push_back("one change covers the " + format_size(span) + " at " + hex16(first.value()) +
                      " inside the range: " + what + " in the " + concrete(v, walk, i, set, clear));
    return;
  }
}

/// The common shape: one change to the leaf, with its scope; words alone without a walk.
Fix leaf_fix(const Violation& v, const std::vector<Entry>& walk, const std::string& why, std::uint64_t set,
             std::uint64_t clear, const std::string& what) {
  Fix f;
  const auto leaf = leaf_of(walk);
  if (!leaf) {
    f.summary = why + ": " + what + " in the leaf entry that maps the range";
    return f;
  }
  f.summary = why + ": " + what + " in the " + entry_at(v, *leaf);
  change(f, v, *leaf, set, clear, what);
  scope_notes(f, v, walk, *leaf, set, clear, what);
  return f;
}

const std::string kSetXd = "set XD (bit 63)";
const std::string kClearRw = "clear R/W (bit 1)";
const std::string kClearUs = "clear U/S (bit 2)";
const std::string kClearP = "clear P (bit 0)";

Fix fix_wx(const Violation& v, const std::vector<Entry>& walk) {
  Fix f = leaf_fix(v, walk, "make the page non-executable", bits::kXd, 0, kSetXd);
  const bool rw_everywhere = std::all_of(walk.begin(), walk.end(), [](const Entry& e) { return e.r_w(); });
  if (!walk.empty() && !rw_everywhere)
    // [SDM 3A §4.6.1] An entry already clears R/W: the page is writable only because CR0.WP = 0
    // lets supervisor writes ignore R/W. No entry change makes it read-only.
    f.notes.push_back(
        "or, if the code must stay executable: the walk already clears R/W, and the page is writable "
        "only because CR0.WP = 0 lets the supervisor ignore R/W; set CR0.WP");
  else if (const auto leaf = leaf_of(walk))
    f.notes.push_back("or, if the code must stay executable, make it read-only: " + kClearRw + " in the " +
                      concrete(v, walk, *leaf, 0, bits::kRW));
  else
    f.notes.push_back("or, if the code must stay executable, make it read-only: " + kClearRw + " in the leaf");
  f.notes.push_back("XD takes effect only with EFER.NXE = 1 [SDM 3A §4.6.1]");
  return f;
}

/// Supervisor page in the user half: every entry lacking U/S must set it.
Fix fix_supervisor(const Violation& v, const std::vector<Entry>& walk) {
  Fix f;
  const auto leaf = leaf_of(walk);
  if (!leaf) {
    f.summary =
        "make the page user-accessible: set U/S (bit 2) in every entry of its walk that clears it, or "
        "unmap it if user space must not see it";
    return f;
  }
  for (std::size_t i = 0; i < walk.size(); ++i)
    if (!walk[i].u_s()) change(f, v, i, bits::kUS, 0, "set U/S (bit 2)");
  f.summary = "make the page user-accessible: set U/S (bit 2) in every entry of the walk that clears it";
  if (!f.changes.empty()) f.summary += ", the first being the " + entry_at(v, f.changes.front().level);
  if (f.changes.size() > 1 || (!f.changes.empty() && f.changes.front().level != *leaf))
    f.notes.push_back(
        "U/S in a table entry opens every leaf below it that sets U/S: check them with "
        "`ptverify mappings` after the change");
  f.notes.push_back("or, if user space must not see this page, unmap it: " + kClearP + " in the " +
                    concrete(v, walk, *leaf, 0, bits::kP));
  return f;
}

Fix fix_reserved(const Violation& v, const std::vector<Entry>& walk) {
  Fix f;
  std::size_t i = walk.size();
  for (std::size_t k = 0; k < v.walk.size() && k < walk.size(); ++k)
    if (v.walk[k].deciding) i = k;
  std::optional<std::uint64_t> mask;
  if (i < walk.size()) mask = parse_reserved(v.walk[i].deciding_bits);
  if (!mask) {
    f.summary =
        "clear the reserved bits the faulting entry sets (a present entry with a reserved bit set makes "
        "the walk fault)";
    return f;
  }
  const std::string what = "clear reserved " + describe_reserved(*mask, walk[i].level());
  f.summary = what + " in the " + entry_at(v, i) + " (a present entry with them set makes the walk fault)";
  change(f, v, i, 0, *mask, what);
  return f;
}

Fix fix_unmap(const Violation& v, const std::vector<Entry>& walk, const std::string& why) {
  Fix f = leaf_fix(v, walk, why, 0, bits::kP, kClearP);
  if (leaf_of(walk)) f.notes.push_back("a non-present entry's other bits are ignored; zeroing it unmaps it as well");
  return f;
}

/// Rights beyond what the region allows: remove each extra right in the leaf.
Fix fix_region_rights(const Violation& v, const std::vector<Entry>& walk) {
  const auto have = granted_rights(v.rights);
  const auto allowed = parse_listed_rights(v.message, "allows (");
  Fix f;
  if (!have || !allowed) {
    f.summary = "remove the rights region " + v.region + " does not allow, in the leaf entry (R/W, U/S, XD, G)";
    return f;
  }
  std::uint64_t set = 0, clear = 0;
  std::string what, extra;
  auto add = [&](bool extra_right, const char* name, std::uint64_t s, std::uint64_t c, const std::string& w) {
    if (!extra_right) return;
    set |= s;
    clear |= c;
    what += (what.empty() ? "" : ", ") + w;
    extra += (extra.empty() ? "" : ", ") + std::string(name);
  };
  add(have->writable && !allowed->writable, "writable", 0, bits::kRW, kClearRw);
  add(have->executable && !allowed->executable, "executable", bits::kXd, 0, kSetXd);
  add(have->user && !allowed->user, "user", 0, bits::kUS, kClearUs);
  add(have->global && !allowed->global, "global", 0, bits::kG, "clear G (bit 8)");
  if (what.empty()) {
    f.summary = "remove the rights region " + v.region + " does not allow, in the leaf entry";
    return f;
  }
  const std::string why = "remove the rights region " + v.region + " does not allow (" + extra + ")";
  f = leaf_fix(v, walk, why, set, clear, what);
  // G exists only in leaves, so the one-change-covers-all note does not apply to it.
  if (clear & bits::kG) std::erase_if(f.notes, [](const std::string& n) { return n.starts_with("one change"); });
  return f;
}

/// Rights the region requires but the translation lacks: grant each at every level lacking it.
Fix fix_required_rights(const Violation& v, const std::vector<Entry>& walk) {
  const auto have = granted_rights(v.rights);
  const auto required = parse_listed_rights(v.message, "requires (");
  Fix f;
  f.summary = "grant the rights region " + v.region + " requires";
  const auto leaf = leaf_of(walk);
  if (!have || !required) {
    f.summary += ": set R/W or U/S, or clear XD, in every entry of the walk that withholds them";
    return f;
  }
  std::string missing;
  auto need = [&](bool lacking, const char* name) {
    if (lacking) missing += (missing.empty() ? "" : ", ") + std::string(name);
    return lacking;
  };
  const bool w = need(required->writable && !have->writable, "writable");
  const bool x = need(required->executable && !have->executable, "executable");
  const bool u = need(required->user && !have->user, "user");
  const bool g = need(required->global && !have->global, "global");
  f.summary += " (" + missing + ")";
  if (!leaf) {
    f.summary +=
        ": in every entry of the walk, set R/W (writable) and U/S (user), clear XD (executable); set G "
        "in the leaf (global)";
    return f;
  }
  for (std::size_t i = 0; i < walk.size(); ++i) {
    if (w && !walk[i].r_w()) change(f, v, i, bits::kRW, 0, "set R/W (bit 1)");
    if (u && !walk[i].u_s()) change(f, v, i, bits::kUS, 0, "set U/S (bit 2)");
    if (x && walk[i].xd_bit()) change(f, v, i, 0, bits::kXd, "clear XD (bit 63)");
  }
  if (g) change(f, v, *leaf, bits::kG, 0, "set G (bit 8)");
  f.summary += ": change every entry of the walk that withholds them";
  if (!f.changes.empty()) f.summary += ", starting with the " + entry_at(v, f.changes.front().level);
  if (w || u || x) f.notes.push_back("a right granted in a table entry is granted to every leaf below it that has it");
  return f;
}

Fix fix_required_mapped(const Violation& v, const std::vector<Entry>& walk) {
  Fix f;
  if (walk.empty() || walk.back().p()) {
    f.summary = "map the range: it must be mapped, and the dump does not map it";
    return f;
  }
  const std::size_t i = walk.size() - 1;
  f.summary = "map the range: the walk stops at the non-present " + entry_at(v, i) +
              "; point it at a page table or a frame (the report cannot choose one) and set P (bit 0)";
  return f;
}

/// Page size not allowed: split a large page into the next size down (or, for 4 KiB pages in a
/// region that wants large ones, map with larger pages).
Fix fix_page_size(const Violation& v, const std::vector<Entry>& walk) {
  Fix f;
  const auto leaf = leaf_of(walk);
  if (!leaf) {
    f.summary = "map the range with a page size region " + v.region +
                " allows (split a large page into a table "
                "of smaller ones, or merge small pages into a large one)";
    return f;
  }
  const Entry& e = walk[*leaf];
  if (e.level() == Level::kPt) {
    f.summary =
        "map the range with larger pages: replace the page table under the PD entry by one 2M leaf "
        "(needs 512 contiguous frames, 2M-aligned, with equal attributes)";
    return f;
  }
  // [SDM 3A §4.5, the PDPTE, PDE and PTE formats]: a large leaf keeps PAT in bit 12 and its frame from bit 21 (or
  // 30); a 4 KiB PTE keeps PAT in bit 7 and its frame from bit 12. Table entries keep P, R/W,
  // U/S, PWT, PCD, A and XD, and the address of the next table.
  PageSplit s;
  s.level = *leaf;
  s.table_entry = e.raw() & (bits::kP | bits::kRW | bits::kUS | bits::kPwt | bits::kPcd | bits::kA | bits::kXd);
  if (e.level() == Level::kPd) {
    s.first_child =
        (e.raw() & ~(bits::kPsOrPat7 | bits::kPatOrAddr12)) | (e.pat().value_or(false) ? bits::kPsOrPat7 : 0);
  } else {
    s.first_child = e.raw();
  }
  s.child_level = child_level(e.level());  // PT under a 2 MiB leaf, PD under a 1 GiB one
  s.child_stride = entry_span(s.child_level);
  f.summary = "split the " + format_size(e.span()) + " page: the " + entry_at(v, *leaf) +
              " becomes a pointer to a new " + std::string(level_name(s.child_level)) +
              " whose 512 entries map the same frames as " + format_size(s.child_stride) + " pages";
  f.split = s;
  if (s.child_level == Level::kPd)
    f.notes.push_back("if region " + v.region + " allows only 4K pages, split each 2M page of the new PD again");
  return f;
}

Fix fix_recursive(const Violation& v, const std::vector<Entry>& walk) {
  Fix f;
  if (walk.empty()) {
    f.summary =
        "make the top-level entry the spec names point back to the root table (CR3's table) with P and R/W "
        "set and U/S clear";
    return f;
  }
  std::size_t i = 0;
  for (std::size_t k = 0; k < v.walk.size(); ++k)
    if (v.phys && v.walk[k].entry_address == *v.phys) i = k;
  f.summary = "remove the recursive slot: clear the " + entry_at(v, i) + " (it points back to the root table)";
  f.changes.push_back(EntryChange{i, walk[i].raw(), 0, "clear the entry"});
  return f;
}

/// "... and writable at V0x... (leaf entries P0x... and P0x...)": the writable alias.
std::string writable_alias(const std::string& message) {
  const std::size_t at = message.find("writable at ");
  const std::size_t and_at = message.rfind(" and ");
  if (at == std::string::npos || and_at == std::string::npos || and_at < at) return "its leaf entry";
  const std::string va = message.substr(at + 12, message.find(' ', at + 12) - (at + 12));
  std::string entry = message.substr(and_at + 5);
  if (!entry.empty() && entry.back() == ')') entry.pop_back();
  return "its leaf entry at " + entry + " (`ptverify walk DUMP " + va + "` shows its value)";
}

Fix fix_aliases(const Violation& v, const std::vector<Entry>& walk) {
  Fix f = leaf_fix(v, walk, "make the executable alias non-executable", bits::kXd, 0, kSetXd);
  f.notes.push_back("or make the writable alias read-only: " + kClearRw + " in " + writable_alias(v.message));
  return f;
}

Fix fix_exposure(const Violation& v, const std::vector<Entry>& walk) {
  if (v.message.find("user-accessible") != std::string::npos)
    return leaf_fix(v, walk, "keep user space away from the page-table frame", 0, bits::kUS, kClearUs);
  Fix f = leaf_fix(v, walk, "make the page-table frame read-only here", 0, bits::kRW, kClearRw);
  f.notes.push_back("or map page-table frames only inside a region allowed to (the direct map, a recursive slot)");
  return f;
}

/// The entry whose bits decide the violation. check marks it (verifier/checks/replay.cpp); for rules decided by frames
/// or ancestors rather than by rights it marks the leaf with the generic "P=1". There the entry the fix changes, and
/// the bits the fix flips, name the cause better.
void mark_deciding(Fix& f, const Violation& v, const std::vector<Entry>& walk) {
  std::optional<std::pair<std::size_t, std::string>> marked;
  for (std::size_t k = 0; k < v.walk.size(); ++k)
    if (v.walk[k].deciding) marked = std::pair(k, v.walk[k].deciding_bits);
  const bool presence = v.rule == RuleId::kNullGuard || v.rule == RuleId::kGuardUnmapped ||
                        v.rule == RuleId::kOutsideRegions || v.rule == RuleId::kRequiredMapped;
  if (marked && (presence || marked->second != "P=1")) {
    f.deciding = marked->first;
    f.deciding_bits = marked->second;
    return;
  }
  if (v.rule == RuleId::kRecursiveSlot && !f.changes.empty()) {
    f.deciding = f.changes.front().level;
    f.deciding_bits = "its address is the root table's";
    return;
  }
  if (!f.changes.empty() && walk.size() == v.walk.size()) {
    const EntryChange& c = f.changes.front();
    std::string named;
    for (unsigned b = 64; b-- > 0;) {
      if (!(((c.before ^ c.after) >> b) & 1)) continue;
      named += (named.empty() ? "" : ", ") + bit_mnemonic(b, walk[c.level]).value_or("bit " + std::to_string(b)) + '=' +
               (((c.before >> b) & 1) ? '1' : '0');
    }
    f.deciding = c.level;
    f.deciding_bits = named;
    return;
  }
  if (f.split) {
    f.deciding = f.split->level;
    f.deciding_bits = "PS=1";
    return;
  }
  if (marked) {
    f.deciding = marked->first;
    f.deciding_bits = marked->second;
  }
}

Fix fix_for_rule(const Violation& v, const std::vector<Entry>& walk) {
  switch (v.rule) {
    case RuleId::kCanonical: {
      Fix f;
      f.summary =
          "no page table can translate a non-canonical address: the dump itself is wrong here (fix the "
          "source that produced it)";
      return f;
    }
    case RuleId::kNullGuard:
      return fix_unmap(v, walk, "unmap the page below the null guard");
    case RuleId::kUserKernelSplit: {
      Fix f = leaf_fix(v, walk, "make the page supervisor-only", 0, bits::kUS, kClearUs);
      f.notes.push_back(
          "U/S = 0 at any level of the walk is enough [SDM 3A §4.6.1]; the leaf changes this page "
          "only");
      return f;
    }
    case RuleId::kSupervisorInUserHalf:
      return fix_supervisor(v, walk);
    case RuleId::kWx:
      return fix_wx(v, walk);
    case RuleId::kRegionRights:
      return fix_region_rights(v, walk);
    case RuleId::kRegionRequiredRights:
      return fix_required_rights(v, walk);
    case RuleId::kRequiredMapped:
      return fix_required_mapped(v, walk);
    case RuleId::kGuardUnmapped:
      return fix_unmap(v, walk, "unmap the page from the guard");
    case RuleId::kOutsideRegions:
      return fix_unmap(v, walk, "unmap the page, or add a region for it to the spec");
    case RuleId::kPageSize:
      return fix_page_size(v, walk);
    case RuleId::kReservedBits:
      return fix_reserved(v, walk);
    case RuleId::kRecursiveSlot:
      return fix_recursive(v, walk);
    case RuleId::kConflictingAliases:
      return fix_aliases(v, walk);
    case RuleId::kPageTableExposure:
      return fix_exposure(v, walk);
    case RuleId::kPhysicalLayout: {
      Fix f;
      f.summary = "point the leaf entry at the frame region " + v.region +
                  "'s physical layout names (the message gives it), or unmap the page";
      return f;
    }
  }
  Fix f;
  f.summary = "no fix is known for this rule";
  return f;
}

}  // namespace

Fix propose_fix(const Violation& v) {
  const std::vector<Entry> walk = decode_walk(v);
  Fix f = fix_for_rule(v, walk);
  if (!v.walk.empty()) mark_deciding(f, v, walk);
  return f;
}

std::string describe_bit_changes(const WalkLevel& entry, std::uint64_t after) {
  return bit_changes(Entry(entry.raw, entry.level.value_or(Level::kPt)), after);
}

}  // namespace ptv
