#!/usr/bin/env bash
# Every output the user names, and standard output: replaced whole or not at all, devices and
# FIFOs written in place, directories refused, every failed write an exit 2 naming the path and
# the reason, a closed pipe never costing a file, and no terminal escape from input reaching
# the terminal. [docs/formats.md "Output files"]
source "$(dirname "$0")/lib.sh"
K=tests/fixtures/linux-6.1-4level-kaslr
CORE=$K/core.slice.elf.zst
S4=specs/linux-x86_64-4level.json
ESC=$'\x1b'

is_char_device() { [[ -c $1 && ! -L $1 ]]; }
no_temporaries() { ! compgen -G "$1/.*.ptv-*" >/dev/null; }

# A ptverify that replaced devices would, run as root, turn /dev/full into a regular file for
# the whole machine. So each output case on /dev/full first goes through a symlink in $WORK
# (a wrong rename replaces only the link) and reaches /dev/full itself only when that passed.
ln -s /dev/full "$WORK/full"
device_case() {  # NAME COMMAND... (with @OUT@ for the output path)
  local name=$1
  shift
  local before=$_failed
  expect "$name-through-link" 2 "$WORK/full: cannot write: No space left on device" -- "${@//@OUT@/$WORK/full}"
  check_true "$name-through-link-kept" "the symlink to /dev/full was replaced" -- \
    bash -c '[[ -L $0 && $(readlink "$0") == /dev/full ]]' "$WORK/full"
  if [[ $_failed != "$before" ]]; then
    echo "not ok $name: not run (the case through a symlink failed)"
    _failed=$((_failed + 1))
    return
  fi
  expect "$name" 2 "/dev/full: cannot write: No space left on device" -- "${@//@OUT@//dev/full}"
  check_true "$name-still-a-device" "/dev/full is no longer a character device" -- is_char_device /dev/full
}

# --- slice -o -------------------------------------------------------------------------------
device_case slice-onto-dev-full "$PTV" slice $CORE -o @OUT@

mkdir -p "$WORK/planted"
echo precious >"$WORK/planted/victim"
ln -s victim "$WORK/planted/out.elf.partial"
expect slice-planted-partial-symlink 0 "slice: wrote" -- "$PTV" slice $CORE -o "$WORK/planted/out.elf"
check_true slice-planted-partial-symlink-victim-kept "the victim behind a planted symlink was overwritten" -- \
  grep -qx precious "$WORK/planted/victim"
check_true slice-planted-partial-symlink-output-whole "the slice does not read back" -- \
  bash -c '"$0" mappings -q "$1" >/dev/null' "$PTV" "$WORK/planted/out.elf"
check_true slice-planted-partial-symlink-no-temporary "a temporary was left beside the slice" -- \
  no_temporaries "$WORK/planted"

mkdir -p "$WORK/victim-link"
echo precious >"$WORK/victim-link/victim"
expect slice-into-directory 2 "cannot write: Is a directory" -- "$PTV" slice $CORE -o "$WORK/victim-link"
expect slice-missing-directory 2 "$WORK/no/such/dir/out.elf: cannot write: No such file or directory" -- \
  "$PTV" slice $CORE -o "$WORK/no/such/dir/out.elf"
check_true slice-missing-directory-nothing-created "the missing directory was created" -- test ! -e "$WORK/no"

# --- check -o / --html ----------------------------------------------------------------------
device_case check-output-dev-full "$PTV" check -q $CORE --spec $S4 --json @OUT@
expect check-output-directory 2 "cannot write: Is a directory" -- \
  "$PTV" check -q $CORE --spec $S4 -o "$WORK"
echo old >"$WORK/kept.json"
expect check-html-missing-directory-keeps-report 2 "$WORK/none/map.html: cannot write: No such file or directory" -- \
  "$PTV" check -q $CORE --spec $S4 --json "$WORK/kept.json" --html "$WORK/none/map.html"
check_true check-html-missing-directory-keeps-report-old "the report was replaced by a failed run" -- \
  grep -qx old "$WORK/kept.json"
mkfifo "$WORK/fifo"
expect check-output-fifo-without-reader 2 "fifo: cannot write: no process has the FIFO open for reading" --time 30 -- \
  "$PTV" check -q $CORE --spec $S4 --json "$WORK/fifo"

