#!/bin/bash
# bench/objab.sh: the workload's own CPU (user + sys) with no tracer and under secrec with each of
# several builds, interleaved rep by rep, so a change is measured against the old build in one
# run (issue 9). A variant is a BPF object dir (loaded by this checkout's recorder, dist/) or a
# checkout (ROOT: its dist/recorder and bpf/.output), then recorder options after commas:
#   WL=openA N=1000000 REPS=3 bash bench/objab.sh none /tmp/old-objects bpf/.output
#   WL=tty N=50 bash bench/objab.sh none /work/wt/base . .,--no-open
# WL: openA (openat ENOENT as root), openB (openat EACCES as nobody), dd (dd bs=1: N reads and N
# writes), exec (N sequential fork+exec of /bin/true), tty (N MB to a pty in 4 KiB writes).
# Prints per run: workload CPU and wall, the recorder's CPU during the workload (rec=), its
# records, loss and capture size. Needs root, a build, and ../shared/bench/build.sh's
# /tmp/bench-bin and /tmp/bench-secret.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}; REPS=${REPS:-3}; WL=${WL:-openA}
[ -x /tmp/bench-bin/open_storm ] || bash ../shared/bench/build.sh >/dev/null
run_wl() {
  case $WL in
  openA) /usr/bin/time -f "%S %U %e" /tmp/bench-bin/open_storm /tmp/bench-nonexistent/nofile $N 2>&1 >/dev/null | tail -1 ;;
  openB) /usr/bin/time -f "%S %U %e" setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/bench-bin/open_storm /tmp/bench-secret $N 2>&1 >/dev/null | tail -1 ;;
  exec) /usr/bin/time -f "%S %U %e" /tmp/bench-bin/exec_storm $N 1 600 2>&1 >/dev/null | tail -1 ;;
  tty) /usr/bin/time -f "%S %U %e" /tmp/bench-bin/tty_storm $N 600 2>&1 >/dev/null | tail -1 ;;
  *) /usr/bin/time -f "%S %U %e" dd if=/dev/zero of=/dev/null bs=1 count=$N 2>&1 >/dev/null | tail -1 ;;
  esac
}
cpu_of() { awk '{print $14 + $15}' /proc/$1/stat; }
tck=$(getconf CLK_TCK)
for r in $(seq $REPS); do
  for v in "$@"; do
    rec=""
    if [ "$v" != none ]; then
      rm -f /tmp/ab.cap
      IFS=, read -r -a va <<< "$v"
      root=.; objs=${va[0]}
      if [ -f "${va[0]}/dist/recorder/cli.js" ]; then root=${va[0]}; objs=${va[0]}/bpf/.output; fi
      node "$root/dist/recorder/cli.js" -q -o /tmp/ab.cap --obj-dir "$objs" "${va[@]:1}" 2>/tmp/ab.err & rp=$!
      for _ in $(seq 100); do bpftool prog show 2>/dev/null | grep -q handle_sys_exit && break; sleep 0.1; done; sleep 1
      c0=$(cpu_of $rp)
    fi
    t=$(run_wl)
    lost=""
    if [ "$v" != none ]; then
      sleep 0.5
      rec="rec=$(awk -v a="$c0" -v b="$(cpu_of $rp)" -v t="$tck" 'BEGIN {printf "%.2f", (b - a) / t}')"
      kill -INT $rp; wait $rp
      lost=$(node dist/analyzer/cli.js /tmp/ab.cap --info --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(`records=${j.records} lost=${j.lost_total} size=${require("fs").statSync("/tmp/ab.cap").size}`)}catch{console.log("info=failed")}})')
    fi
    echo "$v $t $rec $lost" | awk '{printf "%s cpu=%.2f wall=%.2f %s %s %s %s\n", $1, $2+$3, $4, $5, $6, $7, $8}'
  done
done
