#include "verifier/report/text.h"

#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "models/format.h"
#include "verifier/base/printable.h"

namespace ptv {

namespace {

std::string page_size_name(std::optional<std::uint64_t> ps) {
  if (!ps) return "?";
  return format_size(*ps);
}

}  // namespace

void write_mapping_set_text(const MappingSet& m, std::ostream& os) {
  os << "# " << printable(m.format_shown()) << " " << printable(m.source) << " (" << to_string(m.mode)
     << "): " << decimal(m.runs.size()) << " runs";
  if (!m.unknown.empty()) os << ", " << decimal(m.unknown.size()) << " unknown ranges";
  if (!m.faults.empty()) os << ", " << decimal(m.faults.size()) << " faulting ranges";
  os << '\n';
  os << "# start              end (exclusive)      size        rights  page  phys (first page)  flags\n";
  for (const Run& r : m.runs) {
    os << hex16(r.range.first.value()) << '-' << hex_end(r.range) << ' ' << std::setw(10)
       << format_size(r.range.size_or_zero()) << "  " << rights_text(r) << "    " << std::setw(4)
       << page_size_name(r.page_size) << "  " << (r.phys ? hex16(r.phys->value()) : std::string("        ?         "));
    if (r.global == Tri::kYes) os << " G";
    if (r.pwt.value_or(false)) os << " PWT";
    if (r.pcd.value_or(false)) os << " PCD";
    if (r.pat.value_or(false)) os << " PAT";
    if (r.pkey.value_or(0)) os << " pk=" << *r.pkey;
    os << '\n';
  }
  for (const UnknownRange& u : m.unknown)
    os << hex16(u.range.first.value()) << '-' << hex_end(u.range) << ' ' << std::setw(10)
       << format_size(u.range.size_or_zero()) << "  unknown: " << printable(u.reason) << '\n';
  for (const FaultRange& f : m.faults)
    os << hex16(f.range.first.value()) << '-' << hex_end(f.range) << ' ' << std::setw(10)
       << format_size(f.range.size_or_zero()) << "  faults: " << level_name(f.level) << " entry at " << f.entry << " = "
       << hex16(f.raw) << " sets reserved " << describe_reserved(f.reserved, f.level) << '\n';
  for (const SelfReference& s : m.self_refs)
    os << "# " << (s.recursive_slot ? "recursive slot" : "ancestor reference") << ": " << level_name(s.level) << '['
       << s.index << "] at " << s.entry_address << " -> " << s.target << ", translating " << s.range << '\n';
  for (const std::string& n : m.notes) os << "# note: " << printable(n) << '\n';
  for (const Fact& f : m.facts)
    os << "# fact: " << fact_name(f.id) << " = " << printable(f.value) << " (" << to_string(f.source) << ": "
       << printable(f.origin) << ")" << (f.source == FactSource::kAssumed && !f.matters ? "; changes nothing here" : "")
       << '\n';
}

void write_walk_text(const WalkResult& w, const PagingState& s, std::ostream& os) {
  os << "walk " << w.va << " (" << to_string(s.mode()) << ")\n";
  for (const WalkStep& st : w.path) {
    char idx[8];
    std::snprintf(idx, sizeof idx, "%3u", st.index);
    os << "  " << std::left << std::setw(5) << level_name(st.level) << std::right << " table " << st.table << " ["
       << idx << "] entry " << st.entry_address << " = " << hex16(st.entry.raw()) << "  " << describe(st.entry, s)
       << '\n';
  }
  os << "  => " << to_string(w.outcome);
  if (w.translation) os << ": " << w.translation->pa << " (" << w.translation->attributes << ")";
  if (w.outcome == WalkOutcome::kReservedBit && !w.path.empty())
    os << ": " << describe_reserved(w.reserved_bits, w.path.back().level);
  if (w.missing_table) os << ": " << *w.missing_table;
  os << '\n';
}

void write_walk_json(const WalkResult& w, const PagingState& s, std::ostream& os, const SymbolHit* symbol) {
  nlohmann::ordered_json j;
  j["address"] = hex16(w.va.value());
  if (symbol) j["symbol"] = {{"symbol", symbol->symbol}, {"section", symbol->section}};
  j["mode"] = to_string(s.mode());
  j["outcome"] = to_string(w.outcome);
  auto& path = j["walk"] = nlohmann::ordered_json::array();
  for (const WalkStep& st : w.path) {
    nlohmann::ordered_json e;
    e["level"] = level_name(st.level);
    e["table"] = hex16(st.table.value());
    e["index"] = st.index;
    e["entry_address"] = hex16(st.entry_address.value());
    e["raw"] = hex16(st.entry.raw());
    e["decoded"] = describe(st.entry, s);
    e["present"] = st.entry.p();
    e["leaf"] = st.entry.p() && st.entry.leaf();
    path.push_back(e);
  }
  if (w.translation) {
    const Attributes& a = w.translation->attributes;
    j["phys"] = hex16(w.translation->pa.value());
    j["frame"] = hex16(w.translation->frame.value());
    j["page_size"] = a.page_size();
    j["writable"] = a.writable;
    j["user"] = a.user;
    j["executable"] = a.executable;
    j["global"] = a.global;
    j["pkey"] = a.pkey;
    j["pwt"] = a.pwt;
    j["pcd"] = a.pcd;
    j["pat"] = a.pat;
  }
  if (w.outcome == WalkOutcome::kReservedBit) j["reserved_bits"] = hex16(w.reserved_bits);
  if (w.missing_table) j["missing_table"] = hex16(w.missing_table->value());
  os << j.dump(2) << '\n';
}

}  // namespace ptv
