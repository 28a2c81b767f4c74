#include "verifier/capture/initramfs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "verifier/capture/cpio.h"

namespace ptv::capture {

namespace {

Expected<std::string> read_host_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read " + what + ": " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read " + what};
  return ss.str();
}

}  // namespace

std::string init_script(const InitramfsOptions& opts) {
  std::string s =
      "#!/bin/busybox sh\n"
      "# Made by ptverify capture --boot: prints what the capture keeps, then the ready marker, then idles.\n"
      "/bin/busybox mount -t proc proc /proc\n"
      "/bin/busybox mount -t sysfs sysfs /sys\n"
      "/bin/busybox mount -t devtmpfs devtmpfs /dev\n"
      "/bin/busybox --install -s /bin\n"
      "export PATH=/bin HOME=/root\n"
      "cd /root\n";
  s += "echo '" + std::string(kCpuinfoBegin) + "'\ncat /proc/cpuinfo\necho '" + std::string(kCpuinfoEnd) + "'\n";
  s += "echo \"" + std::string(kCmdlinePrefix) + "$(cat /proc/cmdline)\"\n";
  for (const std::string& c : opts.init_commands) s += c + "\n";
  s += "echo '" + std::string(kReadyMarker) + "'\n";
  s += "while :; do sleep 3600; done\n";
  return s;
}

Expected<InitramfsOptions::AddedFile> parse_added_file(const std::string& arg) {
  const std::size_t colon = arg.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size())
    return Error{"--initramfs-add '" + arg + "': expected HOST:GUEST (a host file and its absolute path in the guest)"};
  InitramfsOptions::AddedFile f{arg.substr(0, colon), arg.substr(colon + 1)};
  if (f.guest.front() != '/' || f.guest.back() == '/' || f.guest.find("/../") != std::string::npos ||
      f.guest.ends_with("/..") || f.guest.find("//") != std::string::npos)
    return Error{"--initramfs-add '" + arg + "': the guest path must be an absolute file path without '..'"};
  return f;
}

Expected<std::string> build_initramfs(const InitramfsOptions& opts) {
  Expected<std::string> busybox = [&]() -> Expected<std::string> {
    struct stat st {};
    if (::stat(opts.busybox.c_str(), &st) != 0)
      return Error{opts.busybox + ": no busybox here (" + std::strerror(errno) +
                   "): install Debian's busybox-static (apt-get install busybox-static), or give --initrd FILE"};
    return read_host_file(opts.busybox, "busybox");
  }();
  if (!busybox) return busybox.error();

  std::vector<CpioEntry> entries;
  std::set<std::string> names;
  auto add = [&](CpioEntry e) -> bool {
    if (!names.insert(e.name).second) return false;
    entries.push_back(std::move(e));
    return true;
  };
  for (const char* d : {"bin", "dev", "proc", "sys", "tmp", "root"}) add({d, kModeDirectory | 0755, {}, 0, 0});
  add({"dev/console", kModeCharDevice | 0600, {}, 5, 1});
  add({"bin/busybox", kModeRegular | 0755, std::move(*busybox), 0, 0});
  add({"bin/sh", kModeSymlink | 0777, "busybox", 0, 0});
  add({"init", kModeRegular | 0755, init_script(opts), 0, 0});
  for (const InitramfsOptions::AddedFile& f : opts.add) {
    Expected<std::string> data = read_host_file(f.host, "a file for the initramfs");
    if (!data) return data.error();
    struct stat st {};
    const bool exec = ::stat(f.host.c_str(), &st) == 0 && (st.st_mode & S_IXUSR);
    const std::string rel = f.guest.substr(1);
    for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
      add({rel.substr(0, slash), kModeDirectory | 0755, {}, 0, 0});
    if (!add({rel, kModeRegular | (exec ? 0755U : 0644U), std::move(*data), 0, 0}))
      return Error{"--initramfs-add " + f.host + ":" + f.guest + ": the initramfs already has " + f.guest};
  }
  return gzip(write_newc(entries));
}

}  // namespace ptv::capture
