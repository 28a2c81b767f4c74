#include "cli/check_batch.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "cli/commands.h"
#include "cli/report_files.h"
#include "cli/run_limits.h"
#include "cli/spec_lookup.h"
#include "verifier/base/compressed.h"
#include "verifier/base/exit_codes.h"
#include "verifier/report/batch_summary.h"

extern char** environ;

namespace ptv::cli {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Which dumps: the DUMP arguments (a folder: the files directly in it) and --dump-list.

/// Every regular file directly in `dir` (symbolic links followed), by name, except hidden ones
/// (a leading '.'). Nothing else is skipped: a file that is not a dump is listed as an error in
/// the summary, never silently left out.
Expected<std::vector<std::string>> files_in(const fs::path& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with('.') && fs::is_regular_file(it->path(), ec)) names.push_back(name);
  }
  if (ec) return Error{dir.string() + ": cannot read the folder: " + ec.message()};
  std::sort(names.begin(), names.end());
  std::vector<std::string> out;
  for (const std::string& n : names) out.push_back((dir / n).string());
  return out;
}

/// --dump-list FILE: one path a line; blank lines and '#' comments skipped; a relative path is
/// relative to the list's folder. Each must exist (the error names the list and the line).
Expected<std::vector<std::string>> read_dump_list(const std::string& list) {
  Expected<std::string> text = read_whole_file(list);
  if (!text) return text.error();
  const fs::path base = fs::path(list).parent_path();
  std::vector<std::string> out;
  std::istringstream in(*text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
    const fs::path p = fs::path(line).is_absolute() ? fs::path(line) : (base / line).lexically_normal();
    std::error_code ec;
    if (!fs::exists(p, ec)) return Error{list + ":" + std::to_string(number) + ": " + p.string() + ": no such file"};
    out.push_back(p.string());
  }
  return out;
}

