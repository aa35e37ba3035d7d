#!/bin/bash
# bench/peers.sh: issue 9's table in one run — secrec side by side with the bpftrace peers
# (../shared/bench/run.sh: exec storms, 2M openat ENOENT/EACCES, tty storm; medians of REPS),
# then the flood rows (bench/flood.ts). Needs root, bpftrace, a build (npm run build).
#   bash bench/peers.sh            # full sizes, 3 reps
#   OPEN_N=500000 REPS=1 bash bench/peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd .. && pwd)/shared/bench}
[ -x "$SHARED/run.sh" ] || { echo "bench/peers.sh: $SHARED/run.sh not found (set SHARED)" >&2; exit 2; }
command -v bpftrace >/dev/null || apt-get install -y -qq bpftrace >/dev/null
export SECANALYZE=$PWD/dist/analyzer/cli.js
export TRACER_CMD="node $PWD/dist/recorder/cli.js -o /tmp/x.cap -f"
export TRACER_OUT=/tmp/x.cap
export TRACER_READY_REGEX='recording to'
export TRACER_COUNT_CMD="bash $PWD/bench/secrec-count.sh"
bash "$SHARED/run.sh"
node dist/bench/flood.js "${OPEN_N:-2000000}" "${FLOOD_EXECS:-2000}" "${FLOOD_LINES:-50}"
