#!/bin/bash
# The main job on a fresh machine: install, build, analyze the shipped fixture capture, and, where
# root and BPF allow, record this host for a few seconds and analyze that too.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null || ! command -v bpftool >/dev/null || ! [ -e /usr/include/bpf/bpf_helpers.h ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm libbpf-dev bpftool zstd protobuf-compiler >/dev/null
  fi
fi
[ -d node_modules/zstd-napi ] || npm install --no-audit --no-fund
if command -v clang >/dev/null; then npm run -s build; else npm run -s build:ts; fi
an="node dist/analyzer/cli.js"
echo "### secanalyze fixtures/incident.cap --info"; $an fixtures/incident.cap --info
echo; echo "### --tree"; $an fixtures/incident.cap --tree
echo; echo "### --execs -x -T"; $an fixtures/incident.cap --execs -x -T
echo; echo "### --eperm"; $an fixtures/incident.cap --eperm
echo; echo "### --timeline"; $an fixtures/incident.cap --timeline
if [ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ]; then
  out=$(mktemp -u /tmp/secrec-demo.XXXXXX.cap)
  echo; echo "### secrec -o $out -d 3s (recording this host)"
  node dist/recorder/cli.js -o "$out" -d 3s & rec=$!
  sleep 1; ls / >/dev/null; cat /etc/hostname >/dev/null; wait $rec
  $an "$out" --info
  $an "$out" --execs -T
else
  echo; echo "(not root or no BTF: skipping the live recording)"
fi
