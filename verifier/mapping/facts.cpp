#include "verifier/mapping/facts.h"

#include <array>

namespace ptv {

namespace {

struct FactInfo {
  FactId id;
  std::string_view name, key, flag;
};
constexpr std::array<FactInfo, 13> kFacts{{
    {FactId::kPagingMode, "paging mode (CR4.LA57)", "paging-mode", "--la57 / --no-la57, or --registers FILE"},
    {FactId::kWp, "CR0.WP", "cr0.wp", "--wp / --no-wp, or --registers FILE"},
    {FactId::kSmep, "CR4.SMEP", "cr4.smep", "--smep / --no-smep, or --registers FILE"},
    {FactId::kSmap, "CR4.SMAP", "cr4.smap", "--smap / --no-smap, or --registers FILE"},
    {FactId::kPge, "CR4.PGE", "cr4.pge", "--pge / --no-pge, or --registers FILE"},
    {FactId::kPke, "CR4.PKE/PKS", "cr4.pke", "--cr4 or --registers FILE"},
    {FactId::kNxe, "EFER.NXE", "efer.nxe", "--nxe / --no-nxe, or --registers FILE"},
    {FactId::kMaxPhyAddr, "MAXPHYADDR", "maxphyaddr", "--maxphyaddr N or --cpuinfo FILE"},
    {FactId::kPage1G, "1 GiB pages (CPUID pdpe1gb)", "pdpe1gb", "--pdpe1gb / --no-pdpe1gb, or --cpuinfo FILE"},
    {FactId::kTopTable, "top-level table", "top-table", "--pti kernel|user or --cr3"},
    {FactId::kVcpu, "vCPU", "vcpu", "--cpu N"},
    {FactId::kReservedBits, "no reserved bits", "reserved-bits", "--assume-no-reserved"},
    {FactId::kUpperLevels, "upper-level rights", "upper-levels", ""},
}};

const FactInfo& info(FactId id) { return kFacts[static_cast<std::size_t>(id)]; }

}  // namespace

std::string_view fact_name(FactId id) { return info(id).name; }
std::string_view fact_key(FactId id) { return info(id).key; }
std::string_view fact_flag_hint(FactId id) { return info(id).flag; }

std::optional<FactId> fact_from_key(std::string_view key) {
  for (const FactInfo& f : kFacts)
    if (f.key == key) return f.id;
  return std::nullopt;
}

std::string_view to_string(FactSource s) {
  switch (s) {
    case FactSource::kDump:
      return "dump";
    case FactSource::kFlag:
      return "flag";
    case FactSource::kAssumed:
      return "assumed";
    case FactSource::kBlind:
      return "blind";
  }
  return "?";
}

std::optional<FactSource> fact_source_from(std::string_view s) {
  for (FactSource f : {FactSource::kDump, FactSource::kFlag, FactSource::kAssumed, FactSource::kBlind})
    if (to_string(f) == s) return f;
  return std::nullopt;
}

const Fact* find_fact(const std::vector<Fact>& facts, FactId id) {
  for (const Fact& f : facts)
    if (f.id == id) return &f;
  return nullptr;
}

void set_fact(std::vector<Fact>& facts, Fact f) {
  for (Fact& g : facts)
    if (g.id == f.id) {
      g = std::move(f);
      return;
    }
  facts.push_back(std::move(f));
}

bool fact_known(const Fact& f) { return f.source == FactSource::kDump || f.source == FactSource::kFlag; }

}  // namespace ptv
