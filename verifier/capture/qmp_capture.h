// One paused moment of a running QEMU guest, taken over QMP: stop the guest (retrying until a
// vCPU is in kernel mode), save what QEMU says about that moment, dump guest memory, resume.
//
//   query-version, query-status
//   stop                                         skipped when the guest is already paused
//   info registers -a  -> registers-all.txt      every vCPU; CPL 3 on the chosen one: cont,
//                                                a short pause, stop, again (--retries)
//   info registers     -> registers.txt          the chosen vCPU (the first in kernel mode)
//   info tlb, info mem -> info-tlb.txt, info-mem.txt   QEMU's own walk from that vCPU's CR3
//   dump-guest-memory (paging=false, detach) -> core.elf, then its DUMP_COMPLETED event
//   cont                                         unless kept paused, or paused before we came
//
// A guest this code stopped is resumed on every path that can still reach QEMU, errors
// included; the error then says whether it was.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/capture/qmp_client.h"
#include "verifier/ingest/registers.h"

namespace ptv::capture {

struct PauseOptions {
  std::string out_dir;                         ///< where the files go; made absolute for QEMU
  std::chrono::milliseconds timeout{60'000};   ///< each command's reply, and the dump
  unsigned retries = 20;                       ///< further pauses to find a vCPU in kernel mode
  std::chrono::milliseconds retry_pause{100};  ///< how long the guest runs between two pauses
  std::optional<unsigned> cpu;                 ///< the vCPU to capture (--cpu); else the first in kernel mode
  bool keep_paused = false;                    ///< do not resume the guest at the end
};

/// What the capture saw; capture.json is made of it (manifest.h).
struct PauseRecord {
  std::string qmp_socket;
  std::string qemu_version;             ///< "7.2.19", from query-version
  std::string qemu_package;             ///< e.g. "Debian 1:7.2+dfsg-7+deb12u18"
  std::string time_utc;                 ///< when the guest was paused (the last time): 2026-12-06T05:40:00Z
  std::vector<ControlRegisters> vcpus;  ///< every vCPU's registers at that moment
  unsigned chosen_cpu = 0;              ///< whose registers.txt, info tlb and info mem were saved
  unsigned pauses = 0;                  ///< how many times the guest was stopped
  bool kernel_mode = false;             ///< the chosen vCPU was at CPL 0
  bool was_running = false;             ///< the guest ran when we came (else we neither stop nor resume it)
  bool resumed = false;                 ///< we resumed it at the end
  std::vector<std::string> files;       ///< the files written, relative to out_dir
};

/// Runs the sequence above over `qmp` into opts.out_dir (which must exist). `log` (may be null)
/// gets one line per step. Errors name the socket and the command, and say whether the guest
/// was resumed.
[[nodiscard]] Expected<PauseRecord> capture_paused(QmpClient& qmp, const PauseOptions& opts, std::ostream* log);

/// The vCPU to capture among `vcpus`: `wanted` when given (empty when there is no such vCPU),
/// else the first at CPL 0, else the first.
[[nodiscard]] std::optional<std::size_t> choose_vcpu(const std::vector<ControlRegisters>& vcpus,
                                                     std::optional<unsigned> wanted);

}  // namespace ptv::capture