# --- standard output ------------------------------------------------------------------------
expect stdout-full-mappings 2 "ptverify: standard output: cannot write: No space left on device" -- \
  bash -c '"$0" mappings -q "$1" >/dev/full' "$PTV" $CORE
expect stdout-full-walk 2 "ptverify: standard output: cannot write: No space left on device" -- \
  bash -c '"$0" walk "$1" 0xffffffff81000000 >/dev/full' "$PTV" $CORE
expect stdout-full-map 2 "ptverify: standard output: cannot write: No space left on device" -- \
  bash -c '"$0" map -q "$1" >/dev/full' "$PTV" $CORE
expect stdout-full-prove 2 "ptverify: standard output: cannot write: No space left on device" --time 60 -- \
  bash -c '"$0" prove "$1" >/dev/full' "$PTV" $S4
expect stdout-full-explain 2 "ptverify: standard output: cannot write: No space left on device" -- \
  bash -c '"$0" explain "$1" >/dev/full' "$PTV" tests/fixtures/reports/explain-wx.json
expect stdout-full-check 2 "ptverify: standard output: cannot write: No space left on device" -- \
  bash -c '"$0" check -q "$1" --spec "$2" >/dev/full' "$PTV" $CORE $S4

# A reader that leaves early (`| head -1`), or never reads (`| true`: the drawing, 1000 columns
# wide, overflows any buffer): the page is still written whole, and the exit is quiet.
expect map-html-into-closed-pipe 0 "" -- \
  bash -c 'set -o pipefail; "$0" map -q "$1" --width 80 --html "$2" | head -1 >/dev/null' "$PTV" $CORE "$WORK/piped.html"
check_true map-html-into-closed-pipe-page-whole "the page does not end with </html>" -- \
  bash -c '[[ $(tail -n 1 "$0") == "</html>" ]]' "$WORK/piped.html"
expect map-html-into-unread-pipe 0 "" -- \
  bash -c 'set -o pipefail; "$0" map -q "$1" --width 1000 --html "$2" | true' "$PTV" $CORE "$WORK/unread.html"
check_true map-html-into-unread-pipe-page-whole "the page is missing or does not end with </html>" -- \
  bash -c '[[ -f $0 && $(tail -n 1 "$0") == "</html>" ]]' "$WORK/unread.html"
expect mappings-into-closed-pipe 0 "" -- \
  bash -c 'set -o pipefail; "$0" mappings -q "$1" | head -1 >/dev/null' "$PTV" $CORE
check_true mappings-into-closed-pipe-quiet "a closed pipe made ptverify say something on stderr" -- \
  bash -c 'err=$( { "$0" mappings -q "$1" | head -1 >/dev/null; } 2>&1 ); [[ -z $err ]]' "$PTV" $CORE

# --- --emit-smt2 ----------------------------------------------------------------------------
expect prove-emit-smt2-missing-parent 2 "$WORK/nonexistent/a/b: cannot create the directory: No such file or directory" -- \
  "$PTV" prove $S4 --emit-smt2 "$WORK/nonexistent/a/b"
expect check-emit-smt2-missing-parent 2 "$WORK/nonexistent/a/b: cannot create the directory: No such file or directory" -- \
  "$PTV" check -q $CORE --spec $S4 --emit-smt2 "$WORK/nonexistent/a/b"
check_true emit-smt2-missing-parent-nothing-created "part of the --emit-smt2 path was created" -- \
  test ! -e "$WORK/nonexistent"

# --- control characters from input ----------------------------------------------------------
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
evil = "\x1b]0;owned\x07\x1b[2J\x1b[H\u009b31m\x7f"
r = json.load(open("tests/fixtures/reports/explain-wx.json"))
r["dump"] = "dump" + evil
r["spec"] = "spec" + evil
r["notes"] = ["note" + evil]
for v in r["violations"]:
    v["message"] = "message" + evil
    v["region"] = "region" + evil
json.dump(r, open(work + "/evil-report.json", "w"))
EOF
expect explain-escapes-report-strings 0 'message\\x1b\]0;owned\\x07\\x1b\[2J' -- \
  "$PTV" explain "$WORK/evil-report.json"
check_true explain-no-raw-escape "explain printed a raw ESC from the report" -- \
  bash -c '! "$0" explain "$1" 2>&1 | grep -q "$2"' "$PTV" "$WORK/evil-report.json" "$ESC"

