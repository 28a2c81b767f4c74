// Strategy: the newc writer is read back by an independent reader written here from the
// kernel's buffer-format description (magic, 13 hex fields, name and data each padded to 4
// bytes, the trailer), after gzip is undone by ptverify's own decompressing reader; then the
// generated initramfs is read back the same way and must hold busybox, /init with the markers,
// /dev/console, and the added files under their guest paths.
#include "verifier/capture/initramfs.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "scratch_dir.h"
#include "verifier/base/compressed.h"
#include "verifier/capture/cpio.h"

using namespace ptv;
using namespace ptv::capture;

namespace {

struct Member {
  std::uint32_t ino = 0, mode = 0, nlink = 0, rmaj = 0, rmin = 0;
  std::string data;
};

std::uint32_t field(const std::string& a, std::size_t at) {
  return static_cast<std::uint32_t>(std::stoul(a.substr(at, 8), nullptr, 16));
}

// name -> member, in an independent reading of the newc format; fails the test on any defect.
std::map<std::string, Member> read_newc(const std::string& a) {
  std::map<std::string, Member> out;
  std::size_t at = 0;
  for (;;) {
    REQUIRE(at % 4 == 0);
    REQUIRE(at + 110 <= a.size());
    REQUIRE(a.substr(at, 6) == "070701");
    Member m;
    m.ino = field(a, at + 6);
    m.mode = field(a, at + 14);
    m.nlink = field(a, at + 38);
    const std::uint32_t size = field(a, at + 54);
    m.rmaj = field(a, at + 78);
    m.rmin = field(a, at + 86);
    const std::uint32_t namesize = field(a, at + 94);
    CHECK(field(a, at + 102) == 0);  // c_check
    REQUIRE(namesize >= 2);
    const std::string name = a.substr(at + 110, namesize - 1);
    REQUIRE(a[at + 110 + namesize - 1] == '\0');
    at = (at + 110 + namesize + 3) / 4 * 4;
    REQUIRE(at + size <= a.size());
    m.data = a.substr(at, size);
    at = (at + size + 3) / 4 * 4;
    if (name == "TRAILER!!!") {
      CHECK(at == a.size());
      return out;
    }
    CHECK(out.count(name) == 0);
    out[name] = m;
  }
}

std::string gunzip(const std::string& gz) {
  const test::ScratchDir dir;
  const auto path = dir / "initramfs.gz";
  std::ofstream(path, std::ios::binary) << gz;
  Expected<std::string> text = read_whole_file(path.string());
  REQUIRE_MESSAGE(text.ok(), (text.ok() ? "" : text.error().message));
  return *text;
}

}  // namespace

TEST_CASE("cpio newc: every member reads back with its name, mode, device number and data, padded to 4") {
  // Names of every length modulo 4 and data of every length modulo 4 exercise both paddings.
  std::vector<CpioEntry> entries = {
      {"d", kModeDirectory | 0755, {}, 0, 0},
      {"d/ab", kModeRegular | 0644, "x", 0, 0},
      {"d/abc", kModeRegular | 0755, "xy", 0, 0},
      {"d/abcd", kModeRegular | 0600, "xyz", 0, 0},
      {"d/abcde", kModeRegular | 0644, "wxyz", 0, 0},
      {"d/empty", kModeRegular | 0644, "", 0, 0},
      {"dev/console", kModeCharDevice | 0600, {}, 5, 1},
      {"sh", kModeSymlink | 0777, "busybox", 0, 0},
  };
  const std::string a = write_newc(entries);
  const auto m = read_newc(a);
  REQUIRE(m.size() == entries.size());
  std::uint32_t last_ino = 0;
  for (const CpioEntry& e : entries) {
    CAPTURE(e.name);
    REQUIRE(m.count(e.name) == 1);
    const Member& got = m.at(e.name);
    CHECK(got.mode == e.mode);
    CHECK(got.data == e.data);
    CHECK(got.rmaj == e.rdev_major);
    CHECK(got.rmin == e.rdev_minor);
    CHECK(got.nlink == ((e.mode & kModeDirectory) ? 2U : 1U));
    CHECK(got.ino > last_ino);  // distinct inode numbers: no member is taken for a hard link
    last_ino = got.ino;
  }
  CHECK(write_newc(entries) == a);  // the same entries, the same bytes
  CHECK(read_newc(write_newc({})).empty());
}

