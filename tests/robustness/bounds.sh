#!/usr/bin/env bash
# Every run bounded: inputs the dump cannot settle, pathological specs, time and memory limits.
source "$(dirname "$0")/lib.sh"
K=tests/fixtures/linux-6.1-4level-kaslr
S4=specs/linux-x86_64-4level.json

expect proc-maps-answers-fast 3 "unknown" --time 5 -- \
  "$PTV" check -q $K/proc-1-maps.txt --spec $S4

finish
