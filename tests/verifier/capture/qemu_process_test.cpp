// Strategy: QEMU as capture --boot runs it, without booting anything: the command line is pinned
// argument by argument, the log quoting on small texts, and the two ways a start can fail before
// a guest exists (no such binary; a "QEMU" that exits at once, here /bin/false) must each end
// in a message that names what to install or quotes what the console showed. The boot itself is
// tested end to end in boot_e2e.cpp.
#include "verifier/capture/qemu_process.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "scratch_dir.h"
#include "verifier/capture/initramfs.h"

using namespace ptv;
using namespace ptv::capture;

TEST_CASE("capture --boot: QEMU's command line, and the last lines quoted from a log") {
  BootOptions o;
  o.kernel = "/k/vmlinuz";
  o.initrd = "/k/initrd.gz";
  o.append = "pti=on";
  o.serial_log = "/out/serial.log";
  o.qmp_socket = "/tmp/x/qmp.sock";
  const std::vector<std::string> want{"qemu-system-x86_64",
                                      "-machine",
                                      "q35",
                                      "-accel",
                                      "tcg",
                                      "-cpu",
                                      "max,-la57",
                                      "-m",
                                      "512M",
                                      "-smp",
                                      "1",
                                      "-nodefaults",
                                      "-display",
                                      "none",
                                      "-nic",
                                      "none",
                                      "-no-reboot",
                                      "-kernel",
                                      "/k/vmlinuz",
                                      "-initrd",
                                      "/k/initrd.gz",
                                      "-append",
                                      "console=ttyS0 panic=-1 pti=on",
                                      "-serial",
                                      "file:/out/serial.log",
                                      "-qmp",
                                      "unix:/tmp/x/qmp.sock,server=on,wait=off",
                                      "-device",
                                      "vmcoreinfo"};
  CHECK(qemu_command(o) == want);
  o.la57 = true;
  o.accel = "kvm";
  const std::vector<std::string> five = qemu_command(o);
  CHECK(five[4] == "kvm");
  CHECK(five[6] == "max,+la57");

  CHECK(last_lines("a\nb\nc\n", 2) == "  b\n  c\n");
  CHECK(last_lines("a\nb", 5) == "  a\n  b\n");
  CHECK(last_lines("", 3).empty());
}

TEST_CASE("capture --boot: a QEMU binary that is not there names the Debian package") {
  BootOptions o;
  o.qemu = "/nonexistent/qemu-system-x86_64";
  const test::ScratchDir dir;
  o.serial_log = (dir / "serial.log").string();
  Expected<QemuProcess> q = QemuProcess::start(o, (dir / "qemu.log").string());
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message ==
        "cannot run /nonexistent/qemu-system-x86_64: No such file or directory (install Debian's qemu-system-x86, or "
        "give --qemu PATH)");
}

TEST_CASE("capture --boot: QEMU that ends before the ready marker is reported with its exit status") {
  const test::ScratchDir dir;
  BootOptions o;
  o.qemu = "/bin/false";
  o.serial_log = (dir / "serial.log").string();
  o.qmp_socket = (dir / "qmp.sock").string();
  std::ofstream(o.serial_log) << "Linux version 6.1\r\nKernel panic - not syncing: no init\r\n";
  Expected<QemuProcess> q = QemuProcess::start(o, (dir / "qemu.log").string());
  REQUIRE(q.ok());
  std::optional<Error> e = q->wait_for_marker(kReadyMarker, std::chrono::milliseconds(10'000));
  REQUIRE(e.has_value());
  CHECK(e->message ==
        "QEMU exited with status 1 before the guest printed 'ptverify-capture: ready'; the serial "
        "console's last lines (" +
            o.serial_log + "):\n  Linux version 6.1\n  Kernel panic - not syncing: no init\n");
  CHECK_FALSE(q->running());
}
