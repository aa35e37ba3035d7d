#!/bin/bash
# bench/objab.sh: the workload's own CPU (user + sys) with no tracer and under secrec with each of
# several builds of the BPF objects, interleaved rep by rep, so a kernel-side change is measured
# against the old objects in one run (issue 9). The same recorder (dist/) loads every object dir.
#   WL=openA N=1000000 REPS=3 bash bench/objab.sh none /tmp/old-objects bpf/.output
# A variant may add recorder options after commas: bpf/.output,--no-open,--no-tty
# WL: openA (openat ENOENT as root), openB (openat EACCES as nobody), dd (dd bs=1: N reads and N
# writes). Needs root, a build, and ../shared/bench/build.sh's /tmp/bench-bin and /tmp/bench-secret.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}; REPS=${REPS:-3}; WL=${WL:-openA}
[ -x /tmp/bench-bin/open_storm ] || bash ../shared/bench/build.sh >/dev/null
run_wl() {
  if [ "$WL" = openA ]; then /usr/bin/time -f "%S %U %e" /tmp/bench-bin/open_storm /tmp/bench-nonexistent/nofile $N 2>&1 >/dev/null | tail -1
  elif [ "$WL" = openB ]; then /usr/bin/time -f "%S %U %e" setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/bench-bin/open_storm /tmp/bench-secret $N 2>&1 >/dev/null | tail -1
  else /usr/bin/time -f "%S %U %e" dd if=/dev/zero of=/dev/null bs=1 count=$N 2>&1 >/dev/null | tail -1; fi
}
for r in $(seq $REPS); do
  for v in "$@"; do
    if [ "$v" != none ]; then
      rm -f /tmp/ab.cap
      IFS=, read -r -a va <<< "$v"
      node dist/recorder/cli.js -q -o /tmp/ab.cap --obj-dir "${va[@]:0:1}" "${va[@]:1}" 2>/tmp/ab.err & rp=$!
      for _ in $(seq 100); do bpftool prog show 2>/dev/null | grep -q handle_sys_exit && break; sleep 0.1; done; sleep 1
    fi
    t=$(run_wl)
    lost=""
    if [ "$v" != none ]; then
      kill -INT $rp; wait $rp
      lost=$(node dist/analyzer/cli.js /tmp/ab.cap --info --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(`records=${j.records} lost=${j.lost_total} size=${require("fs").statSync("/tmp/ab.cap").size}`)}catch{console.log("info=failed")}})')
    fi
    echo "$v $t $lost" | awk '{printf "%s cpu=%.2f wall=%.2f %s %s %s\n", $1, $2+$3, $4, $5, $6, $7}'
  done
done
