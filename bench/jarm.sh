#!/usr/bin/env bash
# JARM benchmark: seconds per host for `trawl jarm` and pyjarm side by side, against local
# `openssl s_server` processes (loopback only) and one server that accepts and never answers.
# Each tool fingerprints every host REPEAT times (default 3) as a fresh process, so process
# start-up is counted for both; the values of both tools are printed and compared. Usage:
#   bench/jarm.sh [REPEAT]        (TIMEOUT=SECS sets both tools' per-probe time limit, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
repeat="${1:-3}"
timeout_s="${TIMEOUT:-2}"
python3 -c 'import jarm.scanner.scanner' 2>/dev/null || { echo "skipping: pyjarm not installed"; exit 0; }
command -v openssl >/dev/null || { echo "skipping: openssl not found"; exit 0; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
cargo build -q -p trawl-cli
trawl="$CARGO_TARGET_DIR/debug/trawl"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=a.test -days 2 \
  -keyout "$work/k.pem" -out "$work/c.pem" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

names=(default tls1.2-only alpn-h2 silent)
extras=("" "-tls1_2" "-alpn h2,http/1.1" "SILENT")
ports=()
for i in "${!names[@]}"; do
  port=$(free_port)
  if [ "${extras[$i]}" = SILENT ]; then
    # Accepts (listen backlog) and never reads or answers.
    python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(64); time.sleep(3600)" &
  else
    # shellcheck disable=SC2086
    openssl s_server -accept "127.0.0.1:$port" -cert "$work/c.pem" -key "$work/k.pem" -www -quiet \
      ${extras[$i]} </dev/null >/dev/null 2>&1 &
  fi
  pids+=($!)
  ports+=("$port")
done
sleep 1

now() { date +%s.%N; }
printf '%-12s %-8s %10s %10s %7s  %s\n' host tool s/host ratio same value
for i in "${!names[@]}"; do
  port=${ports[$i]}
  t0=$(now)
  for _ in $(seq "$repeat"); do ours=$("$trawl" -q --data-dir "$work/data" jarm "127.0.0.1:$port" --timeout "$timeout_s" 2>/dev/null); done
  t1=$(now)
  for _ in $(seq "$repeat"); do theirs=$(pyjarm -4 "127.0.0.1:$port" --timeout "$timeout_s" --suppress 2>/dev/null | awk '/^JARM:/ {print $2}'); done
  t2=$(now)
  same=$([ "$ours" = "$theirs" ] && echo yes || echo NO)
  awk -v n="${names[$i]}" -v a="$t0" -v b="$t1" -v c="$t2" -v r="$repeat" -v o="$ours" -v t="$theirs" -v s="$same" 'BEGIN {
    ts = (b - a) / r; ps = (c - b) / r
    printf "%-12s %-8s %10.3f %10.2f %7s  %s\n", n, "trawl", ts, 1, s, o
    printf "%-12s %-8s %10.3f %10.2f %7s  %s\n", n, "pyjarm", ps, ps / ts, s, t }'
done
