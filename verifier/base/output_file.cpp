#include "verifier/base/output_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <utility>

namespace ptv {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr int kMaxLinks = 40;  // Linux's own limit on symlinks in one lookup (MAXSYMLINKS)
constexpr int kMaxTempAttempts = 100;
constexpr std::size_t kMaxBaseInTemp = 200;  // keeps ".NAME.ptv-XXXXXX" under NAME_MAX (255)

Error cannot_write(const std::string& path, int err) { return Error{path + ": cannot write: " + std::strerror(err)}; }

std::string random_suffix() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[6] = {};
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    // No entropy source: O_EXCL still makes the name ours; retries cover collisions.
    static unsigned counter = 0;
    const auto seed = static_cast<unsigned>(getpid()) * 2654435761u + ++counter * 40503u;
    for (std::size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(seed >> (4 * i));
  }
  std::string s;
  for (unsigned char b : bytes) s += kAlphabet[b % (sizeof kAlphabet - 1)];
  return s;
}

bool same_file(const struct stat& st, int fd) {
  struct stat other {};
  return fstat(fd, &other) == 0 && other.st_dev == st.st_dev && other.st_ino == st.st_ino;
}

/// Follows the symlinks PATH names until a name that is not one (it may not exist).
Expected<std::string> resolve_links(const std::string& path) {
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    if (hops == kMaxLinks) return cannot_write(path, ELOOP);
    std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 256) + 1, '\0');
    const ssize_t n = readlink(p.c_str(), target.data(), target.size());
    if (n < 0) return cannot_write(path, errno);
    target.resize(static_cast<std::size_t>(n));
    if (target.empty()) return cannot_write(path, ENOENT);
    if (target.front() != '/') {
      const std::filesystem::path dir = std::filesystem::path(p).parent_path();
      if (!dir.empty()) target = (dir / target).string();
    }
    p = std::move(target);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FdOutputBuf

FdOutputBuf::FdOutputBuf(int fd) : fd_(fd), buffer_(kBufferBytes) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

bool FdOutputBuf::write_all(const char* s, std::size_t n) {
  while (n > 0 && error_ == 0) {
    const ssize_t w = ::write(fd_, s, n);
    if (w > 0) {
      s += w;
      n -= static_cast<std::size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A descriptor someone else made non-blocking (a shared pipe): wait until it drains.
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, -1) < 0 && errno != EINTR) error_ = errno;
    } else {
      error_ = w < 0 ? errno : EIO;
    }
  }
  return error_ == 0;
}

bool FdOutputBuf::drain() {
  const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
  const bool ok = error_ == 0 && write_all(pbase(), n);
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return ok;
}

FdOutputBuf::int_type FdOutputBuf::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FdOutputBuf::xsputn(const char* s, std::streamsize n) {
  if (error_ != 0) return 0;
  const auto len = static_cast<std::size_t>(n);
  if (len <= static_cast<std::size_t>(epptr() - pptr())) {
    std::memcpy(pptr(), s, len);
    pbump(static_cast<int>(len));
    return n;
  }
  if (!drain()) return 0;
  if (len >= buffer_.size()) return write_all(s, len) ? n : 0;
  std::memcpy(pptr(), s, len);
  pbump(static_cast<int>(len));
  return n;
}

int FdOutputBuf::sync() { return drain() ? 0 : -1; }

// ---------------------------------------------------------------------------------------------
// The temporaries being written, for remove_pending_temporaries() in a signal handler: fixed
// slots, so the handler reads no heap. A temporary too long for a slot, or beyond the slots
// (never more than three are open at once), is only removed by its owner.

struct PendingSlot {
  std::atomic<bool> used{false};
  std::array<char, 4096> name{};
};
std::array<PendingSlot, 8> g_pending;

