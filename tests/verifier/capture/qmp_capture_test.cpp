// Strategy: capture's QMP side against a fake QEMU (fake_qmp.h) that follows a script: first the
// client alone (replies matched through interleaved events, QEMU's error replies, a closed
// socket, silence until the timeout), then the whole capture sequence on canned replies: the
// happy path, the retries until a vCPU is in kernel mode, a guest already paused, and each
// failure of the dump, where the guest must be resumed (or the error must say why not).
#include "verifier/capture/qmp_capture.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "verifier/capture/fake_qmp.h"
#include "verifier/capture/manifest.h"
#include "verifier/capture/qmp_client.h"

using namespace ptv;
using namespace ptv::capture;
using json = ptv::capture::Json;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kTimeout{5'000};

const char* const kStopEvent = R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})";
const char* const kResumeEvent = R"({"timestamp": {"seconds": 1, "microseconds": 3}, "event": "RESUME"})";
const char* const kRtcEvent =
    R"({"timestamp": {"seconds": 1, "microseconds": 4}, "event": "RTC_CHANGE", "data": {"offset": 0}})";

std::string registers_block(unsigned cpu, unsigned cpl, const char* cr3, const char* cr4 = "00350ef0") {
  std::ostringstream s;
  s << "CPU#" << cpu << "\n"
    << "RIP=ffffffff992592eb RFL=00000246 [---Z-P-] CPL=" << cpl << " II=0 A20=1 SMM=0 HLT=1\n"
    << "EFER=0000000000000d01\n"
    << "CR0=80050033 CR2=00007f0000000000 CR3=" << cr3 << " CR4=" << cr4 << "\n";
  return s.str();
}

// {"return": VALUE, "id": @ID}: the fake puts the request's id in.
std::string ret(const json& value) { return R"({"return": )" + value.dump() + R"(, "id": @ID})"; }
std::string err(const std::string& cls, const std::string& desc) {
  return R"({"error": {"class": ")" + cls + R"(", "desc": ")" + desc + R"("}, "id": @ID})";
}

// A guest as QEMU shows it: running or not, one CPL per pause (the last one repeats), and
// dump-guest-memory writing a small file and sending DUMP_COMPLETED after its reply.
struct Guest {
  bool running = true;
  std::vector<unsigned> cpl_per_pause{0};
  unsigned pauses = 0;
  std::vector<std::string> dump_lines;  // empty: the default reply, the file, the event
  std::function<std::optional<std::vector<std::string>>(const json&)> special;

  std::vector<std::string> operator()(const json& r) {
    if (special)
      if (auto lines = special(r)) return *lines;
    const std::string cmd = r.value("execute", "");
    if (cmd == "qmp_capabilities") return {ret(json::object())};
    if (cmd == "query-version")
      return {
          ret({{"qemu", {{"major", 7}, {"minor", 2}, {"micro", 19}}}, {"package", " Debian 1:7.2+dfsg-7+deb12u18"}})};
    if (cmd == "query-status")
      return {ret({{"running", running}, {"singlestep", false}, {"status", running ? "running" : "paused"}})};
    if (cmd == "stop") {
      running = false;
      ++pauses;
      return {kStopEvent, ret(json::object())};  // the event before the reply, as QEMU sends it
    }
    if (cmd == "cont") {
      running = true;
      return {ret(json::object()), kResumeEvent};
    }
    if (cmd == "human-monitor-command") {
      const std::string line = r["arguments"].value("command-line", "");
      const unsigned cpl = cpl_per_pause[std::min<std::size_t>(pauses ? pauses - 1 : 0, cpl_per_pause.size() - 1)];
      std::string text;
      if (line == "info registers -a")
        text = registers_block(0, cpl, "000000000625c000") + registers_block(1, 3, "0000000004a01000");
      else if (line == "info registers")
        text = registers_block(0, cpl, "000000000625c000");
      else if (line == "info tlb")
        text = "ffffffff81000000: 0000000001000000 --PDA---W\r\n";
      else if (line == "info mem")
        text = "ffffffff81000000-ffffffff81200000 0000000000200000 -rw\r\n";
      return {kRtcEvent, ret(text)};
    }
    if (cmd == "dump-guest-memory") {
      if (!dump_lines.empty()) return dump_lines;
      const std::string file = r["arguments"].value("protocol", "").substr(5);
      std::ofstream(file) << "core";
      return {
          ret(json::object()), kRtcEvent,
          R"({"event": "DUMP_COMPLETED", "data": {"result": {"total": 4, "status": "completed", "completed": 4}}})"};
    }
    if (cmd == "query-dump") return {ret({{"status", "active"}, {"completed", 1}, {"total", 4}})};
    return {err("CommandNotFound", "The command " + cmd + " has not been found")};
  }
};

