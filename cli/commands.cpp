#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <system_error>
#include <variant>

#include "cli/run_limits.h"
#include "models/expected.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/base/printable.h"

namespace ptv::cli {

// One line per subcommand, in the order `ptverify --help` lists them.
Command setup_mappings(CLI::App& app);
Command setup_walk(CLI::App& app);
Command setup_check(CLI::App& app);
Command setup_map(CLI::App& app);
Command setup_slice(CLI::App& app);
Command setup_prove(CLI::App& app);
Command setup_explain(CLI::App& app);
Command setup_diff(CLI::App& app);
Command setup_capture(CLI::App& app);
Command setup_report(CLI::App& app);
Command setup_spec(CLI::App& app);

CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
        if (digits && (text.size() < 20 || text <= "18446744073709551615")) return {};
        return "'" + text + "' is not a whole number from 0 to 18446744073709551615";
      },
      "UINT", "non-negative integer");
}

namespace {

/// The example `ptverify NAME --help` ends with: commands that run as shown from the source tree.
std::string example_for(const std::string& name) {
  const std::string kaslr = "tests/fixtures/linux-6.1-4level-kaslr/";
  if (name == "mappings")
    return "Example:\n  ptverify mappings " + kaslr +
           "core.slice.elf.zst\n  ptverify mappings core.elf --registers "
           "registers.txt --json mappings.json";
  if (name == "walk") return "Example:\n  ptverify walk " + kaslr + "core.slice.elf.zst V0xffffffff81000000";
  if (name == "check")
    return "Example:\n  ptverify check " + kaslr +
           "core.slice.elf.zst --spec linux-x86_64-4level\n  ptverify check core.elf --spec linux-x86_64-4level "
           "--registers registers.txt \\\n      --json report.json --sarif report.sarif --junit junit.xml --ktap "
           "report.ktap --html map.html";
  if (name == "map")
    return "Example:\n  ptverify map " + kaslr + "core.slice.elf.zst --spec linux-x86_64-4level --html map.html";
  if (name == "slice") return "Example:\n  ptverify slice core.elf --registers registers.txt -o core.slice.elf";
  if (name == "prove")
    return "Example:\n  ptverify prove linux-x86_64-4level\n  ptverify prove my-os.json --json proof.json";
  if (name == "explain")
    return "Example:\n  ptverify check core.elf --spec linux-x86_64-4level --json report.json\n  ptverify explain "
           "report.json --all";
  if (name == "diff")
    return "Example:\n  ptverify diff " + kaslr + "core.slice.elf.zst " + kaslr +
           "core.slice.mutated-wx.elf.zst\n  ptverify diff "
           "tests/fixtures/linux-6.1-4level-pti-user/core.slice.elf.zst " +
           kaslr + "core.slice.mutated-wx.elf.zst \\\n      --spec linux-x86_64-4level --kernel-only";
  if (name == "show")
    return "Example:\n  ptverify spec show linux-x86_64-5level\n  ptverify spec show my-os.json -o my-os.flat.json";
  return {};
}

}  // namespace

Commands setup_all(CLI::App& app) {
  Commands all{
      setup_mappings(app), setup_walk(app),   setup_check(app), setup_map(app),     setup_slice(app), setup_prove(app),
      setup_explain(app),  setup_report(app), setup_diff(app),  setup_capture(app), setup_spec(app),
  };
  // Every --help ends with an example (capture and report write their own).
  for (Command& c : all)
    if (c.app->get_footer().empty()) c.app->footer(example_for(c.app->get_name()));
  // Every run is bounded: a subcommand without a --time-limit or --memory-limit of its own gets
  // the watchdog's and the data segment's.
  for (Command& c : all) {
    if (c.app->get_option_no_throw("--time-limit") == nullptr) {
      c.time_limit = std::make_shared<double>(kDefaultTimeLimitSeconds);
      c.app
          ->add_option("--time-limit", *c.time_limit,
                       "The whole run, in seconds: past it the run ends with exit 3 (unknown), leaving no partial "
                       "output file; 0 = none")
          ->capture_default_str()
          ->check(CLI::Range(0.0, 1e7));
    }
    if (c.app->get_option_no_throw("--memory-limit") == nullptr) {
      c.memory_limit = std::make_shared<std::uint64_t>(kDefaultMemoryLimitMib);
      c.app
          ->add_option("--memory-limit", *c.memory_limit,
                       "The run's memory in MiB (its data segment; dumps are mapped and do not count): an allocation "
                       "past it ends the run with exit 3 (unknown); 0 = none")
          ->capture_default_str()
          ->check(non_negative_integer());
    }
  }
  return all;
}

namespace {

// Reaching the memory limit is not an error of ptverify: nothing more could be decided.
int out_of_memory() {
  std::cerr << "ptverify: out of memory";
  if (const std::uint64_t mib = memory_limit_mib(); mib != 0)
    std::cerr << ": the run reached its memory limit (--memory-limit " << mib << " MiB)";
  std::cerr << "; nothing was decided\n";
  return static_cast<int>(ExitCode::kUnknown);
}

}  // namespace

int run_selected(const CLI::App& app, const Commands& commands) {
  (void)app;
  for (const Command& c : commands) {
    if (c.app && c.app->parsed()) {
      if (c.time_limit) arm_time_watchdog(c.app->get_name().c_str(), *c.time_limit, false);
      if (c.memory_limit) limit_memory(*c.memory_limit);
      try {
        return c.run();
      } catch (const std::bad_alloc&) {
        return out_of_memory();
      } catch (const std::system_error& e) {
        // A thread (Z3's timer) or mapping the system could not give: memory again.
        if (e.code() == std::errc::resource_unavailable_try_again || e.code() == std::errc::not_enough_memory)
          return out_of_memory();
        print_error(std::string("internal error: ") + e.what());
        return static_cast<int>(ExitCode::kInternal);
      } catch (const std::exception& e) {
        print_error(std::string("internal error: ") + e.what());
        return static_cast<int>(ExitCode::kInternal);
      }
    }
  }
  return static_cast<int>(ExitCode::kBadInput);
}

void print_error(std::string_view message) { std::cerr << "ptverify: " << printable_lines(message) << '\n'; }

int bad_input(std::string_view message) {
  print_error(message);
  return static_cast<int>(ExitCode::kBadInput);
}

int failed(const Error& e) {
  print_error(e.message);
  return static_cast<int>(e.internal ? ExitCode::kInternal : ExitCode::kBadInput);
}

std::optional<int> check_failed(const check::CheckOutcome& outcome) {
  if (const auto* b = std::get_if<check::BadInput>(&outcome)) return bad_input(b->message);
  if (const auto* e = std::get_if<check::InternalError>(&outcome)) {
    print_error("internal error: " + e->message);
    return static_cast<int>(ExitCode::kInternal);
  }
  return std::nullopt;
}

int finish_standard_output(StandardOutput& out, int code) {
  const int err = out.finish();
  if (err == 0 || err == EPIPE) return code;
  return bad_input(std::string("standard output: cannot write: ") + std::strerror(err));
}

}  // namespace ptv::cli