"$PTV" mappings -q $CORE --json - >"$WORK/set.json"
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
s = json.load(open(work + "/set.json"))
s["source"] = "source\x1b]0;owned\x07\x1b[2J"
s["format"] = "format\x1b[31m\u009b"
json.dump(s, open(work + "/evil-set.json", "w"))
EOF
for cmd in mappings map; do
  check_true $cmd-no-raw-escape-from-mapping-set "$cmd printed a raw ESC from a mapping set's claims" -- \
    bash -c '! "$0" "$1" "$2" 2>&1 | grep -q "$3"' "$PTV" $cmd "$WORK/evil-set.json" "$ESC"
done
check_true check-no-raw-escape-from-mapping-set "check printed a raw ESC from a mapping set's claims" -- \
  bash -c '! "$0" check "$1" --spec "$2" 2>&1 | grep -q "$3"' "$PTV" "$WORK/evil-set.json" $S4 "$ESC"
expect error-message-escapes-path 2 'no-such\\x1b\[2J' -- "$PTV" mappings "$WORK/no-such${ESC}[2J"
printf '00007ffffffff000-0000800000000000 0000000000001000 xrw\n' >"$WORK/lenient${ESC}[2J.txt"
expect warning-escapes-path 0 'lenient\\x1b\[2J.txt:1:52: warning: unknown right' -- \
  "$PTV" mappings -q "$WORK/lenient${ESC}[2J.txt" --lenient --format qemu-mem
check_true warning-no-raw-escape "a --lenient warning printed a raw ESC from a file name" -- \
  bash -c '! "$0" mappings -q "$1" --lenient --format qemu-mem 2>&1 >/dev/null | grep -q "$2"' "$PTV" "$WORK/lenient${ESC}[2J.txt" "$ESC"

# --- map --html of a large mapping set ------------------------------------------------------
# A million one-page runs of alternating rights (no two merge): reading the 200 MB of JSON takes
# most of the time; the page itself is linear in the runs (it was quadratic: over 2 minutes).
python3 bench/mapping_set.py 1000000 "$WORK/big-set.json"
expect map-html-million-runs 0 "" --time 60 --mem 6144 -- \
  "$PTV" map -q "$WORK/big-set.json" --width 100 --html "$WORK/big.html"
check_true map-html-million-runs-page-whole "the page does not end with </html>" -- \
  bash -c '[[ $(tail -n 1 "$0") == "</html>" ]]' "$WORK/big.html"
# Killed while the page is being written (its temporary exists): no partial page, ever.
# signal_while_writing NAME SIGNAL: starts `map --html $WORK/NAME`, sends SIGNAL once the page's
# temporary exists (or after a minute), and waits for the run to end.
signal_while_writing() {
  "$PTV" map -q "$WORK/big-set.json" --width 100 --html "$WORK/$1" >/dev/null 2>&1 &
  local pid=$! i
  for ((i = 0; i < 1200; ++i)); do
    compgen -G "$WORK/.$1.ptv-*" >/dev/null && break
    sleep 0.05
  done
  kill -"$2" $pid 2>/dev/null
  wait $pid 2>/dev/null
}
kill_while_writing() {
  signal_while_writing killed.html KILL
  [[ ! -e $WORK/killed.html || $(tail -n 1 "$WORK/killed.html") == "</html>" ]]
}
check_true map-html-killed-leaves-no-partial-page "a killed map --html left a partial page" -- kill_while_writing
# Interrupted (SIGTERM, SIGHUP; SIGINT is handled the same way) while the page is being written: no page and no temporary left.
interrupt_while_writing() {  # SIGNAL
  rm -f "$WORK/stopped.html"
  signal_while_writing stopped.html "$1"
  [[ ! -e $WORK/stopped.html || $(tail -n 1 "$WORK/stopped.html") == "</html>" ]] &&
    ! compgen -G "$WORK/.stopped.html.ptv-*" >/dev/null
}
# (A background job of a script ignores SIGINT, and ptverify keeps a signal ignored as it was.)
for sig in TERM HUP; do
  check_true map-html-sig$sig-leaves-no-temporary "SIG$sig left a temporary or a partial page" -- interrupt_while_writing $sig
done
rm -f "$WORK/big-set.json"

finish
