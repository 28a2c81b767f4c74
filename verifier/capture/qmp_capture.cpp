#include "verifier/capture/qmp_capture.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "verifier/base/output_file.h"

namespace ptv::capture {

namespace {

using std::chrono::milliseconds;

// A resume attempt after an error may not wait as long as a command: the user is waiting for the
// error message.
constexpr milliseconds kResumeTimeout{5'000};

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class Session {
 public:
  Session(QmpClient& qmp, const PauseOptions& opts, std::ostream* log) : qmp_(qmp), opts_(opts), log_(log) {}

  Expected<PauseRecord> run() {
    Expected<PauseRecord> r = steps();
    if (r || !stopped_) return r;
    // The error left the guest stopped by us: resume it if QEMU can still be reached.
    if (opts_.keep_paused) return Error{r.error().message + " (the guest stays paused: --keep-paused)"};
    if (!qmp_.connected()) return Error{r.error().message + " (the guest could not be resumed: no connection)"};
    Expected<Json> c = qmp_.execute("cont", nullptr, kResumeTimeout);
    if (!c) return Error{r.error().message + " (and resuming the guest failed: " + c.error().message + ")"};
    say("cont: the guest runs again");
    return Error{r.error().message + " (the guest was resumed)"};
  }

 private:
  void say(const std::string& line) {
    if (log_) *log_ << "ptverify: capture: " << line << '\n';
  }

  Expected<Json> exec(const std::string& command, const Json& args = nullptr) {
    return qmp_.execute(command, args, opts_.timeout);
  }

  std::optional<Error> save(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    if (std::optional<Error> e = write_output_file(path, [&](std::ostream& os) { os << text; })) return e;
    rec_.files.push_back(name);
    return std::nullopt;
  }

  std::optional<Error> stop() {
    Expected<Json> s = exec("stop");
    if (!s) return s.error();
    stopped_ = true;
    ++rec_.pauses;
    rec_.time_utc = utc_now();
    return std::nullopt;
  }

  Expected<PauseRecord> steps() {
    std::error_code ec;
    dir_ = std::filesystem::absolute(opts_.out_dir, ec);
    if (ec) return Error{opts_.out_dir + ": " + ec.message()};
    rec_.qmp_socket = qmp_.path();

    Expected<Json> v = exec("query-version");
    if (!v) return v.error();
    if (const Json& q = (*v)["qemu"]; q.is_object())
      rec_.qemu_version = std::to_string(q.value("major", 0)) + "." + std::to_string(q.value("minor", 0)) + "." +
                          std::to_string(q.value("micro", 0));
    rec_.qemu_package = v->value("package", std::string());
    while (!rec_.qemu_package.empty() && rec_.qemu_package.front() == ' ') rec_.qemu_package.erase(0, 1);

    Expected<Json> status = exec("query-status");
    if (!status) return status.error();
    rec_.was_running = status->value("running", false);
    if (rec_.was_running) {
      if (std::optional<Error> e = stop()) return *e;
    } else {
      rec_.time_utc = utc_now();
      say("the guest was already paused (" + status->value("status", std::string("?")) +
          "): captured as it is, and left paused");
    }

    // Pause until the vCPU to capture is in kernel mode, as far as the retries go.
    std::string all_text;
    std::size_t chosen = 0;
    for (;;) {
      Expected<std::string> all = qmp_.human("info registers -a", std::nullopt, opts_.timeout);
      if (!all) return all.error();
      Expected<std::vector<ControlRegisters>> vcpus =
          parse_info_registers_all(*all, "QMP socket " + qmp_.path() + ": info registers -a");
      if (!vcpus) return vcpus.error();
      std::optional<std::size_t> c = choose_vcpu(*vcpus, opts_.cpu);
      if (!c) return Error{"QMP socket " + qmp_.path() + ": the guest has no vCPU " + std::to_string(*opts_.cpu)};
      all_text = std::move(*all);
      rec_.vcpus = std::move(*vcpus);
      chosen = *c;
      rec_.kernel_mode = rec_.vcpus[chosen].cpl == 0U;
      if (rec_.kernel_mode || !rec_.was_running || rec_.pauses > opts_.retries) break;
      Expected<Json> c2 = exec("cont");
      if (!c2) return c2.error();
      stopped_ = false;
      std::this_thread::sleep_for(opts_.retry_pause);
      if (std::optional<Error> e = stop()) return *e;
    }
    rec_.chosen_cpu = rec_.vcpus[chosen].cpu.value_or(static_cast<unsigned>(chosen));
    say("paused " + std::to_string(rec_.pauses) + (rec_.pauses == 1 ? " time" : " times") + "; vCPU " +
        std::to_string(rec_.chosen_cpu) +
        (rec_.kernel_mode ? " is in kernel mode (CPL 0)"
                          : " is not in kernel mode (CPL " +
                                (rec_.vcpus[chosen].cpl ? std::to_string(*rec_.vcpus[chosen].cpl) : std::string("?")) +
                                "): kept this pause"));

    if (std::optional<Error> e = save("registers-all.txt", all_text)) return *e;
    struct Text {
      const char* command;
      const char* file;
    };
    for (const Text t : {Text{"info registers", "registers.txt"}, Text{"info tlb", "info-tlb.txt"},
                         Text{"info mem", "info-mem.txt"}}) {
      Expected<std::string> text = qmp_.human(t.command, rec_.chosen_cpu, opts_.timeout);
      if (!text) return text.error();
      if (std::optional<Error> e = save(t.file, *text)) return *e;
    }

    if (std::optional<Error> e = dump()) return *e;

    if (rec_.was_running && !opts_.keep_paused) {
      Expected<Json> c = exec("cont");
      if (!c) return c.error();
      stopped_ = false;
      rec_.resumed = true;
      say("cont: the guest runs again");
    } else if (rec_.was_running) {
      say("the guest stays paused (--keep-paused)");
    }
    return rec_;
  }

  // dump-guest-memory runs in QEMU's background (detach) and ends with a DUMP_COMPLETED event,
  // which may come before or after the command's own reply.
  std::optional<Error> dump() {
    const std::filesystem::path core = dir_ / "core.elf";
    // QEMU creates the file with mode 0400: an old one would refuse to be overwritten.
    if (::unlink(core.c_str()) != 0 && errno != ENOENT)
      return Error{core.string() + ": cannot remove the old core: " + std::strerror(errno)};
    say("dump-guest-memory " + core.string());
    Expected<Json> d =
        exec("dump-guest-memory",
             Json{{"paging", false}, {"protocol", "file:" + core.string()}, {"format", "elf"}, {"detach", true}});
    if (!d) return d.error();
    Expected<Json> done = qmp_.wait_event("DUMP_COMPLETED", "dump-guest-memory", opts_.timeout);
    if (!done) {
      std::string progress;
      if (qmp_.connected()) {
        if (Expected<Json> q = qmp_.execute("query-dump", nullptr, kResumeTimeout); q && q->is_object())
          progress = " (query-dump: " + q->value("status", std::string("?")) + ", " +
                     std::to_string(q->value("completed", 0ULL)) + " of " + std::to_string(q->value("total", 0ULL)) +
                     " bytes)";
      }
      return Error{done.error().message + progress};
    }
    const Json& data = (*done)["data"];
    if (data.is_object() && data.contains("error")) {
      const Json& why = data["error"];
      return Error{"QMP socket " + qmp_.path() + ": dump-guest-memory: QEMU could not write " + core.string() + ": " +
                   (why.is_string() ? why.get<std::string>() : why.dump())};
    }
    rec_.files.emplace_back("core.elf");
    return std::nullopt;
  }

  QmpClient& qmp_;
  const PauseOptions& opts_;
  std::ostream* log_;
  std::filesystem::path dir_;
  PauseRecord rec_;
  bool stopped_ = false;
};

}  // namespace

std::optional<std::size_t> choose_vcpu(const std::vector<ControlRegisters>& vcpus, std::optional<unsigned> wanted) {
  for (std::size_t i = 0; i < vcpus.size(); ++i) {
    const unsigned n = vcpus[i].cpu.value_or(static_cast<unsigned>(i));
    if (wanted ? n == *wanted : vcpus[i].cpl == 0U) return i;
  }
  if (wanted || vcpus.empty()) return std::nullopt;
  return 0;
}

Expected<PauseRecord> capture_paused(QmpClient& qmp, const PauseOptions& opts, std::ostream* log) {
  return Session(qmp, opts, log).run();
}

}  // namespace ptv::capture
