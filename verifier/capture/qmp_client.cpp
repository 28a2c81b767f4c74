#include "verifier/capture/qmp_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "verifier/base/json_read.h"

namespace ptv::capture {

using Clock = std::chrono::steady_clock;

namespace {

// A JSON string literal of `s` (RFC 8259 §7): quotes, backslashes and control characters escaped.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

std::string seconds_text(std::chrono::milliseconds t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(t.count()) / 1000.0);
  return buf;
}

QmpClient::QmpClient(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

QmpClient::QmpClient(QmpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      buffer_(std::move(other.buffer_)),
      events_(std::move(other.events_)),
      greeting_(std::move(other.greeting_)),
      next_id_(other.next_id_) {}

QmpClient& QmpClient::operator=(QmpClient&& other) noexcept {
  if (this != &other) {
    close_connection();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    buffer_ = std::move(other.buffer_);
    events_ = std::move(other.events_);
    greeting_ = std::move(other.greeting_);
    next_id_ = other.next_id_;
  }
  return *this;
}

QmpClient::~QmpClient() { close_connection(); }

void QmpClient::close_connection() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string QmpClient::where(const std::string& command) const { return "QMP socket " + path_ + ": " + command; }

Expected<QmpClient> QmpClient::connect(const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Error{"QMP socket " + path + ": the path must have 1 to " + std::to_string(sizeof addr.sun_path - 1) +
                 " bytes"};
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"QMP socket " + path + ": cannot create a socket: " + std::strerror(errno)};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{"QMP socket " + path + ": cannot connect: " + std::strerror(err) +
                 (err == ENOENT || err == ECONNREFUSED
                      ? " (is QEMU running with -qmp unix:" + path + ",server=on,wait=off?)"
                      : "")};
  }
  QmpClient client(fd, path);
  Expected<Json> hello = client.read_message("greeting", Clock::now() + timeout, timeout);
  if (!hello) return hello.error();
  if (!hello->contains("QMP") || !(*hello)["QMP"].is_object())
    return Error{client.where("greeting") + ": expected QEMU's {\"QMP\": ...} greeting, found " + hello->dump()};
  client.greeting_ = (*hello)["QMP"];
  Expected<Json> caps = client.execute("qmp_capabilities", nullptr, timeout);
  if (!caps) return caps.error();
  return client;
}

std::optional<Error> QmpClient::send_line(const std::string& command, const std::string& line) {
  if (fd_ < 0) return Error{where(command) + ": the connection is closed"};
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close_connection();
      return Error{
          where(command) + ": cannot send: " +
          (err == EPIPE || err == ECONNRESET ? std::string("QEMU closed the connection") : std::strerror(err))};
    }
    sent += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

Expected<Json> QmpClient::read_message(const std::string& command, Clock::time_point deadline,
                                       std::chrono::milliseconds timeout) {
  for (;;) {
    if (const std::size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      Expected<Json> message =
          read_json<Json>(line, where(command) + ": QEMU's message", [](const Json& j) { return j; });
      if (!message) return message.error();
      if (!message->is_object())
        return Error{where(command) + ": QEMU sent a message that is not a JSON object: " +
                     line.substr(0, std::min<std::size_t>(line.size(), 200))};
      return message;
    }
    if (buffer_.size() > kMaxMessageBytes)
      return Error{where(command) + ": a message longer than " + std::to_string(kMaxMessageBytes >> 20) + " MiB"};
    if (fd_ < 0) return Error{where(command) + ": the connection is closed"};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Error{where(command) + ": no reply within " + seconds_text(timeout)};
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 60'000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Error{where(command) + ": poll: " + std::strerror(errno)};
    if (ready == 0) continue;
    char chunk[1 << 16];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      close_connection();
      return Error{where(command) + ": QEMU closed the connection before replying" +
                   (err ? std::string(" (") + std::strerror(err) + ")" : std::string())};
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

Expected<Json> QmpClient::execute(const std::string& command, const Json& arguments,
                                  std::chrono::milliseconds timeout) {
  return run(command, command, arguments.is_null() ? std::string() : arguments.dump(), timeout);
}

Expected<Json> QmpClient::run(const std::string& command, const std::string& label, const std::string& arguments,
                              std::chrono::milliseconds timeout) {
  const std::uint64_t id = next_id_++;
  std::string request = "{\"execute\": " + json_string(command) + ", \"id\": " + std::to_string(id);
  if (!arguments.empty()) request += ", \"arguments\": " + arguments;
  request += "}\n";
  if (std::optional<Error> e = send_line(label, request)) return *e;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    Expected<Json> m = read_message(label, deadline, timeout);
    if (!m) return m.error();
    if (m->contains("event")) {
      events_.push_back(std::move(*m));
      if (events_.size() > kMaxKeptEvents) events_.pop_front();
      continue;
    }
    // A reply to an earlier command that timed out is not this one's.
    if (m->contains("id") && (*m)["id"] != id) continue;
    if (m->contains("return")) return (*m)["return"];
    if (m->contains("error")) {
      const Json& e = (*m)["error"];
      std::string text = e.is_object() ? e.value("desc", std::string()) : std::string();
      const std::string cls = e.is_object() ? e.value("class", std::string()) : std::string();
      if (text.empty()) text = e.dump();
      return Error{where(label) + ": QEMU answered with an error" + (cls.empty() ? "" : " (" + cls + ")") + ": " +
                   text};
    }
    return Error{where(label) + ": expected a reply (\"return\" or \"error\"), found " + m->dump().substr(0, 200)};
  }
}

Expected<std::string> QmpClient::human(const std::string& command_line, std::optional<unsigned> cpu,
                                       std::chrono::milliseconds timeout) {
  std::string args = "{\"command-line\": " + json_string(command_line);
  if (cpu) args += ", \"cpu-index\": " + std::to_string(*cpu);
  args += "}";
  Expected<Json> r = run("human-monitor-command", "human-monitor-command (" + command_line + ")", args, timeout);
  if (!r) return r.error();
  if (!r->is_string())
    return Error{where("human-monitor-command (" + command_line + ")") + ": expected the text as a string, found " +
                 r->dump().substr(0, 200)};
  std::string text = r->get<std::string>();
  std::erase(text, '\r');
  return text;
}

Expected<Json> QmpClient::wait_event(const std::string& name, const std::string& doing,
                                     std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    const auto it =
        std::find_if(events_.begin(), events_.end(), [&](const Json& e) { return e.value("event", "") == name; });
    if (it != events_.end()) {
      Json found = std::move(*it);
      events_.erase(it);
      return found;
    }
    Expected<Json> m = read_message(doing, deadline, timeout);
    if (!m) {
      if (m.error().message.ends_with("no reply within " + seconds_text(timeout)))
        return Error{where(doing) + ": no " + name + " event within " + seconds_text(timeout)};
      return m.error();
    }
    if (m->contains("event")) {
      events_.push_back(std::move(*m));
      if (events_.size() > kMaxKeptEvents) events_.pop_front();
    }
    // A late reply to a command that timed out: dropped.
  }
}

}  // namespace ptv::capture
