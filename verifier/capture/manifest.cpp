#include "verifier/capture/manifest.h"

#include "models/format.h"

namespace ptv::capture {

namespace {

Json hex_or_null(const std::optional<std::uint64_t>& v) {
  Json j;  // null
  if (v) j = hex(*v);
  return j;
}

const ControlRegisters* chosen(const PauseRecord& r) {
  for (std::size_t i = 0; i < r.vcpus.size(); ++i)
    if (r.vcpus[i].cpu.value_or(static_cast<unsigned>(i)) == r.chosen_cpu) return &r.vcpus[i];
  return nullptr;
}

}  // namespace

std::optional<bool> chosen_la57(const PauseRecord& record) {
  const ControlRegisters* c = chosen(record);
  if (!c || !c->cr4) return std::nullopt;
  return (*c->cr4 >> 12 & 1) != 0;  // [SDM 3A §2.5] CR4.LA57
}

Json manifest_json(const PauseRecord& r, const Json& source, const std::optional<std::string>& command_line) {
  Json vcpus = Json::array();
  for (std::size_t i = 0; i < r.vcpus.size(); ++i) {
    const ControlRegisters& c = r.vcpus[i];
    Json v;
    v["cpu"] = c.cpu.value_or(static_cast<unsigned>(i));
    v["cpl"] = c.cpl ? Json(*c.cpl) : Json();
    v["cr0"] = hex_or_null(c.cr0);
    v["cr3"] = hex_or_null(c.cr3);
    v["cr4"] = hex_or_null(c.cr4);
    v["efer"] = hex_or_null(c.efer);
    vcpus.push_back(std::move(v));
  }
  const std::optional<bool> la57 = chosen_la57(r);
  Json m;
  m["ptverify_capture"] = 1;
  m["time"] = r.time_utc;
  m["qemu"]["version"] = r.qemu_version;
  m["qemu"]["package"] = r.qemu_package;
  m["source"] = source;
  m["kernel_command_line"] = command_line ? Json(*command_line) : Json();
  m["pauses"] = r.pauses;
  m["kernel_mode"] = r.kernel_mode;
  m["vcpu"] = r.chosen_cpu;
  m["vcpus"] = std::move(vcpus);
  m["paging"] = la57 ? Json(*la57 ? "5-level" : "4-level") : Json();
  m["resumed"] = r.resumed;
  m["files"] = r.files;
  return m;
}

}  // namespace ptv::capture