struct OutDir {
  std::filesystem::path path;
  OutDir() {
    char pattern[] = "/tmp/ptv-capture-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~OutDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  [[nodiscard]] std::string read(const std::string& name) const {
    std::ifstream in(path / name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

PauseOptions options(const OutDir& out) {
  PauseOptions o;
  o.out_dir = out.path.string();
  o.timeout = kTimeout;
  o.retry_pause = milliseconds(1);
  return o;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE("qmp client: the greeting, capabilities, and a reply found among interleaved events") {
  Guest guest;
  test::FakeQmp fake(std::ref(guest));
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->greeting()["version"]["qemu"]["major"] == 7);
  Expected<json> s = c->execute("stop", nullptr, kTimeout);
  REQUIRE(s.ok());
  CHECK(*s == json::object());
  Expected<std::string> t = c->human("info tlb", 0U, kTimeout);
  REQUIRE(t.ok());
  CHECK(*t == "ffffffff81000000: 0000000001000000 --PDA---W\n");  // CRLF turned into LF
  // The STOP and RTC_CHANGE events were kept, in order.
  REQUIRE(c->events().size() == 2);
  CHECK(c->events()[0]["event"] == "STOP");
  CHECK(c->events()[1]["event"] == "RTC_CHANGE");
  CHECK(fake.received() == std::vector<std::string>{"qmp_capabilities", "stop", "hmp:info tlb@0"});
}

TEST_CASE("qmp client: a reply with another command's id is not taken for this one's") {
  Guest guest;
  guest.special = [](const json& r) -> std::optional<std::vector<std::string>> {
    if (r.value("execute", "") != "query-status") return std::nullopt;
    return std::vector<std::string>{R"({"return": {"running": false}, "id": 999})",
                                    R"({"return": {"running": true, "status": "running"}, "id": @ID})"};
  };
  test::FakeQmp fake(std::ref(guest));
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<json> s = c->execute("query-status", nullptr, kTimeout);
  REQUIRE(s.ok());
  CHECK((*s)["running"] == true);
}

TEST_CASE("qmp client: QEMU's error reply names the socket, the command, the class and the description") {
  Guest guest;
  test::FakeQmp fake(std::ref(guest));
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<json> r = c->execute("no-such-command", nullptr, kTimeout);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() +
                                 ": no-such-command: QEMU answered with an error (CommandNotFound): The command "
                                 "no-such-command has not been found");
  CHECK(c->connected());  // an error reply is an answer: the connection stays usable
  CHECK(c->execute("stop", nullptr, kTimeout).ok());
}

TEST_CASE("qmp client: a socket nobody listens on, and a greeting that is not QMP's") {
  Expected<QmpClient> none = QmpClient::connect("/nonexistent/qmp.sock", kTimeout);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.starts_with("QMP socket /nonexistent/qmp.sock: cannot connect: No such file"));

  Guest guest;
  test::FakeQmp fake(std::ref(guest), R"({"hello": "world"})");
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("greeting: expected QEMU's {\"QMP\": ...} greeting") != std::string::npos);
}

