#!/usr/bin/env bash
# ptverify-ci: the kernel CI job of docs/ci.md in one command. Boots KERNEL under QEMU with
# `ptverify capture --boot`, checks the captured page tables against the bundled spec for the
# guest's paging mode (or --spec SPEC), and writes every report into the output folder:
#
#   DIR/capture/     the capture (core.elf, registers.txt, capture.json, serial.log, ...)
#   DIR/report.txt   the text report          DIR/report.json   JSON (ptverify report reads it)
#   DIR/report.sarif SARIF 2.1.0              DIR/junit.xml     JUnit XML
#   DIR/report.ktap  KTAP                     DIR/map.html      the HTML map with every violation
#
# Installed as `ptverify-ci` beside `ptverify`; in the source tree it is tools/ptverify-ci.sh.
# Exit status: check's, under --fail-on (0 passed, 1 violated, 3 unknown), 2 for usage or a
# capture that failed (the serial console's last lines are printed).
set -uo pipefail

usage() {
  cat <<'EOF'
usage: ptverify-ci KERNEL [-o DIR] [--spec SPEC] [--fail-on violated,unknown] [--append ARGS]
                   [--memory SIZE] [--smp N] [--la57] [--accel tcg|kvm] [--ptverify PATH]
                   [-- MORE CAPTURE OPTIONS]

  KERNEL            the kernel image to boot (a bzImage, e.g. /boot/vmlinuz-6.1.0-27-amd64)
  -o DIR            where the capture and the reports go (default: ptverify-reports)
  --spec SPEC       a spec file or bundled spec name (default: the bundled Linux spec for the
                    guest's paging mode: linux-x86_64-4level or linux-x86_64-5level)
  --fail-on LIST    what fails the job: violated, unknown, both (default) or none
  --append ARGS     kernel arguments (e.g. "pti=on nokaslr")
  --memory, --smp, --la57, --accel
                    passed to ptverify capture --boot
  --ptverify PATH   the ptverify binary (default: the one on PATH, else beside this script)

Example (GitHub Actions, GitLab CI, or a shell):
  ptverify-ci /boot/vmlinuz-$(uname -r) -o reports --append "pti=on"
EOF
}

kernel="" out="ptverify-reports" spec="" fail_on="violated,unknown" ptverify=""
capture_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -o | --output) out="${2:?-o needs a folder}"; shift 2 ;;
    --spec) spec="${2:?--spec needs a spec}"; shift 2 ;;
    --fail-on) fail_on="${2:?--fail-on needs a list}"; shift 2 ;;
    --append | --memory | --smp | --accel) capture_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --la57) capture_args+=("$1"); shift ;;
    --ptverify) ptverify="${2:?--ptverify needs a path}"; shift 2 ;;
    --) shift; capture_args+=("$@"); break ;;
    -*) echo "ptverify-ci: unknown option $1 (see ptverify-ci --help)" >&2; exit 2 ;;
    *) if [ -z "$kernel" ]; then kernel="$1"; shift; else
         echo "ptverify-ci: one KERNEL only; '$1' is a second one (see ptverify-ci --help)" >&2; exit 2; fi ;;
  esac
done
if [ -z "$kernel" ]; then usage >&2; exit 2; fi
if [ ! -r "$kernel" ]; then
  echo "ptverify-ci: $kernel: cannot read the kernel image (give a bzImage, e.g. /boot/vmlinuz-*)" >&2
  exit 2
fi
if [ -z "$ptverify" ]; then
  ptverify=$(command -v ptverify || true)
  here=$(dirname "$0")
  [ -n "$ptverify" ] || [ ! -x "$here/ptverify" ] || ptverify="$here/ptverify"
fi
if [ -z "$ptverify" ] || [ ! -x "$ptverify" ]; then
  echo "ptverify-ci: no ptverify binary: install the ptverify package, or give --ptverify PATH" >&2
  exit 2
fi

mkdir -p "$out" || exit 2
rm -rf "$out/capture"
echo "ptverify-ci: booting $kernel and capturing it into $out/capture" >&2
"$ptverify" capture --boot "$kernel" -o "$out/capture" "${capture_args[@]}" || exit 2

if [ -z "$spec" ]; then
  # The guest's paging mode, as capture.json records it for the captured vCPU.
  if grep -q '"paging": *"5-level"' "$out/capture/capture.json"; then
    spec=linux-x86_64-5level
  else
    spec=linux-x86_64-4level
  fi
fi
check=("$ptverify" check "$out/capture/core.elf" --spec "$spec" --registers "$out/capture/registers.txt")
[ ! -f "$out/capture/cpuinfo.txt" ] || check+=(--cpuinfo "$out/capture/cpuinfo.txt")
check+=(-o "$out/report.txt" --json "$out/report.json" --sarif "$out/report.sarif" --junit "$out/junit.xml"
        --ktap "$out/report.ktap" --html "$out/map.html" --fail-on "$fail_on")
echo "ptverify-ci: ${check[*]}" >&2
"${check[@]}"
status=$?
[ ! -f "$out/report.txt" ] || cat "$out/report.txt"
exit "$status"
