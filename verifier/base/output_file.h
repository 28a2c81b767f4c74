// Every file the user names for output (`check -o`, `--html`, `slice -o`, `--emit-smt2`), and
// standard output, written one way: no reader ever sees half a file, and no failed write goes
// unnoticed. [docs/formats.md "Output files"]
//
// What OutputFile::open does with PATH, decided by what PATH is when the run starts:
//   - a regular file, or nothing: the report is written to a new temporary beside it
//     (".NAME.ptv-XXXXXX", created with O_CREAT|O_EXCL|O_NOFOLLOW, so a symlink planted at that
//     name makes the name taken, never followed), synced, and renamed over PATH at commit().
//     Until then PATH keeps its old contents; a run that fails or ends before commit() removes
//     the temporary. A new file gets mode 0666 & ~umask; a replaced one keeps its permissions.
//   - a symlink the user gave: followed (at most 40 links); its final target is what is written,
//     as above, and the link stays a link.
//   - a character or block device, a FIFO, or the process's own standard output or error
//     (/dev/stdout when it is a file): written in place, never truncated, renamed or replaced.
//     A FIFO is opened without blocking: with no reader it is an error, not a hang.
//   - a directory: refused (EISDIR).
// Every error reads "PATH: cannot write: <OS reason>".
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "models/expected.h"

namespace ptv {

/// A buffered std::streambuf over a file descriptor it does not own. The first failed write(2)
/// is kept (error()), and the stream it backs goes bad: later output is dropped, not retried.
class FdOutputBuf : public std::streambuf {
 public:
  explicit FdOutputBuf(int fd);
  FdOutputBuf(const FdOutputBuf&) = delete;
  FdOutputBuf& operator=(const FdOutputBuf&) = delete;

  /// The errno of the first failed write, or 0.
  [[nodiscard]] int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool drain();
  bool write_all(const char* s, std::size_t n);

  int fd_;
  int error_ = 0;
  std::vector<char> buffer_;
};

/// Test seam: where the six random characters of a temporary's name come from.
using TempSuffixSource = std::function<std::string()>;

class OutputFile {
 public:
  /// Opens PATH as the header describes. Errors: "PATH: cannot write: <reason>".
  [[nodiscard]] static Expected<OutputFile> open(const std::string& path);
  /// The same, with the temporary's random suffixes drawn from `suffixes` (tests).
  [[nodiscard]] static Expected<OutputFile> open(const std::string& path, TempSuffixSource suffixes);

  OutputFile(OutputFile&&) noexcept;
  OutputFile& operator=(OutputFile&&) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Without commit(): removes the temporary (PATH keeps what it held) or closes the device.
  ~OutputFile();

  /// Where the content goes. Requires: not committed.
  [[nodiscard]] std::ostream& stream();
  /// Flushes and checks every write, then fsync(2)s the temporary and renames it over PATH (a
  /// device or FIFO is only flushed and closed). Empty on success. On failure the temporary is
  /// gone and PATH holds what it held before. Requires: called once.
  [[nodiscard]] std::optional<Error> commit();

  /// PATH as given.
  [[nodiscard]] const std::string& path() const;
  /// The temporary being written, empty when PATH is written in place.
  [[nodiscard]] const std::string& temporary() const;

 private:
  struct State;
  explicit OutputFile(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Removes every temporary an OutputFile is still writing (none is committed yet). Only unlink(2):
/// safe in a signal handler, for a run ended by a signal or by its time limit, so that an
/// interrupted run leaves no ".NAME.ptv-XXXXXX" behind.
void remove_pending_temporaries() noexcept;

/// Writes PATH with OutputFile: `write` fills the stream, then commit(). Empty on success.
[[nodiscard]] std::optional<Error> write_output_file(const std::string& path,
                                                     const std::function<void(std::ostream&)>& write);

/// `--emit-smt2 DIR`: DIR itself may be created (mode 0777 & ~umask), its parent must exist.
/// An existing directory is used as it is. Errors: "DIR: cannot create the directory: <reason>".
[[nodiscard]] std::optional<Error> make_output_directory(const std::string& dir);

/// Standard output for a command's data: while alive, std::cout writes to file descriptor 1
/// through an FdOutputBuf, so that a failed write is kept with its reason.
class StandardOutput {
 public:
  StandardOutput();
  ~StandardOutput();  ///< gives std::cout its own buffer back
  StandardOutput(const StandardOutput&) = delete;
  StandardOutput& operator=(const StandardOutput&) = delete;

  /// Flushes std::cout (and C's stdout). 0 when every write succeeded, else the errno of the
  /// first that failed (EPIPE: the reader went away).
  [[nodiscard]] int finish();

 private:
  FdOutputBuf buf_;
  std::streambuf* saved_;
};

}  // namespace ptv