/// The slot now holding `name`, or -1. Outputs are opened by one thread only.
int register_pending(const std::string& name) {
  if (name.size() >= std::tuple_size_v<decltype(PendingSlot::name)>) return -1;
  for (std::size_t i = 0; i < g_pending.size(); ++i) {
    if (g_pending[i].used.load(std::memory_order_acquire)) continue;
    std::memcpy(g_pending[i].name.data(), name.c_str(), name.size() + 1);  // the name first, then the flag
    g_pending[i].used.store(true, std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_pending(int slot) {
  if (slot < 0) return;
  g_pending[static_cast<std::size_t>(slot)].used.store(false, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------------
// OutputFile

struct OutputFile::State {
  std::string path;       // as the user gave it: every message names it
  std::string target;     // what the temporary replaces at commit
  std::string temporary;  // empty: written in place
  int fd;
  FdOutputBuf buf;
  std::ostream os;
  bool committed = false;
  int pending_slot = -1;  // this temporary's slot for remove_pending_temporaries()

  State(std::string p, int descriptor) : path(std::move(p)), fd(descriptor), buf(descriptor), os(&buf) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (fd >= 0) ::close(fd);
    if (!committed && !temporary.empty()) ::unlink(temporary.c_str());
    unregister_pending(pending_slot);
  }
};

OutputFile::OutputFile(std::unique_ptr<State> state) : state_(std::move(state)) {}
OutputFile::OutputFile(OutputFile&&) noexcept = default;
OutputFile& OutputFile::operator=(OutputFile&&) noexcept = default;
OutputFile::~OutputFile() = default;

std::ostream& OutputFile::stream() { return state_->os; }
const std::string& OutputFile::path() const { return state_->path; }
const std::string& OutputFile::temporary() const { return state_->temporary; }

Expected<OutputFile> OutputFile::open(const std::string& path) { return open(path, random_suffix); }

Expected<OutputFile> OutputFile::open(const std::string& path, TempSuffixSource suffixes) {
  if (path.empty()) return cannot_write(path, ENOENT);
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return cannot_write(path, errno);
  if (exists && S_ISDIR(st.st_mode)) return cannot_write(path, EISDIR);

  // Our own standard output or error under another name (/dev/stdout, /proc/self/fd/1): the
  // same open file, so that a `>>` redirection keeps appending.
  for (int std_fd : {STDOUT_FILENO, STDERR_FILENO}) {
    if (exists && same_file(st, std_fd)) {
      const int fd = fcntl(std_fd, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) return cannot_write(path, errno);
      return OutputFile(std::make_unique<State>(path, fd));
    }
  }

  if (exists && !S_ISREG(st.st_mode)) {
    // A device, FIFO or socket: written in place. O_NONBLOCK makes opening a FIFO without a
    // reader fail (ENXIO) instead of waiting for one; writes then block as usual.
    const bool fifo = S_ISFIFO(st.st_mode);
    const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
    if (fd < 0) {
      const int err = errno;
      if (fifo && err == ENXIO) return Error{path + ": cannot write: no process has the FIFO open for reading"};
      return cannot_write(path, err);
    }
    if (fifo) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return OutputFile(std::make_unique<State>(path, fd));
  }

  Expected<std::string> target = resolve_links(path);
  if (!target) return target.error();
  const std::filesystem::path t(*target);
  const std::string base = t.filename().string();
  if (base.empty() || base == "." || base == "..") return cannot_write(path, EISDIR);
  const std::string dir = t.parent_path().empty() ? std::string(".") : t.parent_path().string();
  const std::string stem = dir + "/." + base.substr(0, kMaxBaseInTemp) + ".ptv-";
  for (int attempt = 0; attempt < kMaxTempAttempts; ++attempt) {
    std::string temporary = stem + suffixes();
    // O_EXCL: a name that exists, a symlink (dangling or not) included, is never opened.
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return cannot_write(path, errno);
    // Registered at once, before any allocation: malloc on a large, fragmented heap can take
    // most of a second, and a signal in that time must still find the temporary.
    const int slot = register_pending(temporary);
    std::unique_ptr<State> state;
    try {
      state = std::make_unique<State>(path, fd);
    } catch (...) {
      ::close(fd);
      ::unlink(temporary.c_str());
      unregister_pending(slot);
      throw;
    }
    state->temporary = std::move(temporary);
    state->pending_slot = slot;
    state->target = *target;
    // Replacing a file keeps its permissions, as writing into it would.
    if (exists && fchmod(fd, st.st_mode & 07777) != 0) return cannot_write(path, errno);
    return OutputFile(std::move(state));
  }
  return cannot_write(path, EEXIST);
}

std::optional<Error> OutputFile::commit() {
  State& s = *state_;
  s.os.flush();
  int err = s.buf.error();
  if (err == 0 && !s.os) err = EIO;
  if (err == 0 && !s.temporary.empty() && fsync(s.fd) != 0) err = errno;
  const int fd = std::exchange(s.fd, -1);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err == 0 && !s.temporary.empty() && std::rename(s.temporary.c_str(), s.target.c_str()) != 0) err = errno;
  if (err != 0) return cannot_write(s.path, err);  // ~State removes the temporary
  s.committed = true;
  unregister_pending(std::exchange(s.pending_slot, -1));
  if (!s.temporary.empty()) {
    // The rename itself durable: best effort, the file is complete either way.
    const std::filesystem::path dir = std::filesystem::path(s.target).parent_path();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      ::close(dfd);
    }
  }
  return std::nullopt;
}

void remove_pending_temporaries() noexcept {
  for (PendingSlot& slot : g_pending)
    if (slot.used.load(std::memory_order_acquire)) ::unlink(slot.name.data());
}

std::optional<Error> write_output_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  Expected<OutputFile> file = OutputFile::open(path);
  if (!file) return file.error();
  write(file->stream());
  return file->commit();
}

std::optional<Error> make_output_directory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) == 0) return std::nullopt;
  int err = errno;
  struct stat st {};
  if (err == EEXIST) {
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return std::nullopt;
    err = ENOTDIR;
  }
  return Error{dir + ": cannot create the directory: " + std::strerror(err)};
}

// ---------------------------------------------------------------------------------------------
// StandardOutput

StandardOutput::StandardOutput() : buf_(STDOUT_FILENO), saved_(std::cout.rdbuf(&buf_)) {}

StandardOutput::~StandardOutput() {
  std::cout.flush();
  std::cout.rdbuf(saved_);
}

int StandardOutput::finish() {
  std::cout.flush();
  int err = buf_.error();
  errno = 0;
  if (std::fflush(stdout) != 0 && err == 0) err = errno != 0 ? errno : EIO;
  if (err == 0 && !std::cout) err = EIO;
  return err;
}

}  // namespace ptv
