// The initramfs `capture --boot` gives a kernel when the user gives none: busybox and an /init
// that mounts proc, sysfs and devtmpfs, prints what the capture keeps (/proc/cpuinfo, /proc/cmdline)
// between marker lines on the console, runs the user's commands, prints the ready marker and
// idles, so that the vCPUs sit in the kernel's idle loop when the capture pauses them.
//
//   /init                  #!/bin/busybox sh (the script below)
//   /bin/busybox, /bin/sh  busybox-static's binary, and a link to it
//   /dev/console           character device 5:1: the kernel opens it for init's stdio (before
//                          /init mounts devtmpfs over /dev)
//   /proc /sys /tmp /root  mount points and scratch
//   files of --initramfs-add, with their parent directories
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"

namespace ptv::capture {

/// The lines the generated /init prints on the serial console.
inline constexpr std::string_view kReadyMarker = "ptverify-capture: ready";
inline constexpr std::string_view kCpuinfoBegin = "ptverify-capture: cpuinfo begin";
inline constexpr std::string_view kCpuinfoEnd = "ptverify-capture: cpuinfo end";
inline constexpr std::string_view kCmdlinePrefix = "ptverify-capture: cmdline ";

/// Where Debian's busybox-static puts its binary.
inline constexpr std::string_view kDefaultBusybox = "/bin/busybox";

struct InitramfsOptions {
  std::string busybox{kDefaultBusybox};  ///< a statically linked busybox
  /// --initramfs-add HOST:GUEST: a host file and its absolute path in the guest (kept
  /// executable when it is on the host).
  struct AddedFile {
    std::string host;
    std::string guest;
  };
  std::vector<AddedFile> add;
  std::vector<std::string> init_commands;  ///< --init-cmd: shell commands run before the marker
};

/// The /init script for `opts`.
[[nodiscard]] std::string init_script(const InitramfsOptions& opts);

/// "HOST:GUEST" split at its last ':' (a host path may hold one); GUEST must be absolute and
/// free of "..". Errors quote the argument.
[[nodiscard]] Expected<InitramfsOptions::AddedFile> parse_added_file(const std::string& arg);

/// The gzip-compressed newc archive (cpio.h). Errors: busybox missing (naming the Debian package
/// busybox-static) or unreadable, an added file unreadable, or a GUEST path the archive already
/// has.
[[nodiscard]] Expected<std::string> build_initramfs(const InitramfsOptions& opts);

}  // namespace ptv::capture
