#include "agreement.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"

namespace ptv::oracle {

namespace {
spec::ParameterValues single_values(const spec::Spec& s);
}  // namespace

PagingState paging_state(const Machine& m) {
  PagingState s;
  s.cr3 = m.root;
  s.cr4_la57 = m.levels == 5;
  s.cr0_wp = m.cpu.cr0_wp;
  s.cr4_smep = m.cpu.cr4_smep;
  s.cr4_smap = m.cpu.cr4_smap;
  s.cr4_pge = m.cpu.cr4_pge;
  s.cr4_pke = m.cpu.cr4_pke;
  s.cr4_pks = m.cpu.cr4_pks;
  s.efer_nxe = m.cpu.efer_nxe;
  s.maxphyaddr = m.cpu.maxphyaddr;
  s.page_1gb = m.cpu.page_1gb;
  return s;
}

TableReader table_reader(const Machine& m) {
  return [&m](PhysAddr pa) -> std::optional<TableView> {
    const auto it = m.memory.find(pa.value());
    if (it == m.memory.end()) return std::nullopt;
    return TableView(reinterpret_cast<const unsigned char*>(it->second.data()));
  };
}

std::variant<check::CheckResult, std::string> check_machine(const Machine& m, const spec::Spec& s, bool sweep) {
  const PagingState state = paging_state(m);
  const TableReader reader = table_reader(m);
  const auto space = enumerate_address_space(state, reader);
  if (!space.ok()) return "walk failed: " + space.error().message;
  const MappingSet ms = to_mapping_set(*space, state, "elf-core", "random");
  const check::RawContext raw{state, reader, std::nullopt, &*space};
  check::CheckOptions opts;
  opts.max_violations = 100'000;
  opts.sweep = sweep;
  const spec::ParameterValues values = single_values(s);
  for (std::size_t i = 0; i < s.parameters.size(); ++i) opts.fixed_parameters[s.parameters[i].name] = values[i];
  check::CheckOutcome o = check::run_check(ms, s, &raw, opts);
  if (const auto* e = std::get_if<check::InternalError>(&o)) return "internal error: " + e->message;
  if (const auto* b = std::get_if<check::BadInput>(&o)) return "bad input: " + b->message;
  return std::move(std::get<check::CheckResult>(o));
}

namespace {

/// The one value each parameter of a concrete spec allows.
spec::ParameterValues single_values(const spec::Spec& s) {
  spec::ParameterValues v;
  for (const spec::Parameter& p : s.parameters) v.push_back(p.values.empty() ? p.min : p.values.front());
  return v;
}

struct CheckAnswer {
  std::string status;
  IntervalSet set;
  std::vector<std::string> messages;  ///< the first few violations' messages
};

/// run_check's answer per rule name, or an error text.
std::variant<std::map<std::string, CheckAnswer>, std::string> run_real_check(const oracle::Machine& m,
                                                                             const spec::Spec& s) {
  const auto checked = check_machine(m, s);
  if (const auto* err = std::get_if<std::string>(&checked)) return *err;
  const check::CheckResult* result = &std::get<check::CheckResult>(checked);
  std::map<std::string, CheckAnswer> out;
  for (std::string_view name : oracle::kRuleNames) {
    const auto id = check::rule_from_name(name);
    if (!id) return "the check has no rule named " + std::string(name);
    std::vector<oracle::Interval> set;
    std::vector<std::string> messages;
    for (const check::Violation& v : result->violations) {
      if (v.rule != *id) continue;
      if (messages.size() < 3) messages.push_back(v.message);
      if (*id == check::RuleId::kConflictingAliases) {
        const std::uint64_t phys = v.phys.value_or(0);
        set.push_back({phys, phys + (v.range.size_or_zero() - 1)});
      } else {
        set.push_back({v.range.first.value(), v.range.last.value()});
      }
    }
    const check::RuleResult& rr = result->rules[static_cast<std::size_t>(*id)];
    if (rr.status == check::Status::kUnknown) messages.push_back(rr.detail);
    out[std::string(name)] = {check::to_string(rr.status), oracle::normalize(set), std::move(messages)};
  }
  return out;
}

std::string shorten(const IntervalSet& s) {
  if (s.size() <= 8) return oracle::to_string(s);
  const IntervalSet head(s.begin(), s.begin() + 8);
  return oracle::to_string(head) + " ... (" + std::to_string(s.size()) + " intervals)";
}

/// What the oracle's walk finds at the first address of each interval (virtual sets only).
std::string explain(const oracle::WalkOut& w, const IntervalSet& s) {
  std::ostringstream os;
  os << std::hex;
  for (std::size_t k = 0; k < s.size() && k < 3; ++k) {
    const std::uint64_t a = s[k].first;
    os << "\n        at 0x" << a << ": ";
    const auto it = std::find_if(w.pieces.begin(), w.pieces.end(),
                                 [a](const oracle::Piece& p) { return p.first <= a && a <= p.last; });
    if (it == w.pieces.end()) {
      os << "not mapped";
      continue;
    }
    switch (it->kind) {
      case oracle::Piece::Kind::kFault:
        os << "reserved bit in an entry above [0x" << it->first << ", 0x" << it->last << "]";
        break;
      case oracle::Piece::Kind::kUnknown:
        os << "below an unreadable level-" << it->level << " table";
        break;
      case oracle::Piece::Kind::kMapped:
        os << "leaf 0x" << it->raw << " at 0x" << it->entry_pa << " (level " << it->level << ") maps [0x" << it->first
           << ", 0x" << it->last << "] to 0x" << it->frame << "; RW=" << it->acc.rw << " US=" << it->acc.us
           << " XD=" << it->acc.xd << " over every level";
        break;
    }
  }
  return os.str();
}

}  // namespace

std::string disagreements(const Machine& m, const spec::Spec& s, std::vector<std::string>* kinds) {
  const auto layout = spec::evaluate_layout(s, single_values(s));
  if (!layout.ok()) throw std::runtime_error("the spec's layout: " + layout.error().message);
  const OracleResult want = evaluate(m, *layout);
  const WalkOut walk = walk_machine(m);
  const auto got = run_real_check(m, s);
  std::ostringstream diff;
  if (const auto* err = std::get_if<std::string>(&got)) {
    diff << "  the check did not answer: " << *err << "\n";
    if (kinds) kinds->push_back("check: " + err->substr(0, err->find(':')));
    return diff.str();
  }
  const auto& answers = std::get<std::map<std::string, CheckAnswer>>(got);
  for (const RuleAnswer& a : want.rules) {
    const CheckAnswer& ch = answers.at(std::string(a.rule));
    const bool status_differs = ch.status != to_string(a.status);
    const IntervalSet missing = subtract(a.must, ch.set), extra = subtract(ch.set, a.must);
    if (!status_differs && missing.empty() && extra.empty()) continue;
    std::string kind = std::string(a.rule) + ":";
    if (status_differs) kind += std::string(" status oracle=") + to_string(a.status) + " check=" + ch.status;
    if (!missing.empty()) kind += " check-misses-addresses";
    if (!extra.empty()) kind += " check-reports-extra-addresses";
    if (kinds) kinds->push_back(kind);
    diff << "  " << a.rule << ": oracle " << to_string(a.status) << " must " << shorten(a.must) << " may "
         << shorten(a.may) << "\n    check " << ch.status << " " << shorten(ch.set) << "\n";
    for (const std::string& msg : ch.messages) diff << "    check says: " << msg << "\n";
    const bool virtual_set = a.rule != "conflicting-aliases";
    if (!missing.empty())
      diff << "    only the oracle: " << shorten(missing) << (virtual_set ? explain(walk, missing) : "") << "\n";
    if (!extra.empty())
      diff << "    only the check:  " << shorten(extra) << (virtual_set ? explain(walk, extra) : "") << "\n";
  }
  return diff.str();
}

TextCase parse_case(const std::string& text) {
  TextCase c;
  std::istringstream in(text);
  std::string line;
  bool machine = false;
  auto fail = [](const std::string& why) { throw std::runtime_error("not a printed case: " + why); };
  auto num = [&](const std::string& tok) { return std::strtoull(tok.c_str(), nullptr, 0); };
  while (std::getline(in, line)) {
    if (line.rfind("machine: ", 0) == 0) {
      machine = true;
      std::istringstream ls(line.substr(9));
      std::string tok;
      ls >> tok;
      c.machine.levels = tok == "5-level," ? 5 : 4;
      ls >> tok >> tok;  // "root" "0x...,"
      c.machine.root = num(tok);
      while (ls >> tok) {
        const std::size_t eq = tok.find('=');
        if (eq == std::string::npos) fail("a CPU fact without '=': " + tok);
        const std::string k = tok.substr(0, eq);
        const std::uint64_t v = num(tok.substr(eq + 1));
        Cpu& cpu = c.machine.cpu;
        if (k == "WP")
          cpu.cr0_wp = v;
        else if (k == "SMEP")
          cpu.cr4_smep = v;
        else if (k == "SMAP")
          cpu.cr4_smap = v;
        else if (k == "PGE")
          cpu.cr4_pge = v;
        else if (k == "PKE")
          cpu.cr4_pke = v;
        else if (k == "PKS")
          cpu.cr4_pks = v;
        else if (k == "NXE")
          cpu.efer_nxe = v;
        else if (k == "MAXPHYADDR")
          cpu.maxphyaddr = static_cast<unsigned>(v);
        else if (k == "1G")
          cpu.page_1gb = v;
        else
          fail("an unknown CPU fact " + k);
      }
    } else if (line.rfind("  table ", 0) == 0) {
      std::istringstream ls(line.substr(8));
      std::string tok;
      ls >> tok;  // "0x...:"
      Table& t = c.machine.memory[num(tok)];
      t.fill(0);
      while (ls >> tok) {
        const std::size_t close = tok.find("]=");
        if (tok.front() != '[' || close == std::string::npos) fail("an entry that is not [i]=0x...: " + tok);
        t.at(num(tok.substr(1, close - 1))) = num(tok.substr(close + 2));
      }
    } else if (line.rfind("spec: ", 0) == 0) {
      c.spec_json = line.substr(6);
    }
  }
  if (!machine || c.spec_json.empty()) fail("no machine or no spec line");
  return c;
}

}  // namespace ptv::oracle
