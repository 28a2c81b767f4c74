// A fake QEMU on a unix socket in a temporary folder, for the QMP client's tests: it sends the
// greeting, then answers each request through a handler the test writes. The handler sees the
// request and returns the lines to send (events, the reply, in any order), kClose to close the
// connection, or nothing to stay silent. "@ID" in a line becomes the request's "id".
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace ptv::test {

inline const std::string kClose = "<close>";

class FakeQmp {
 public:
  using Handler = std::function<std::vector<std::string>(const nlohmann::ordered_json& request)>;

  explicit FakeQmp(Handler handler,
                   std::string greeting = R"({"QMP": {"version": {"qemu": {"micro": 19, "minor": 2, "major": 7}, )"
                                          R"("package": "Debian 1:7.2+dfsg-7+deb12u18"}, "capabilities": ["oob"]}})")
      : handler_(std::move(handler)), greeting_(std::move(greeting)) {
    char pattern[] = "/tmp/ptv-fake-qmp-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/qmp.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 1) != 0)
      throw std::runtime_error("fake QMP: cannot listen on " + path_);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeQmp() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeQmp(const FakeQmp&) = delete;
  FakeQmp& operator=(const FakeQmp&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  /// The commands received, in order; human-monitor-command as "hmp:<command line>[@cpu]".
  [[nodiscard]] std::vector<std::string> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  void serve() {
    if (!wait_readable(listen_fd_)) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    send_all(fd, greeting_ + "\r\n");
    std::string buffer;
    while (wait_readable(fd)) {
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      bool closed = false;
      for (std::size_t nl; !closed && (nl = buffer.find('\n')) != std::string::npos;) {
        const nlohmann::ordered_json request = nlohmann::ordered_json::parse(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        std::string name = request.value("execute", "");
        if (name == "human-monitor-command") {
          const nlohmann::ordered_json& a = request["arguments"];
          name = "hmp:" + a.value("command-line", "");
          if (a.contains("cpu-index")) name += "@" + std::to_string(a["cpu-index"].get<unsigned>());
        }
        {
          std::lock_guard<std::mutex> lock(mutex_);
          received_.push_back(name);
        }
        const std::string id = request.contains("id") ? request["id"].dump() : "null";
        for (std::string line : handler_(request)) {
          if (line == kClose) {
            closed = true;
            break;
          }
          for (std::size_t at; (at = line.find("@ID")) != std::string::npos;) line.replace(at, 3, id);
          send_all(fd, line + "\r\n");
        }
      }
      if (closed) break;
    }
    ::close(fd);
  }

  Handler handler_;
  std::string greeting_;
  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> received_;
};

}  // namespace ptv::test
