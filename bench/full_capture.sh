#!/usr/bin/env bash
# Full-capture benchmark: serves the corpus with the lab server, scans every sample in full
# mode (headless Chromium) with 1, 2 and 4 pages in parallel, and prints captures per minute
# and the peak memory of trawl plus its browsers (RSS summed over the process tree, sampled
# every 200 ms). The runs share one database, created (and its server started) before timing;
# each run still starts the embedded server once. Usage:
#   bench/full_capture.sh [CORPUS_DIR] [PARALLEL...]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
shift || true
parallel=("${@:-1 2 4}")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
profile="${PROFILE:-dev}"
cargo build -q -p trawl-cli --profile "$profile"
trawl="$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")/trawl"

work=$(mktemp -d)
# Ephemeral ports (a lab on the planned ports may already run); URLs are rewritten to them.
"$trawl" --data-dir "$work/lab-data" lab serve "$corpus/phish" --hosts-plan "$corpus/hosts-plan.tsv" \
  --resolve-out "$work/resolve.txt" --ephemeral-ports --no-https >"$work/lab.log" 2>&1 &
lab=$!
trap 'kill $lab 2>/dev/null; wait $lab 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/resolve.txt" ] && break; sleep 0.1; done
sleep 0.5
python3 - "$work/lab.log" "$corpus/urls-hosts.txt" >"$work/urls.txt" <<'PY'
import re, sys
ports = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"http://[0-9.]+:(\d+)\s+(.*)$", re.sub(r"\x1b\[[0-9;]*m", "", line))
    if m:
        for host in m.group(2).split(","):
            ports[host.strip()] = m.group(1)
for url in open(sys.argv[2]):
    m = re.match(r"http://([^/:]+):\d+(/.*)", url.strip())
    if m:
        print(f"http://{m.group(1)}:{ports[m.group(1)]}{m.group(2)}")
PY

tree_rss_kb() { # summed RSS (kB) of pid $1 and all its descendants
  local pids=("$1") all=() p
  while [ ${#pids[@]} -gt 0 ]; do
    p=${pids[0]}; pids=("${pids[@]:1}"); all+=("$p")
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do pids+=("$c"); done
  done
  local sum=0
  for p in "${all[@]}"; do
    v=$(awk '/^VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# One database for every run, created before the clock starts.
data="$work/data"
"$trawl" -q --data-dir "$data" db migrate >/dev/null
n=$(grep -c . "$corpus/urls-hosts.txt")
printf '%-9s %-8s %-10s %-9s %-12s\n' parallel targets seconds per-min peak-MB
for p in ${parallel[*]}; do
  start=$(date +%s.%N)
  "$trawl" -q --data-dir "$data" scan --mode full --concurrency "$p" \
    --resolve-file "$work/resolve.txt" --json "$work/urls.txt" >"$work/out-$p.jsonl" &
  scan=$!
  peak=0
  while kill -0 $scan 2>/dev/null; do
    rss=$(tree_rss_kb $scan); [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait $scan
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  done_n=$(grep -c '"status":"DONE"' "$work/out-$p.jsonl" || true)
  printf '%-9s %-8s %-10.1f %-9.1f %-12d\n' "$p" "$done_n/$n" "$secs" \
    "$(echo "$n * 60 / $secs" | bc -l)" $((peak / 1024))
  cp "$work/out-$p.jsonl" "/tmp/trawl-full-bench-$p.jsonl"
done
