// OutputFile, the one way every named output is written. Strategy: each test runs in a fresh
// directory and, after the OutputFile is done, lists that directory, so that "no temporary is
// left" and "nothing else was touched" are checked, not assumed. First the atomic path (a new
// file, a replaced file, a symlink given as PATH), then what must never happen (a planted
// symlink at the temporary's name followed, a partial file after a failed write), then the
// paths written in place (devices, FIFOs) or refused (directories, a missing parent).
#include "verifier/base/output_file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ptv {
namespace {

namespace fs = std::filesystem;

/// A fresh directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ptv-output-test.XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  /// The names in the directory (symlinks not followed).
  [[nodiscard]] std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.insert(e.path().filename().string());
    return out;
  }

 private:
  fs::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

mode_t current_umask() {
  const mode_t m = umask(022);
  umask(m);
  return m;
}

/// Suffixes for the temporary's name, in order, then "ZZZZZZ" forever.
TempSuffixSource suffixes(std::vector<std::string> list) {
  auto next = std::make_shared<std::size_t>(0);
  return [list = std::move(list), next] { return *next < list.size() ? list[(*next)++] : std::string("ZZZZZZ"); };
}

TEST_CASE("output file: a new file appears only at commit, complete, with mode 0666 minus the umask") {
  TempDir d;
  Expected<OutputFile> f = OutputFile::open(d / "report.json");
  REQUIRE(f.ok());
  f->stream() << "{\"a\": 1}\n";
  CHECK_FALSE(fs::exists(d / "report.json"));
  CHECK(d.names() == std::set<std::string>{fs::path(f->temporary()).filename().string()});
  CHECK(fs::path(f->temporary()).filename().string().rfind(".report.json.ptv-", 0) == 0);
  REQUIRE_FALSE(f->commit());
  CHECK(slurp(d / "report.json") == "{\"a\": 1}\n");
  CHECK(d.names() == std::set<std::string>{"report.json"});
  struct stat st {};
  REQUIRE(stat((d / "report.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0666 & ~current_umask()));
}

TEST_CASE("output file: a replaced file keeps its old contents until commit, and its permissions") {
  TempDir d;
  spit(d / "out.txt", "old\n");
  REQUIRE(chmod((d / "out.txt").c_str(), 0640) == 0);
  Expected<OutputFile> f = OutputFile::open(d / "out.txt");
  REQUIRE(f.ok());
  f->stream() << "new\n";
  CHECK(slurp(d / "out.txt") == "old\n");
  REQUIRE_FALSE(f->commit());
  CHECK(slurp(d / "out.txt") == "new\n");
  struct stat st {};
  REQUIRE(stat((d / "out.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(d.names() == std::set<std::string>{"out.txt"});
}

TEST_CASE("output file: two writers of one path get distinct temporaries") {
  TempDir d;
  Expected<OutputFile> a = OutputFile::open(d / "x");
  Expected<OutputFile> b = OutputFile::open(d / "x");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->temporary() != b->temporary());
}

TEST_CASE("output file: a name already taken is never opened (O_EXCL): the next name is tried") {
  TempDir d;
  spit(d / ".x.ptv-AAAAAA", "someone else's\n");
  Expected<OutputFile> f = OutputFile::open(d / "x", suffixes({"AAAAAA", "BBBBBB"}));
  REQUIRE(f.ok());
  CHECK(f->temporary() == d / ".x.ptv-BBBBBB");
  f->stream() << "mine\n";
  REQUIRE_FALSE(f->commit());
  CHECK(slurp(d / ".x.ptv-AAAAAA") == "someone else's\n");
  CHECK(slurp(d / "x") == "mine\n");
}

TEST_CASE("output file: a symlink planted at the temporary's name is not followed") {
  TempDir d;
  spit(d / "victim", "precious\n");
  fs::create_symlink(d / "victim", d / ".out.elf.ptv-AAAAAA");
  // A dangling one too: O_CREAT alone would create its target.
  fs::create_symlink(d / "created-through-link", d / ".out.elf.ptv-BBBBBB");
  Expected<OutputFile> f = OutputFile::open(d / "out.elf", suffixes({"AAAAAA", "BBBBBB", "CCCCCC"}));
  REQUIRE(f.ok());
  CHECK(f->temporary() == d / ".out.elf.ptv-CCCCCC");
  f->stream() << "slice\n";
  REQUIRE_FALSE(f->commit());
  CHECK(slurp(d / "victim") == "precious\n");
  CHECK_FALSE(fs::exists(d / "created-through-link"));
  CHECK(fs::is_symlink(d / ".out.elf.ptv-AAAAAA"));
  CHECK(slurp(d / "out.elf") == "slice\n");
}

TEST_CASE("output file: without commit, nothing is left: no file, no temporary") {
  TempDir d;
  {
    Expected<OutputFile> f = OutputFile::open(d / "page.html");
    REQUIRE(f.ok());
    f->stream() << "<!DOCTYPE html>";
  }
  CHECK(d.names().empty());
  spit(d / "page.html", "old page");
  {
    Expected<OutputFile> f = OutputFile::open(d / "page.html");
    REQUIRE(f.ok());
    f->stream() << "half a new page";
  }
  CHECK(slurp(d / "page.html") == "old page");
  CHECK(d.names() == std::set<std::string>{"page.html"});
}

TEST_CASE("output file: a failed write fails commit, naming the path and the reason, and leaves no file") {
  TempDir d;
  // RLIMIT_FSIZE stands in for a full disk: a write past it fails with EFBIG (SIGXFSZ ignored).
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::optional<Error> err;
  {
    Expected<OutputFile> f = OutputFile::open(d / "big.json");
    REQUIRE(f.ok());
    f->stream() << std::string(200'000, 'x');
    err = f->commit();
  }
  REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
  std::signal(SIGXFSZ, old_handler);
  REQUIRE(err);
  CHECK(err->message == d / "big.json" + ": cannot write: File too large");
  CHECK(d.names().empty());
}

TEST_CASE("output file: a symlink given as PATH is written through: its target is replaced, the link stays") {
  TempDir d;
  spit(d / "target.txt", "old\n");
  fs::create_symlink("target.txt", d / "link.txt");
  Expected<OutputFile> f = OutputFile::open(d / "link.txt");
  REQUIRE(f.ok());
  CHECK(fs::path(f->temporary()).filename().string().rfind(".target.txt.ptv-", 0) == 0);
  f->stream() << "new\n";
  REQUIRE_FALSE(f->commit());
  CHECK(fs::is_symlink(d / "link.txt"));
  CHECK(slurp(d / "target.txt") == "new\n");
  CHECK(d.names() == std::set<std::string>{"link.txt", "target.txt"});
}

TEST_CASE("output file: a device is written in place, never replaced") {
  Expected<OutputFile> null = OutputFile::open("/dev/null");
  REQUIRE(null.ok());
  // REQUIRE before any commit: were a device ever given a temporary, the test stops here and
  // the temporary is removed, rather than renamed over the device.
  REQUIRE(null->temporary().empty());
  null->stream() << "discarded\n";
  CHECK_FALSE(null->commit());

  Expected<OutputFile> full = OutputFile::open("/dev/full");
  REQUIRE(full.ok());
  REQUIRE(full->temporary().empty());
  full->stream() << "nowhere to go\n";
  const std::optional<Error> err = full->commit();
  REQUIRE(err);
  CHECK(err->message == "/dev/full: cannot write: No space left on device");
  struct stat st {};
  REQUIRE(lstat("/dev/full", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("output file: a FIFO with no reader is an error, not a hang") {
  TempDir d;
  REQUIRE(mkfifo((d / "fifo").c_str(), 0600) == 0);
  Expected<OutputFile> f = OutputFile::open(d / "fifo");
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message == d / "fifo" + ": cannot write: no process has the FIFO open for reading");
  CHECK(d.names() == std::set<std::string>{"fifo"});
}

TEST_CASE("output file: a FIFO with a reader is written in place") {
  TempDir d;
  REQUIRE(mkfifo((d / "fifo").c_str(), 0600) == 0);
  const int reader = ::open((d / "fifo").c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  Expected<OutputFile> f = OutputFile::open(d / "fifo");
  REQUIRE(f.ok());
  REQUIRE(f->temporary().empty());
  f->stream() << "through\n";
  CHECK_FALSE(f->commit());
  char buf[16] = {};
  CHECK(::read(reader, buf, sizeof buf) == 8);
  CHECK(std::string(buf) == "through\n");
  ::close(reader);
}

TEST_CASE("output file: a directory is refused, and so is a path whose directory does not exist") {
  TempDir d;
  fs::create_directory(d / "sub");
  Expected<OutputFile> dir = OutputFile::open(d / "sub");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().message == d / "sub" + ": cannot write: Is a directory");
  Expected<OutputFile> missing = OutputFile::open(d / "no/such/dir/out.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == d / "no/such/dir/out.json" + ": cannot write: No such file or directory");
  CHECK(d.names() == std::set<std::string>{"sub"});
  CHECK(fs::is_empty(d / "sub"));
}

TEST_CASE("output file: write_output_file writes and commits in one call") {
  TempDir d;
  REQUIRE_FALSE(write_output_file(d / "q.smt2", [](std::ostream& os) { os << "(check-sat)\n"; }));
  CHECK(slurp(d / "q.smt2") == "(check-sat)\n");
  // Through a symlink to the device: a wrong rename would replace the link, not /dev/full.
  fs::create_symlink("/dev/full", d / "full");
  const std::optional<Error> err = write_output_file(d / "full", [](std::ostream& os) { os << "x"; });
  REQUIRE(err);
  CHECK(err->message == d / "full" + ": cannot write: No space left on device");
  CHECK(fs::is_symlink(d / "full"));
}

TEST_CASE("output directory: only the last component is created, and its parent must exist") {
  TempDir d;
  CHECK_FALSE(make_output_directory(d / "smt2"));
  CHECK(fs::is_directory(d / "smt2"));
  CHECK_FALSE(make_output_directory(d / "smt2"));  // an existing directory is used as it is
  const std::optional<Error> deep = make_output_directory(d / "a/b/c");
  REQUIRE(deep);
  CHECK(deep->message == d / "a/b/c" + ": cannot create the directory: No such file or directory");
  CHECK_FALSE(fs::exists(d / "a"));
  spit(d / "file", "");
  const std::optional<Error> file = make_output_directory(d / "file");
  REQUIRE(file);
  CHECK(file->message == d / "file" + ": cannot create the directory: Not a directory");
}

}  // namespace
}  // namespace ptv