/// The batch's dumps in order: the DUMP arguments (folders expanded), then the list's. Each may
/// be given once.
Expected<std::vector<std::string>> collect_dumps(const BatchOptions& b) {
  std::vector<std::string> out;
  for (const std::string& d : b.dumps) {
    std::error_code ec;
    if (fs::is_directory(d, ec)) {
      // Its reports would be the next batch's dumps.
      if (fs::equivalent(d, b.reports, ec)) return Error{d + ": the --reports folder cannot be a folder of dumps"};
      Expected<std::vector<std::string>> files = files_in(d);
      if (!files) return files.error();
      out.insert(out.end(), files->begin(), files->end());
    } else if (fs::exists(d, ec)) {
      out.push_back(d);
    } else {
      return Error{d + ": no such file or folder"};
    }
  }
  if (!b.dump_list.empty()) {
    Expected<std::vector<std::string>> listed = read_dump_list(b.dump_list);
    if (!listed) return listed.error();
    out.insert(out.end(), listed->begin(), listed->end());
  }
  std::set<std::string> seen;
  for (const std::string& d : out)
    if (!seen.insert(fs::path(d).lexically_normal().string()).second)
      return Error{d + ": given twice (a batch checks each dump once)"};
  if (out.empty()) return Error{"no dump to check (the folders and the list are empty)"};
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workers' options: check's own, passed on to each, less the batch's and those of one dump.

const std::set<std::string, std::less<>> kBatchOnly = {"spec",         "fail-on",   "jobs",      "reports",
                                                       "summary-json", "dump-list", "list-rules"};
const std::set<std::string, std::less<>> kOneDumpFiles = {"registers", "cr3",        "cpuinfo",      "cpu",
                                                          "kallsyms",  "system-map", "kaslr-offset", "baseline",
                                                          "emit-smt2", "with-mem"};
const std::set<std::string, std::less<>> kReportFiles = {"output", "json", "sarif", "junit", "ktap", "html"};

/// The options given to check that every worker gets (`--NAME=VALUE`, one per value, as CLI11
/// read them); an error for an option that names one dump's file or one report file.
Expected<std::vector<std::string>> worker_options(const CLI::App& check) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : check.get_options()) {
    if (opt->count() == 0 || opt->get_lnames().empty()) continue;
    const std::string& name = opt->get_lnames().front();
    if (kBatchOnly.contains(name)) continue;
    if (kOneDumpFiles.contains(name))
      return Error{"--" + name +
                   " belongs to one dump, and a batch gives every dump the same options: check that dump on "
                   "its own (sliced cores carry their registers and CPU facts)"};
    if (kReportFiles.contains(name))
      return Error{"--" + name +
                   " names one report file: a batch writes each dump's text and JSON report into "
                   "--reports DIR, and its summary to standard output and --summary-json FILE"};
    for (const std::string& value : opt->results()) out.push_back("--" + name + "=" + value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report names: the dump's file name, and NNN- in front (its place in the batch) when two dumps
// share one.

std::vector<std::string> report_stems(const std::vector<std::string>& dumps) {
  std::map<std::string, int> uses;
  for (const std::string& d : dumps) ++uses[fs::path(d).filename().string()];
  std::vector<std::string> out;
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    const std::string name = fs::path(dumps[i]).filename().string();
    if (uses[name] == 1) {
      out.push_back(name);
      continue;
    }
    std::ostringstream prefixed;
    prefixed << std::setw(3) << std::setfill('0') << i + 1 << '-' << name;
    out.push_back(prefixed.str());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pool.

struct Job {
  std::string dump;
  fs::path json, text, log;
};

struct Running {
  std::size_t job = 0;
  pid_t pid = 0;
  Clock::time_point start;
  bool killed = false;
};

/// Starts /proc/self/exe check JOB.DUMP ... with standard input and output on /dev/null and
/// standard error into the job's log.
Expected<pid_t> spawn_worker(const Job& job, const std::string& spec, const std::vector<std::string>& options) {
  std::vector<std::string> args = {
      "ptverify", "check", job.dump, "--spec=" + spec, "--json=" + job.json.string(), "--output=" + job.text.string()};
  args.insert(args.end(), options.begin(), options.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, job.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The environment, with the batch's process id for end_with_batch.
  const std::string prefix = std::string(kBatchParentVariable) + "=";
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind(prefix, 0) != 0) env_text.emplace_back(*e);
  env_text.push_back(prefix + std::to_string(::getpid()));
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error{job.dump + ": cannot start a worker: " + std::strerror(rc), true};
  return pid;
}

/// The last non-empty line of the file at `path` (a worker's stderr), "" when none.
std::string last_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

batch::DumpOutcome finished(const Job& job, const Running& r, int status) {
  batch::WorkerEnd end;
  end.waited_seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
  end.timed_out = r.killed;
  if (WIFSIGNALED(status)) end.signal = WTERMSIG(status);
  if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
  end.stderr_tail = last_line(job.log);
  std::error_code ec;
  if (fs::is_regular_file(job.json, ec))
    if (Expected<std::string> text = read_whole_file(job.json.string())) end.report_text = std::move(*text);
  batch::DumpOutcome o = batch::outcome_of_worker(job.dump, end.report_text ? job.json.string() : "", end);
  o.seconds = end.waited_seconds;
  return o;
}

/// How long a worker may run: its --time-limit, the grace its own watchdog allows after it, and
/// 5 s more for that watchdog to end it; forever without a limit.
std::optional<double> kill_after(double time_limit_s) {
  if (!(time_limit_s > 0)) return std::nullopt;
  return time_limit_s + time_watchdog_grace(time_limit_s) + 5;
}

// The running workers' process ids, for on_batch_signal: plain ints a signal handler may read.
volatile std::sig_atomic_t g_workers[kMaxBatchJobs];

// A batch that is stopped (a CI job cancelled, Ctrl-C, a closed terminal) stops its workers
// rather than leaving them to run on, then ends by the signal as every ptverify run does.
extern "C" void on_batch_signal(int sig) {
  for (const volatile std::sig_atomic_t& pid : g_workers)
    if (pid > 0) kill(static_cast<pid_t>(pid), SIGTERM);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

/// While it lives, the workers it is told of are stopped with the batch (on_batch_signal for
/// SIGINT, SIGTERM and SIGHUP, unless ignored); at its end, any still running (the batch failed
/// early) are stopped and reaped, and the previous handlers are back.
class WorkerGuard {
 public:
  WorkerGuard() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      sigaction(kSignals[i], nullptr, &previous_[i]);
      if (previous_[i].sa_handler != SIG_IGN) std::signal(kSignals[i], on_batch_signal);
    }
  }
  ~WorkerGuard() {
    for (volatile std::sig_atomic_t& pid : g_workers) {
      if (pid <= 0) continue;
      kill(static_cast<pid_t>(pid), SIGKILL);
      waitpid(static_cast<pid_t>(pid), nullptr, 0);
      pid = 0;
    }
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  WorkerGuard(const WorkerGuard&) = delete;
  WorkerGuard& operator=(const WorkerGuard&) = delete;

  static void started(pid_t pid) { set(0, pid); }
  static void ended(pid_t pid) { set(pid, 0); }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  static void set(pid_t from, pid_t to) {
    for (volatile std::sig_atomic_t& slot : g_workers) {
      if (slot != from) continue;
      slot = to;
      return;
    }
  }
  std::array<struct sigaction, kSignals.size()> previous_{};
};

/// Runs every job, `jobs` (at most kMaxBatchJobs) at a time; each outcome is in its job's place.
Expected<std::vector<batch::DumpOutcome>> run_pool(const std::vector<Job>& all, unsigned jobs, const std::string& spec,
                                                   const std::vector<std::string>& options, double time_limit_s) {
  WorkerGuard guard;
  std::vector<batch::DumpOutcome> outcomes(all.size());
  std::vector<Running> running;
  const std::optional<double> limit = kill_after(time_limit_s);
  std::size_t next = 0;
  while (next < all.size() || !running.empty()) {
    while (next < all.size() && running.size() < jobs) {
      Expected<pid_t> pid = spawn_worker(all[next], spec, options);
      if (!pid) return pid.error();
      WorkerGuard::started(*pid);
      running.push_back({next++, *pid, Clock::now(), false});
    }
    bool reaped = false;
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      if (waitpid(it->pid, &status, WNOHANG) == it->pid) {
        WorkerGuard::ended(it->pid);
        outcomes[it->job] = finished(all[it->job], *it, status);
        it = running.erase(it);
        reaped = true;
        continue;
      }
      if (limit && !it->killed && std::chrono::duration<double>(Clock::now() - it->start).count() > *limit) {
        kill(it->pid, SIGKILL);  // its own watchdog did not end it: the batch goes on without it
        it->killed = true;
      }
      ++it;
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return outcomes;
}

/// Each dump's report files in `dir` (created); stale reports of an earlier batch are removed
/// first, so that a worker that dies before writing cannot leave an old verdict behind.
Expected<std::vector<Job>> plan_jobs(const std::vector<std::string>& dumps, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) return Error{dir.string() + ": cannot create the reports folder"};
  std::vector<Job> out;
  const std::vector<std::string> stems = report_stems(dumps);
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    Job j{dumps[i], dir / (stems[i] + ".json"), dir / (stems[i] + ".txt"), dir / (stems[i] + ".log")};
    fs::remove(j.json, ec);
    fs::remove(j.text, ec);
    out.push_back(std::move(j));
  }
  return out;
}

/// The spec as the workers will read it, parsed once here (a bad spec is one error, not one per
/// dump), and the digest of its flattened form (`spec show`): a spec's "extends" counts, its
/// comments and spacing do not.
Expected<std::string> checked_spec_digest(const std::string& spec) {
  if (Expected<spec::Spec> s = load_spec_named(spec); !s) return s.error();
  Expected<fs::path> path = resolve_spec(spec);
  if (!path) return path.error();
  Expected<std::string> flat = spec::flatten_spec(*path, spec_search());
  if (!flat) return flat.error();
  return batch::spec_digest(*flat);
}

int write_summary(const batch::Summary& s, const std::string& json_file) {
  if (!json_file.empty()) {
    const auto write = [&s](std::ostream& os, bool) { batch::write_summary_json(s, os); };
    if (auto code = write_one(json_file, write)) return *code;
  }
  if (json_file != "-") batch::write_summary_text(s, std::cout);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void add_batch_options(CLI::App& check, BatchOptions& b) {
  check.add_option("--dump-list", b.dump_list,
                   "Batch: also check the dumps this file lists, one path a line (blank lines and # comments "
                   "skipped; relative to the list's folder)");
  check
      .add_option("--jobs", b.jobs,
                  "Batch: check this many dumps at once, each in its own process; 0 = one "
                  "per CPU")
      ->capture_default_str()
      ->check(non_negative_integer());
  check.add_option("--reports", b.reports, "Batch: the folder each dump's text and JSON report is written into")
      ->capture_default_str();
  check.add_option("--summary-json", b.summary_json,
                   "Batch: also write the summary as JSON to FILE (- for standard output, instead of the text)");
}

bool is_batch(const CLI::App& check, const BatchOptions& b) {
  if (b.dumps.size() > 1) return true;
  for (const char* name : {"--dump-list", "--jobs", "--reports", "--summary-json"})
    if (check.get_option(name)->count() > 0) return true;
  std::error_code ec;
  return b.dumps.size() == 1 && fs::is_directory(b.dumps.front(), ec);
}

int run_check_batch(const CLI::App& check, const BatchOptions& b, const std::string& spec, FailOn fail_on,
                    double time_limit_s) {
  const auto start = Clock::now();
  if (spec.empty()) return bad_input("check: --spec SPEC is required");
  Expected<std::vector<std::string>> options = worker_options(check);
  if (!options) return bad_input("check: " + options.error().message);
  Expected<std::vector<std::string>> dumps = collect_dumps(b);
  if (!dumps) return bad_input("check: " + dumps.error().message);
  Expected<std::string> digest = checked_spec_digest(spec);
  if (!digest) return bad_input(digest.error().message);
  Expected<std::vector<Job>> jobs = plan_jobs(*dumps, b.reports);
  if (!jobs) return bad_input("check: " + jobs.error().message);
  const unsigned n = std::min(kMaxBatchJobs, b.jobs > 0 ? b.jobs : std::max(1U, std::thread::hardware_concurrency()));
  Expected<std::vector<batch::DumpOutcome>> outcomes = run_pool(*jobs, n, spec, *options, time_limit_s);
  if (!outcomes) return failed(outcomes.error());
  batch::Summary s{spec, *digest, std::move(*outcomes), std::chrono::duration<double>(Clock::now() - start).count(), 1};
  if (const int code = write_summary(s, b.summary_json); code != 0) return code;
  return static_cast<int>(batch::exit_code(s, fail_on.violated, fail_on.unknown));
}

int run_merge_summaries(const std::vector<std::string>& files, const std::string& summary_json, FailOn fail_on) {
  std::vector<std::pair<std::string, batch::Summary>> shards;
  for (const std::string& f : files) {
    Expected<std::string> text = read_whole_file(f);
    if (!text) return bad_input("report --merge: " + text.error().message);
    Expected<batch::Summary> s = batch::parse_summary_json(*text, f);
    if (!s) return bad_input("report --merge: " + s.error().message);
    shards.emplace_back(f, std::move(*s));
  }
  Expected<batch::Summary> merged = batch::merge(shards);
  if (!merged) return bad_input("report --merge: " + merged.error().message);
  if (const int code = write_summary(*merged, summary_json); code != 0) return code;
  return static_cast<int>(batch::exit_code(*merged, fail_on.violated, fail_on.unknown));
}

void end_with_batch() {
  const char* parent = std::getenv(kBatchParentVariable);
  if (parent == nullptr) return;
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The batch may have died before the request: then the worker is the orphan it would stop.
  if (std::to_string(::getppid()) != parent) std::raise(SIGTERM);
}

}  // namespace ptv::cli
