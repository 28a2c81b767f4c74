// `capture --boot`: QEMU started by ptverify itself (fork and exec, no shell), with the serial
// console in a file and QMP on a unix socket, waited for until the guest prints its ready
// marker, and shut down at the end.
//
//   qemu-system-x86_64 -machine q35 -accel tcg -cpu max,-la57 -m 512M -smp 1 -nodefaults
//     -display none -nic none -no-reboot -kernel K -initrd I
//     -append 'console=ttyS0 panic=-1 ARGS' -serial file:DIR/serial.log
//     -qmp unix:SOCK,server=on,wait=off -device vmcoreinfo
//
// QEMU dies with ptverify (PR_SET_PDEATHSIG), so an interrupted run leaves no guest behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"

namespace ptv::capture {

class QmpClient;

struct BootOptions {
  std::string qemu = "qemu-system-x86_64";  ///< found on PATH unless it holds a '/'
  std::string kernel;
  std::string initrd;
  std::string append;  ///< after "console=ttyS0 panic=-1"
  std::string memory = "512M";
  unsigned smp = 1;
  bool la57 = false;          ///< -cpu max,+la57: 5-level paging when the kernel supports it
  std::string accel = "tcg";  ///< or "kvm"
  std::string serial_log;     ///< -serial file:
  std::string qmp_socket;     ///< -qmp unix:
};

/// QEMU's argv for `opts`, argv[0] included.
[[nodiscard]] std::vector<std::string> qemu_command(const BootOptions& opts);

/// The last `n` lines of `text` (all of it when it has fewer), each indented by two blanks.
[[nodiscard]] std::string last_lines(std::string_view text, std::size_t n);

class QemuProcess {
 public:
  /// Starts QEMU with qemu_command(opts), its stdout and stderr into `output_log`. Errors: the
  /// binary cannot be run (naming the Debian package qemu-system-x86), a log not writable.
  [[nodiscard]] static Expected<QemuProcess> start(const BootOptions& opts, const std::string& output_log);

  QemuProcess(QemuProcess&& other) noexcept;
  QemuProcess& operator=(QemuProcess&&) = delete;
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;
  /// Kills QEMU (SIGKILL) if it still runs, and reaps it.
  ~QemuProcess();

  /// Waits until a line of the serial log starts with `marker`. Errors: QEMU ended first (its
  /// exit status), or `timeout` passed; each quotes the serial log's last lines and QEMU's own
  /// output.
  [[nodiscard]] std::optional<Error> wait_for_marker(std::string_view marker, std::chrono::milliseconds timeout);

  /// Waits for the QMP socket to accept a connection (QEMU creates it while starting).
  [[nodiscard]] Expected<QmpClient> connect_qmp(std::chrono::milliseconds timeout);

  /// Ends QEMU: "quit" over `qmp` when given, then up to `timeout` for it to exit, then
  /// SIGKILL. Returns how it ended, for the log.
  std::string shut_down(QmpClient* qmp, std::chrono::milliseconds timeout);

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }

 private:
  QemuProcess(pid_t pid, BootOptions opts, std::string output_log);
  /// Reaps QEMU if it ended; its status as words ("exited with status 1"), else empty.
  std::string poll_exit();
  [[nodiscard]] std::string logs_tail() const;

  pid_t pid_ = -1;
  BootOptions opts_;
  std::string output_log_;
};

}  // namespace ptv::capture