TEST_CASE("gzip: what zlib writes, ptverify's own reader reads back, empty input included") {
  std::string data;
  for (int i = 0; i < 100'000; ++i) data += static_cast<char>(i * 7 % 251);
  for (const std::string& d : {data, std::string()}) {
    Expected<std::string> gz = gzip(d);
    REQUIRE(gz.ok());
    CHECK(gz->substr(0, 2) == "\x1f\x8b");
    CHECK(gunzip(*gz) == d);
  }
}

TEST_CASE("initramfs: busybox, /init with the markers, /dev/console, and the added files in their folders") {
  const test::ScratchDir dir;
  std::ofstream(dir / "busybox") << "not really busybox";
  std::ofstream(dir / "tool") << "#!/bin/sh\necho hi\n";
  std::filesystem::permissions(dir / "tool", std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  std::ofstream(dir / "data.txt") << "data";
  InitramfsOptions o;
  o.busybox = (dir / "busybox").string();
  o.add = {{(dir / "tool").string(), "/opt/ptv/bin/tool"}, {(dir / "data.txt").string(), "/data.txt"}};
  o.init_commands = {"/opt/ptv/bin/tool > /dev/console"};
  Expected<std::string> gz = build_initramfs(o);
  REQUIRE_MESSAGE(gz.ok(), (gz.ok() ? "" : gz.error().message));
  const auto m = read_newc(gunzip(*gz));
  CHECK(m.at("bin/busybox").data == "not really busybox");
  CHECK(m.at("bin/busybox").mode == (kModeRegular | 0755));
  CHECK(m.at("bin/sh").mode == (kModeSymlink | 0777));
  CHECK(m.at("dev/console").mode == (kModeCharDevice | 0600));
  CHECK(m.at("dev/console").rmaj == 5);
  CHECK(m.at("dev/console").rmin == 1);
  const std::string init = m.at("init").data;
  CHECK(init.starts_with("#!/bin/busybox sh\n"));
  CHECK(m.at("init").mode == (kModeRegular | 0755));
  // The user's command runs after the printouts and before the ready marker.
  const std::size_t cpuinfo = init.find(kCpuinfoEnd), cmd = init.find(o.init_commands[0]),
                    ready = init.find(kReadyMarker);
  CHECK(cpuinfo < cmd);
  CHECK(cmd < ready);
  CHECK(ready != std::string::npos);
  for (const char* d : {"opt", "opt/ptv", "opt/ptv/bin", "proc", "sys"}) CHECK(m.at(d).mode == (kModeDirectory | 0755));
  CHECK(m.at("opt/ptv/bin/tool").mode == (kModeRegular | 0755));
  CHECK(m.at("data.txt").mode == (kModeRegular | 0644));
  CHECK(m.at("data.txt").data == "data");

  o.add = {{(dir / "data.txt").string(), "/init"}};
  Expected<std::string> clash = build_initramfs(o);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().message.find("the initramfs already has /init") != std::string::npos);
}

TEST_CASE("initramfs: no busybox names the Debian package, and bad --initramfs-add arguments are refused") {
  InitramfsOptions o;
  o.busybox = "/nonexistent/busybox";
  Expected<std::string> gz = build_initramfs(o);
  REQUIRE_FALSE(gz.ok());
  CHECK(gz.error().message.find("install Debian's busybox-static") != std::string::npos);

  CHECK(parse_added_file("a/b:/c").ok());
  CHECK(parse_added_file("C:x:/opt/y")->host == "C:x");
  for (const char* bad : {"nocolon", "host:relative", ":/x", "host:", "h:/a/../b", "h:/dir/", "h:/a//b"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_added_file(bad).ok());
  }
}
