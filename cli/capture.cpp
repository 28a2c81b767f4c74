// ptverify capture: one paused moment of a QEMU guest, saved as the files every other subcommand
// reads. Either of a guest already running (--qmp SOCKET) or of a kernel ptverify boots itself
// (--boot KERNEL, for CI: with its own busybox initramfs); --slice and --check follow on the
// result. The QMP sequence is verifier/capture/qmp_capture.h, the boot verifier/capture/qemu_process.h.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/run_limits.h"
#include "cli/slice.h"
#include "cli/spec_lookup.h"
#include "models/format.h"
#include "verifier/base/compressed.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/base/printable.h"
#include "verifier/capture/initramfs.h"
#include "verifier/capture/manifest.h"
#include "verifier/capture/qemu_process.h"
#include "verifier/capture/qmp_capture.h"
#include "verifier/capture/qmp_client.h"

namespace ptv::cli {

namespace {

namespace fs = std::filesystem;
using capture::Json;
using std::chrono::milliseconds;

struct CaptureCliOptions {
  std::string qmp;
  std::string boot;
  std::string out_dir;
  double timeout_s = 120;
  unsigned retries = 20;
  std::optional<unsigned> cpu;
  bool keep_paused = false;
  bool slice = false;
  std::string check;  ///< a spec, "auto", or empty
  double time_limit_s = 0;
  // --boot only
  std::string initrd;
  std::string append;
  std::string memory = "512M";
  unsigned smp = 1;
  bool la57 = false;
  std::string accel = "tcg";
  std::string qemu = "qemu-system-x86_64";
  std::string busybox{capture::kDefaultBusybox};
  std::vector<std::string> initramfs_add;
  std::vector<std::string> init_cmds;
};

milliseconds to_ms(double seconds) { return milliseconds(static_cast<std::int64_t>(seconds * 1000.0)); }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

/// A folder removed when the run ends: the QMP socket lives here, under $TMPDIR, because a unix
/// socket's path is limited to 107 bytes and DIR may be deeper.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ptverify-capture-XXXXXX";
    if (char* p = ::mkdtemp(pattern.data())) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The guest's /proc/cpuinfo and command line, as the generated /init printed them.
struct GuestPrintout {
  std::string cpuinfo;
  std::optional<std::string> cmdline;
};

GuestPrintout read_guest_printout(const std::string& serial_log) {
  GuestPrintout g;
  Expected<std::string> text = read_whole_file(serial_log);
  if (!text) return g;
  std::string s = std::move(*text);
  std::erase(s, '\r');
  const std::string begin = std::string(capture::kCpuinfoBegin) + "\n";
  const std::string end = "\n" + std::string(capture::kCpuinfoEnd);
  if (const std::size_t b = s.find(begin); b != std::string::npos) {
    if (const std::size_t e = s.find(end, b + begin.size()); e != std::string::npos)
      g.cpuinfo = s.substr(b + begin.size(), e - b - begin.size() + 1);
  }
  const std::string prefix = "\n" + std::string(capture::kCmdlinePrefix);
  if (const std::size_t c = s.find(prefix); c != std::string::npos) {
    const std::size_t from = c + prefix.size();
    g.cmdline = s.substr(from, s.find('\n', from) - from);
  }
  return g;
}

/// The bundled spec for the captured paging mode: specs/linux-x86_64-{4,5}level.json.
Expected<std::string> auto_spec(const capture::PauseRecord& record) {
  const std::optional<bool> la57 = capture::chosen_la57(record);
  if (!la57) return Error{"--check auto: the captured vCPU's CR4 is unknown, so is its paging mode: give --check SPEC"};
  Expected<fs::path> spec = resolve_spec(*la57 ? "linux-x86_64-5level" : "linux-x86_64-4level");
  if (!spec) return Error{"--check auto: " + spec.error().message + "; give --check SPEC"};
  return spec->string();
}

/// `ptverify check CORE --spec SPEC --registers registers.txt [--cpuinfo cpuinfo.txt]`, run as
/// its own process so that its output and exit code are exactly those of the same command typed
/// by hand. Returns its exit code.
int run_check_process(const fs::path& dir, const std::string& spec) {
  std::vector<std::string> argv{"ptverify", "check",       (dir / "core.elf").string(),     "--spec",
                                spec,       "--registers", (dir / "registers.txt").string()};
  if (fs::exists(dir / "cpuinfo.txt")) {
    argv.emplace_back("--cpuinfo");
    argv.push_back((dir / "cpuinfo.txt").string());
  }
  std::cerr << "ptverify: capture: " << printable(join(argv, " ")) << '\n';
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // execv does not write them
  args.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) return bad_input(std::string("capture: cannot run check: fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::execv("/proc/self/exe", args.data());
    _exit(static_cast<int>(ExitCode::kInternal));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  print_error("capture: check ended without an exit status");
  return static_cast<int>(ExitCode::kInternal);
}

int slice_core(const fs::path& dir, const capture::PauseRecord& record) {
  SliceOptions s;
  s.dump.path = (dir / "core.elf").string();
  s.dump.format = "elf-core";
  s.dump.machine.registers_file = (dir / "registers-all.txt").string();
  s.dump.machine.cpu = record.chosen_cpu;
  if (fs::exists(dir / "cpuinfo.txt")) s.dump.machine.cpuinfo_file = (dir / "cpuinfo.txt").string();
  s.output = (dir / "core.slice.elf").string();
  return run_slice(s);
}

void print_summary(const fs::path& dir, const capture::PauseRecord& r) {
  std::cout << "ptverify capture: " << printable(dir.string()) << ": QEMU " << r.qemu_version << ", " << r.vcpus.size()
            << (r.vcpus.size() == 1 ? " vCPU" : " vCPUs") << ", paused " << r.pauses
            << (r.pauses == 1 ? " time" : " times") << '\n';
  for (std::size_t i = 0; i < r.vcpus.size(); ++i) {
    const ControlRegisters& c = r.vcpus[i];
    const unsigned n = c.cpu.value_or(static_cast<unsigned>(i));
    std::cout << "  vCPU " << n << ": CPL " << (c.cpl ? std::to_string(*c.cpl) : std::string("?")) << ", CR3 "
              << (c.cr3 ? hex(*c.cr3) : std::string("?")) << ", CR4 " << (c.cr4 ? hex(*c.cr4) : std::string("?"))
              << (n == r.chosen_cpu ? "  <- captured" : "") << '\n';
  }
  if (!r.kernel_mode)
    std::cout << "  note: no pause found the captured vCPU in kernel mode; kept the last (ptverify walks the kernel "
                 "copy of a PTI user CR3)\n";
  std::cout << "  files: " << join(r.files, ", ") << '\n';
}

/// After the capture itself: slice, manifest, summary, check. Returns the exit code.
int finish(const CaptureCliOptions& o, const fs::path& dir, capture::PauseRecord record, const Json& source,
           const std::optional<std::string>& cmdline) {
  if (o.slice) {
    if (const int code = slice_core(dir, record); code != 0) return code;
    record.files.emplace_back("core.slice.elf");
  }
  record.files.emplace_back("capture.json");
  const Json manifest = capture::manifest_json(record, source, cmdline);
  if (std::optional<Error> e =
          write_output_file((dir / "capture.json").string(), [&](std::ostream& os) { os << manifest.dump(2) << '\n'; }))
    return failed(*e);
  print_summary(dir, record);
  if (o.check.empty()) return static_cast<int>(ExitCode::kOk);
  Expected<std::string> spec = o.check == "auto" ? auto_spec(record) : Expected<std::string>(o.check);
  if (!spec) return failed(spec.error());
  return run_check_process(dir, *spec);
}

capture::PauseOptions pause_options(const CaptureCliOptions& o, const fs::path& dir) {
  capture::PauseOptions p;
  p.out_dir = dir.string();
  p.timeout = to_ms(o.timeout_s);
  p.retries = o.retries;
  p.cpu = o.cpu;
  p.keep_paused = o.keep_paused;
  return p;
}

int run_qmp(const CaptureCliOptions& o, const fs::path& dir) {
  Expected<capture::QmpClient> qmp = capture::QmpClient::connect(o.qmp, to_ms(o.timeout_s));
  if (!qmp) return failed(qmp.error());
  Expected<capture::PauseRecord> record = capture::capture_paused(*qmp, pause_options(o, dir), &std::cerr);
  if (!record) return failed(record.error());
  return finish(o, dir, std::move(*record), Json{{"qmp", o.qmp}}, std::nullopt);
}

int run_boot(const CaptureCliOptions& o, const fs::path& dir) {
  capture::BootOptions boot;
  boot.qemu = o.qemu;
  boot.kernel = fs::absolute(o.boot).string();
  boot.append = o.append;
  boot.memory = o.memory;
  boot.smp = o.smp;
  boot.la57 = o.la57;
  boot.accel = o.accel;
  boot.serial_log = (dir / "serial.log").string();
  if (!o.initrd.empty()) {
    boot.initrd = fs::absolute(o.initrd).string();
  } else {
    capture::InitramfsOptions init;
    init.busybox = o.busybox;
    for (const std::string& a : o.initramfs_add) {
      Expected<capture::InitramfsOptions::AddedFile> f = capture::parse_added_file(a);
      if (!f) return failed(f.error());
      init.add.push_back(*f);
    }
    init.init_commands = o.init_cmds;
    Expected<std::string> archive = capture::build_initramfs(init);
    if (!archive) return failed(archive.error());
    boot.initrd = (dir / "initramfs.cpio.gz").string();
    if (std::optional<Error> e = write_output_file(boot.initrd, [&](std::ostream& os) { os << *archive; }))
      return failed(*e);
  }
  TempDir tmp;
  if (tmp.path().empty())
    return bad_input(std::string("capture: cannot create a temporary folder: ") + std::strerror(errno));
  boot.qmp_socket = tmp.path() + "/qmp.sock";
  // An old serial log would show an old ready marker.
  std::error_code ec;
  fs::remove(boot.serial_log, ec);

  const std::vector<std::string> command = capture::qemu_command(boot);
  std::cerr << "ptverify: capture: " << printable(join(command, " ")) << '\n';
  Expected<capture::QemuProcess> qemu = capture::QemuProcess::start(boot, (dir / "qemu.log").string());
  if (!qemu) return failed(qemu.error());
  const milliseconds timeout = to_ms(o.timeout_s);
  if (std::optional<Error> e = qemu->wait_for_marker(capture::kReadyMarker, timeout)) return failed(*e);
  std::cerr << "ptverify: capture: the guest is ready ('" << capture::kReadyMarker << "' in serial.log)\n";
  Expected<capture::QmpClient> qmp = qemu->connect_qmp(timeout);
  if (!qmp) return failed(qmp.error());
  capture::PauseOptions pause = pause_options(o, dir);
  pause.keep_paused = false;  // QEMU quits next: nothing to keep
  Expected<capture::PauseRecord> record = capture::capture_paused(*qmp, pause, &std::cerr);
  std::cerr << "ptverify: capture: " << qemu->shut_down(&*qmp, timeout) << '\n';
  if (!record) return failed(record.error());
  record->resumed = false;

  const GuestPrintout guest = read_guest_printout(boot.serial_log);
  if (!guest.cpuinfo.empty()) {
    if (std::optional<Error> e =
            write_output_file((dir / "cpuinfo.txt").string(), [&](std::ostream& os) { os << guest.cpuinfo; }))
      return failed(*e);
    record->files.emplace_back("cpuinfo.txt");
  }
  record->files.emplace_back("serial.log");
  record->files.emplace_back("qemu.log");
  if (o.initrd.empty()) record->files.emplace_back("initramfs.cpio.gz");
  Json source{{"boot",
               {{"kernel", boot.kernel},
                {"initrd", boot.initrd},
                {"memory", boot.memory},
                {"smp", boot.smp},
                {"accel", boot.accel},
                {"qemu_command", command}}}};
  return finish(o, dir, std::move(*record), source, guest.cmdline);
}

int run_capture(const CaptureCliOptions& o) {
  if (o.qmp.empty() == o.boot.empty()) return bad_input("capture: give either --qmp SOCKET or --boot KERNEL");
  if (o.keep_paused && !o.boot.empty()) return bad_input("capture: --keep-paused is for --qmp (--boot quits QEMU)");
  if (!o.initrd.empty() && (!o.initramfs_add.empty() || !o.init_cmds.empty()))
    return bad_input("capture: --initramfs-add and --init-cmd go into the generated initramfs, not into --initrd's");
  if (std::optional<Error> e = make_output_directory(o.out_dir)) return bad_input("capture -o " + e->message);
  std::error_code ec;
  const fs::path dir = fs::absolute(o.out_dir, ec);
  if (ec) return bad_input(o.out_dir + ": " + ec.message());
  return o.qmp.empty() ? run_boot(o, dir) : run_qmp(o, dir);
}

}  // namespace

Command setup_capture(CLI::App& app) {
  auto o = std::make_shared<CaptureCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "capture", "Pause a QEMU guest (running, or booted here) and save its registers, QEMU's walk and its memory");
  sub->footer(
      "Examples:\n"
      "  ptverify capture --qmp /run/vm/qmp.sock -o cap/\n"
      "      stop the guest, save cap/registers.txt, registers-all.txt, info-tlb.txt, info-mem.txt,\n"
      "      core.elf and capture.json, then resume it\n"
      "  ptverify capture --boot /boot/vmlinuz-$(uname -r) --memory 256M -o cap/ --check auto\n"
      "      boot the kernel under QEMU (TCG) with a generated busybox initramfs, capture it, quit QEMU,\n"
      "      and check cap/core.elf against the bundled spec for its paging mode\n"
      "Then: ptverify check cap/core.elf --spec specs/linux-x86_64-4level.json --registers cap/registers.txt");
  auto* qmp =
      sub->add_option("--qmp", o->qmp, "The QMP unix socket of a running QEMU (-qmp unix:PATH,server=on,wait=off)");
  auto* boot = sub->add_option("--boot", o->boot, "Boot this kernel (bzImage) under QEMU and capture it")
                   ->check(CLI::ExistingFile);
  qmp->excludes(boot);
  sub->add_option("-o,--output", o->out_dir, "The folder to write (created if missing; its parent must exist)")
      ->required();
  sub->add_option("--timeout", o->timeout_s,
                  "Each wait, in seconds: a QMP reply, the memory dump, the guest's ready marker, QEMU's exit")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 1e6));
  sub->add_option("--retries", o->retries,
                  "Pause again (cont, 0.1 s, stop) up to this many times until the vCPU is in kernel mode (CPL 0)")
      ->capture_default_str()
      ->check(CLI::Range(0U, 100000U));
  sub->add_option("--cpu", o->cpu,
                  "Capture this vCPU (registers.txt, info tlb, info mem); default: the first in "
                  "kernel mode");
  sub->add_flag("--keep-paused", o->keep_paused, "--qmp: leave the guest stopped at the end");
  sub->add_flag("--slice", o->slice, "Also write core.slice.elf: only the page tables, a reproducer of kilobytes");
  sub->add_option("--check", o->check,
                  "Then run `ptverify check` on core.elf with this spec; 'auto': the bundled Linux spec for the "
                  "captured paging mode. The exit code is check's");
  sub->add_option("--time-limit", o->time_limit_s,
                  "The whole run, in seconds (exit 3 past it; a guest paused by --qmp then stays paused); 0 = none: "
                  "every wait is bounded by --timeout")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  const char* boot_only = "--boot";
  sub->add_option("--initrd", o->initrd, "--boot: this initramfs instead of the generated one")
      ->check(CLI::ExistingFile)
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--append", o->append, "--boot: kernel arguments after 'console=ttyS0 panic=-1'")
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--memory", o->memory, "--boot: guest RAM (QEMU -m)")
      ->capture_default_str()
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--smp", o->smp, "--boot: vCPUs")
      ->capture_default_str()
      ->check(CLI::Range(1U, 255U))
      ->group(boot_only)
      ->needs(boot);
  sub->add_flag("--la57", o->la57, "--boot: -cpu max,+la57 (5-level paging) instead of max,-la57")
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--accel", o->accel, "--boot: tcg or kvm")
      ->capture_default_str()
      ->check(CLI::IsMember({"tcg", "kvm"}))
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--qemu", o->qemu, "--boot: the QEMU binary")->capture_default_str()->group(boot_only)->needs(boot);
  sub->add_option("--busybox", o->busybox, "--boot: the static busybox for the generated initramfs")
      ->capture_default_str()
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--initramfs-add", o->initramfs_add,
                  "--boot: HOST:GUEST, put a host file into the generated initramfs (repeatable)")
      ->group(boot_only)
      ->needs(boot);
  sub->add_option("--init-cmd", o->init_cmds,
                  "--boot: a shell command the generated /init runs before the ready marker (repeatable)")
      ->group(boot_only)
      ->needs(boot);
  return Command{sub,
                 [o] {
                   if (o->time_limit_s > 0) arm_time_watchdog("capture", o->time_limit_s, false);
                   return run_capture(*o);
                 },
                 nullptr, nullptr};
}

}  // namespace ptv::cli