TEST_CASE("qmp client: QEMU never answers: the timeout names the socket and the command") {
  Guest guest;
  guest.special = [](const json& r) -> std::optional<std::vector<std::string>> {
    if (r.value("execute", "") == "query-version") return std::vector<std::string>{};  // silence
    return std::nullopt;
  };
  test::FakeQmp fake(std::ref(guest));
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  const auto t0 = std::chrono::steady_clock::now();
  Expected<json> r = c->execute("query-version", nullptr, milliseconds(200));
  const auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() + ": query-version: no reply within 0.2 s");
  CHECK(waited >= milliseconds(200));
  CHECK(waited < milliseconds(3'000));
}

TEST_CASE("capture: the whole sequence on canned replies writes every file and resumes the guest") {
  Guest guest;
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  std::ostringstream log;
  Expected<PauseRecord> r = capture_paused(*c, options(out), &log);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->qemu_version == "7.2.19");
  CHECK(r->qemu_package == "Debian 1:7.2+dfsg-7+deb12u18");
  CHECK(r->pauses == 1);
  CHECK(r->kernel_mode);
  CHECK(r->chosen_cpu == 0);
  CHECK(r->was_running);
  CHECK(r->resumed);
  REQUIRE(r->vcpus.size() == 2);
  CHECK(r->vcpus[1].cpl == 3U);
  CHECK(r->vcpus[1].cr3 == 0x4a01000U);
  CHECK(r->files ==
        std::vector<std::string>{"registers-all.txt", "registers.txt", "info-tlb.txt", "info-mem.txt", "core.elf"});
  CHECK(out.read("registers.txt") == registers_block(0, 0, "000000000625c000"));
  CHECK(out.read("info-tlb.txt") == "ffffffff81000000: 0000000001000000 --PDA---W\n");
  CHECK(out.read("core.elf") == "core");
  CHECK(fake.received() == std::vector<std::string>{"qmp_capabilities", "query-version", "query-status", "stop",
                                                    "hmp:info registers -a", "hmp:info registers@0", "hmp:info tlb@0",
                                                    "hmp:info mem@0", "dump-guest-memory", "cont"});
  const Json m = manifest_json(*r, json{{"qmp", fake.path()}}, std::nullopt);
  CHECK(m["paging"] == "4-level");
  CHECK(m["vcpus"][0]["cr3"] == "0x625c000");
  CHECK(m["kernel_command_line"].is_null());
}

TEST_CASE("capture: DUMP_COMPLETED may come before dump-guest-memory's own reply") {
  Guest guest;
  guest.special = [](const json& r) -> std::optional<std::vector<std::string>> {
    if (r.value("execute", "") != "dump-guest-memory") return std::nullopt;
    std::ofstream(r["arguments"].value("protocol", "").substr(5)) << "core";
    return std::vector<std::string>{R"({"event": "DUMP_COMPLETED", "data": {"result": {"status": "completed"}}})",
                                    ret(json::object())};
  };
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<PauseRecord> r = capture_paused(*c, options(out), nullptr);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->resumed);
}

TEST_CASE("capture: a vCPU in user mode is paused again until it is in kernel mode, within --retries") {
  Guest guest;
  guest.cpl_per_pause = {3, 3, 0};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  PauseOptions o = options(out);
  o.cpu = 0;
  Expected<PauseRecord> r = capture_paused(*c, o, nullptr);
  REQUIRE(r.ok());
  CHECK(r->pauses == 3);
  CHECK(r->kernel_mode);
  const std::vector<std::string> got = fake.received();
  CHECK(std::count(got.begin(), got.end(), "stop") == 3);
  CHECK(std::count(got.begin(), got.end(), "cont") == 3);  // two between the pauses, one at the end
}

TEST_CASE("capture: no pause finds kernel mode: the last pause is kept and recorded as such") {
  Guest guest;
  guest.cpl_per_pause = {3};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  PauseOptions o = options(out);
  o.cpu = 0;
  o.retries = 2;
  Expected<PauseRecord> r = capture_paused(*c, o, nullptr);
  REQUIRE(r.ok());
  CHECK(r->pauses == 3);
  CHECK_FALSE(r->kernel_mode);
  CHECK(manifest_json(*r, nullptr, std::nullopt)["kernel_mode"] == false);
}

TEST_CASE("capture: without --cpu the first vCPU in kernel mode is chosen") {
  std::vector<ControlRegisters> v(2);
  v[0].cpl = 3;
  v[0].cpu = 0;
  v[1].cpl = 0;
  v[1].cpu = 1;
  CHECK(choose_vcpu(v, std::nullopt) == 1U);
  CHECK(choose_vcpu(v, 0U) == 0U);
  CHECK_FALSE(choose_vcpu(v, 7U).has_value());
  v[1].cpl = 3;
  CHECK(choose_vcpu(v, std::nullopt) == 0U);  // none in kernel mode: the first
}

