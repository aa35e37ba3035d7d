#!/bin/bash
# bench/record-storm.sh: records a real EACCES storm with secrec, for bench/analyzer's recorded row
# (issue 13): N denied opens as nobody (each an open and a syscall-error record: 2N events).
#   bash bench/record-storm.sh /tmp/storm.cap [N=2000000]
# Needs root, a build, and ../shared/bench/build.sh's /tmp/bench-bin and /tmp/bench-secret.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: record-storm.sh OUT.cap [N]}
N=${2:-2000000}
[ -x /tmp/bench-bin/open_storm ] || bash ../shared/bench/build.sh >/dev/null
node dist/recorder/cli.js -q -o "$out" --force 2>/tmp/record-storm.err & rp=$!
for _ in $(seq 100); do bpftool prog show 2>/dev/null | grep -q handle_sys_exit && break; sleep 0.1; done; sleep 1
setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/bench-bin/open_storm /tmp/bench-secret "$N" 600 >&2
kill -INT $rp; wait $rp
node dist/analyzer/cli.js "$out" --info | grep -E '^(Records|Lost events)' >&2
