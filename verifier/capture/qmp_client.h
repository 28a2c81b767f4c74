// A client of QEMU's machine protocol (QMP): JSON messages over a unix socket, one per line.
// [QEMU docs/interop/qmp-spec.rst]
//
//   QEMU:    {"QMP": {"version": {...}, "capabilities": [...]}}     the greeting
//   client:  {"execute": "qmp_capabilities"}                       leaves negotiation mode
//   client:  {"execute": "stop", "id": 3}
//   QEMU:    {"event": "STOP", "timestamp": {...}}                 events come at any time,
//   QEMU:    {"return": {}, "id": 3}                               also between a command and
//                                                                  its reply ("error" instead of
//                                                                  "return" when it failed)
//
// Every command waits for its own reply (matched by "id") at most a given time; events read
// meanwhile are kept, in order, for wait_event. Every error names the socket and the command:
// "QMP socket /run/vm.sock: stop: no reply within 5 s".
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "models/expected.h"

namespace ptv::capture {

/// QMP messages. ordered_json: g++ 12 reports a false -Warray-bounds inside the std::map of
/// nlohmann::json at -O2 (as mapping_json.cpp notes).
using Json = nlohmann::ordered_json;

class QmpClient {
 public:
  /// Connects to the unix socket `path`, reads the greeting and negotiates capabilities, each
  /// within `timeout`. Errors: no socket there, refused, no greeting, a greeting that is not
  /// QMP's, an error reply to qmp_capabilities.
  [[nodiscard]] static Expected<QmpClient> connect(const std::string& path, std::chrono::milliseconds timeout);

  QmpClient(QmpClient&& other) noexcept;
  QmpClient& operator=(QmpClient&& other) noexcept;
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;
  ~QmpClient();

  /// Runs `command` with `arguments` (an object, or null for none) and returns its "return"
  /// value. Errors: QEMU's "error" reply (its class and description), the connection closed
  /// before the reply (the client is then disconnected), no reply within `timeout`, a message
  /// that is not JSON.
  [[nodiscard]] Expected<Json> execute(const std::string& command, const Json& arguments,
                                       std::chrono::milliseconds timeout);
  /// human-monitor-command: the text a monitor command prints (with "\r\n" turned into "\n"),
  /// run on vCPU `cpu` when given (else the monitor's current one, vCPU 0).
  [[nodiscard]] Expected<std::string> human(const std::string& command_line, std::optional<unsigned> cpu,
                                            std::chrono::milliseconds timeout);
  /// The first kept event named `name` (removed from the kept ones), reading more until one
  /// comes or `timeout` passes. `doing` names the command it belongs to, for the messages.
  [[nodiscard]] Expected<Json> wait_event(const std::string& name, const std::string& doing,
                                          std::chrono::milliseconds timeout);

  /// The greeting's "QMP" object.
  [[nodiscard]] const Json& greeting() const { return greeting_; }
  /// False once the connection was closed by either side.
  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Events read while waiting for replies and not yet taken by wait_event (the oldest dropped
  /// past kMaxKeptEvents).
  [[nodiscard]] const std::deque<Json>& events() const { return events_; }

  static constexpr std::size_t kMaxKeptEvents = 1024;
  /// The longest message accepted (`info tlb` of a large guest is a few MiB).
  static constexpr std::size_t kMaxMessageBytes = std::size_t{256} << 20;

 private:
  QmpClient(int fd, std::string path);
  void close_connection();
  [[nodiscard]] std::string where(const std::string& command) const;
  /// The next message (a JSON object), or an error naming `command`.
  [[nodiscard]] Expected<Json> read_message(const std::string& command, std::chrono::steady_clock::time_point deadline,
                                            std::chrono::milliseconds timeout);
  /// execute, with `label` naming the command in the messages and the arguments as JSON text
  /// (empty for none).
  [[nodiscard]] Expected<Json> run(const std::string& command, const std::string& label, const std::string& arguments,
                                   std::chrono::milliseconds timeout);
  [[nodiscard]] std::optional<Error> send_line(const std::string& command, const std::string& line);

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  std::deque<Json> events_;
  Json greeting_;
  std::uint64_t next_id_ = 1;
};

/// "5 s", "0.2 s": a timeout as the messages say it.
[[nodiscard]] std::string seconds_text(std::chrono::milliseconds t);

}  // namespace ptv::capture