TEST_CASE("capture: a guest already paused is captured as it is, neither stopped nor resumed") {
  Guest guest;
  guest.running = false;
  guest.cpl_per_pause = {3};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<PauseRecord> r = capture_paused(*c, options(out), nullptr);
  REQUIRE(r.ok());
  CHECK(r->pauses == 0);
  CHECK_FALSE(r->was_running);
  CHECK_FALSE(r->resumed);
  const std::vector<std::string> got = fake.received();
  CHECK_FALSE(contains(got, "stop"));
  CHECK_FALSE(contains(got, "cont"));
}

TEST_CASE("capture: --keep-paused leaves the guest stopped") {
  Guest guest;
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  PauseOptions o = options(out);
  o.keep_paused = true;
  Expected<PauseRecord> r = capture_paused(*c, o, nullptr);
  REQUIRE(r.ok());
  CHECK_FALSE(r->resumed);
  CHECK_FALSE(contains(fake.received(), "cont"));
}

TEST_CASE("capture: QEMU answers dump-guest-memory with an error: exit message names it, the guest is resumed") {
  Guest guest;
  guest.dump_lines = {err("GenericError", "dump: failed to save memory: No space left on device")};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<PauseRecord> r = capture_paused(*c, options(out), nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() +
                                 ": dump-guest-memory: QEMU answered with an error (GenericError): dump: failed to "
                                 "save memory: No space left on device (the guest was resumed)");
  CHECK(fake.received().back() == "cont");
}

TEST_CASE("capture: DUMP_COMPLETED reporting an error is an error, and the guest is resumed") {
  Guest guest;
  guest.dump_lines = {ret(json::object()),
                      R"({"event": "DUMP_COMPLETED", "data": {"result": {"status": "failed"}, "error": "disk full"}})"};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<PauseRecord> r = capture_paused(*c, options(out), nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("dump-guest-memory: QEMU could not write " + (out.path / "core.elf").string() +
                               ": disk full (the guest was resumed)") != std::string::npos);
}

TEST_CASE("capture: QEMU closes the socket mid-dump: the error says so and that the guest could not be resumed") {
  Guest guest;
  guest.dump_lines = {ret(json::object()), test::kClose};
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  Expected<PauseRecord> r = capture_paused(*c, options(out), nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() +
                                 ": dump-guest-memory: QEMU closed the connection before replying (the guest could "
                                 "not be resumed: no connection)");
  CHECK_FALSE(c->connected());
}

TEST_CASE("capture: the dump never completes: the timeout names the command and the dump's progress") {
  Guest guest;
  guest.dump_lines = {ret(json::object())};  // no DUMP_COMPLETED ever
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  PauseOptions o = options(out);
  o.timeout = milliseconds(300);
  Expected<PauseRecord> r = capture_paused(*c, o, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() +
                                 ": dump-guest-memory: no DUMP_COMPLETED event within 0.3 s (query-dump: active, 1 "
                                 "of 4 bytes) (the guest was resumed)");
}

TEST_CASE("capture: QEMU never answers stop's successor: timeout, and the guest is resumed") {
  Guest guest;
  guest.special = [](const json& r) -> std::optional<std::vector<std::string>> {
    if (r.value("execute", "") == "human-monitor-command") return std::vector<std::string>{};
    return std::nullopt;
  };
  test::FakeQmp fake(std::ref(guest));
  OutDir out;
  Expected<QmpClient> c = QmpClient::connect(fake.path(), kTimeout);
  REQUIRE(c.ok());
  PauseOptions o = options(out);
  o.timeout = milliseconds(200);
  Expected<PauseRecord> r = capture_paused(*c, o, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "QMP socket " + fake.path() +
                                 ": human-monitor-command (info registers -a): no reply within 0.2 s (the guest was "
                                 "resumed)");
  CHECK(fake.received().back() == "cont");
}
