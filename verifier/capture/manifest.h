// capture.json: what one capture is, beside its files, so that a dump found later still says
// where and when it came from and which vCPU state it rests on.
//
//   {
//     "ptverify_capture": 1,
//     "time": "2026-12-06T05:40:00Z",            when the guest was paused
//     "qemu": {"version": "7.2.19", "package": "Debian 1:7.2+dfsg-7+deb12u18"},
//     "source": {"qmp": "/run/vm.sock"}           or {"boot": {"kernel": ..., "qemu_command": [...]}}
//     "kernel_command_line": "console=ttyS0 ..."  null when not known (a guest ptverify did not boot)
//     "pauses": 1,                                 how many times the guest was stopped
//     "kernel_mode": true,                         the chosen vCPU was at CPL 0
//     "vcpu": 0,                                   whose registers.txt, info tlb, info mem were saved
//     "vcpus": [{"cpu": 0, "cpl": 0, "cr0": "0x80050033", "cr3": "0x...", "cr4": "0x...", "efer": "0x..."}],
//     "paging": "4-level",                         from the chosen vCPU's CR4.LA57
//     "resumed": true,                             the guest runs again (false: --keep-paused, a
//                                                  guest paused before, or --boot, which quits QEMU)
//     "files": ["registers-all.txt", "registers.txt", "info-tlb.txt", "info-mem.txt", "core.elf", ...]
//   }
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "verifier/capture/qmp_capture.h"

namespace ptv::capture {

/// The manifest of `record`, its keys in the order above; `source` and `command_line` as the
/// caller knows them.
[[nodiscard]] Json manifest_json(const PauseRecord& record, const Json& source,
                                 const std::optional<std::string>& command_line);

/// The chosen vCPU's CR4.LA57 (bit 12): 5-level paging. Empty when its CR4 is unknown.
[[nodiscard]] std::optional<bool> chosen_la57(const PauseRecord& record);

}  // namespace ptv::capture
