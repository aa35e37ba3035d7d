#!/usr/bin/env bash
# TRACER_COUNT_CMD for bench/peers.sh: events of KIND for workload WL in capture $TRACER_OUT, counted
# from `secanalyze --json` rows (the schema's names: docs/schema.md). The shared harness's own
# tracers/secrec-count.sh reads the names the views used before they took the schema's.
# Needs SECANALYZE (path of the analyzer's cli.js) and TRACER_OUT.
set -uo pipefail
A=(node "${SECANALYZE:?}" "${TRACER_OUT:?}" --no-progress --json)
count() { node -e '
const rl=require("readline").createInterface({input:process.stdin}); let n=0; const f=new Function("r", "return " + process.argv[1]);
rl.on("line", l => { try { if (f(JSON.parse(l))) n++; } catch {} }); rl.on("close", () => console.log(n));' "$1"; }
case ${KIND}:${WL} in
exec:exec*) "${A[@]}" --execs 2>/dev/null | count 'r.ret===0 && /\/true$/.test(r.filename_text||r.argv_text?.[0]||"")' ;;
exec:mixed) "${A[@]}" --execs 2>/dev/null | count 'r.uid===65534 && r.ret===0' ;;
open:openA) "${A[@]}" --opens 2>/dev/null | count 'r.comm_text==="open_storm" && r.path_text==="/tmp/bench-nonexistent/nofile"' ;;
open:openB) "${A[@]}" --opens 2>/dev/null | count 'r.comm_text==="open_storm" && r.path_text===process.env.SECRET' ;;
tty:tty) for d in $(seq 0 31); do "${A[@]}" --comm tty_writer --tty "pts/$d" 2>/dev/null; done | count 'r.comm_text==="tty_writer" && r.fd===1' ;;
*) echo - ;;
esac
