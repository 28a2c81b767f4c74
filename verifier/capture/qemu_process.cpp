#include "verifier/capture/qemu_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "verifier/capture/qmp_client.h"

namespace ptv::capture {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{100};

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::erase(s, '\r');  // the serial console ends lines with CRLF
  return s;
}

std::string status_words(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "ended";
}

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, int log_fd, int error_pipe) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // --memory-limit caps ptverify's data segment; the guest's RAM is QEMU's, not ours.
  rlimit rl{};
  if (getrlimit(RLIMIT_DATA, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_DATA, &rl);
  }
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  const int err = errno;
  const ssize_t ignored = write(error_pipe, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

}  // namespace

std::vector<std::string> qemu_command(const BootOptions& o) {
  std::string append = "console=ttyS0 panic=-1";
  if (!o.append.empty()) append += " " + o.append;
  return {o.qemu,
          "-machine",
          "q35",
          "-accel",
          o.accel,
          "-cpu",
          o.la57 ? "max,+la57" : "max,-la57",
          "-m",
          o.memory,
          "-smp",
          std::to_string(o.smp),
          "-nodefaults",
          "-display",
          "none",
          "-nic",
          "none",
          "-no-reboot",
          "-kernel",
          o.kernel,
          "-initrd",
          o.initrd,
          "-append",
          append,
          "-serial",
          "file:" + o.serial_log,
          "-qmp",
          "unix:" + o.qmp_socket + ",server=on,wait=off",
          "-device",
          "vmcoreinfo"};
}

std::string last_lines(std::string_view text, std::size_t n) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += "  ";
    out += lines[i];
    out += '\n';
  }
  return out;
}

QemuProcess::QemuProcess(pid_t pid, BootOptions opts, std::string output_log)
    : pid_(pid), opts_(std::move(opts)), output_log_(std::move(output_log)) {}

QemuProcess::QemuProcess(QemuProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), opts_(std::move(other.opts_)), output_log_(std::move(other.output_log_)) {}

QemuProcess::~QemuProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

Expected<QemuProcess> QemuProcess::start(const BootOptions& opts, const std::string& output_log) {
  const std::vector<std::string> argv = qemu_command(opts);
  std::vector<char*> args;  // made before fork: the child only execs
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // execvp does not write them
  args.push_back(nullptr);
  const int log_fd = ::open(output_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return Error{output_log + ": cannot write: " + std::strerror(errno)};
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return Error{std::string("cannot start QEMU: pipe: ") + std::strerror(errno)};
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return Error{std::string("cannot start QEMU: fork: ") + std::strerror(err)};
  }
  if (pid == 0) exec_child(args.data(), log_fd, pipe_fds[1]);
  ::close(log_fd);
  ::close(pipe_fds[1]);
  int err = 0;
  ssize_t n = 0;
  do {
    n = ::read(pipe_fds[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return Error{"cannot run " + opts.qemu + ": " + std::strerror(err) +
                 (err == ENOENT ? " (install Debian's qemu-system-x86, or give --qemu PATH)" : "")};
  }
  return QemuProcess(pid, opts, output_log);
}

std::string QemuProcess::poll_exit() {
  if (pid_ <= 0) return "ended";
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return {};
  pid_ = -1;
  return r < 0 ? std::string("ended") : status_words(status);
}

std::string QemuProcess::logs_tail() const {
  std::string s = "the serial console's last lines (" + opts_.serial_log + "):\n";
  const std::string serial = read_text_file(opts_.serial_log);
  s += serial.empty() ? "  (nothing)\n" : last_lines(serial, 15);
  const std::string own = read_text_file(output_log_);
  if (!own.empty()) s += "QEMU said (" + output_log_ + "):\n" + last_lines(own, 10);
  return s;
}

std::optional<Error> QemuProcess::wait_for_marker(std::string_view marker, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    const std::string serial = read_text_file(opts_.serial_log);
    if (serial.starts_with(marker) || serial.find("\n" + std::string(marker)) != std::string::npos) return std::nullopt;
    if (const std::string ended = poll_exit(); !ended.empty())
      return Error{"QEMU " + ended + " before the guest printed '" + std::string(marker) + "'; " + logs_tail()};
    if (Clock::now() >= deadline)
      return Error{"the guest did not print '" + std::string(marker) + "' within " + seconds_text(timeout) + "; " +
                   logs_tail()};
    std::this_thread::sleep_for(kPollInterval);
  }
}

Expected<QmpClient> QemuProcess::connect_qmp(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    Expected<QmpClient> c = QmpClient::connect(opts_.qmp_socket, timeout);
    if (c) return c;
    if (const std::string ended = poll_exit(); !ended.empty())
      return Error{"QEMU " + ended + " before its QMP socket answered; " + logs_tail()};
    if (Clock::now() >= deadline) return c.error();
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string QemuProcess::shut_down(QmpClient* qmp, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return "QEMU had already ended";
  if (qmp && qmp->connected()) {
    // The reply may not come: QEMU can close the socket as it quits.
    (void)qmp->execute("quit", nullptr, std::min(timeout, std::chrono::milliseconds(5'000)));
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (const std::string ended = poll_exit(); !ended.empty()) return "QEMU " + ended;
    std::this_thread::sleep_for(kPollInterval);
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return "QEMU did not quit within " + seconds_text(timeout) + ": killed";
}

}  // namespace ptv::capture
