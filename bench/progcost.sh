#!/bin/bash
# bench/progcost.sh: kernel cost of each secrec BPF program, in ns per run (issue 9's table).
# Turns on kernel.bpf_stats_enabled for the run (restored after), records while a storm of
# denied opens (as nobody) and an exec loop run, then prints run_time_ns / run_cnt per program.
#   bash bench/progcost.sh                 # 300k opens, 1000 execs
#   OPENS=1000000 EXECS=3000 bash bench/progcost.sh
# Needs root and a build (npm run build). bpf_stats adds its own ~20-50 ns to every run.
set -euo pipefail
cd "$(dirname "$0")/.."
OPENS=${OPENS:-300000}
EXECS=${EXECS:-1000}
work=$(mktemp -d /tmp/secrec-progcost.XXXXXX)
chmod 755 "$work"
old=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() { sysctl -q -w kernel.bpf_stats_enabled="$old"; [[ -n ${rec:-} ]] && kill -INT "$rec" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

printf '#include <fcntl.h>\n#include <unistd.h>\n#include <stdlib.h>\nint main(int c,char**v){int n=atoi(v[2]);for(int i=0;i<n;i++){int f=open(v[1],O_RDONLY);if(f>=0)close(f);}return 0;}\n' >"$work/storm.c"
cc -O2 -o "$work/storm" "$work/storm.c"
echo x >"$work/secret"
chmod 600 "$work/secret"

sysctl -q -w kernel.bpf_stats_enabled=1
node dist/recorder/cli.js -q -o "$work/p.cap" ${OBJ_DIR:+--obj-dir "$OBJ_DIR"} &
rec=$!
for _ in $(seq 100); do
	bpftool prog show 2>/dev/null | grep -q 'name handle_sys_exit' && break
	sleep 0.1
done
sleep 0.5
setpriv --reuid=65534 --regid=65534 --clear-groups "$work/storm" "$work/secret" "$OPENS"
i=0
while [ $i -lt "$EXECS" ]; do /bin/true; i=$((i + 1)); done
sleep 0.5
bpftool -j prog show | node -e '
	const progs = JSON.parse(require("fs").readFileSync(0, "utf8"))
		.filter((p) => p.run_cnt > 0 && /^(handle_|on_|bash_|tty_)/.test(p.name ?? ""));
	console.log("program                          runs        ns/run");
	for (const p of progs.sort((a, b) => a.name.localeCompare(b.name)))
		console.log(`${p.name.padEnd(32)} ${String(p.run_cnt).padStart(10)}  ${(p.run_time_ns / p.run_cnt).toFixed(0).padStart(8)}`);
'
echo "($OPENS denied opens as nobody, $EXECS execs of /bin/true; bpf_stats on)"
