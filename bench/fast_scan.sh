#!/usr/bin/env bash
# Fast-mode capture throughput on the real-phishing corpus: URLs per second at several
# concurrencies (default 1, 8 and 64) and the peak resident memory (VmHWM) of the `trawl scan`
# process, printed as a table with ratios against the first (concurrency 1) run.
#
# The corpus is served by `trawl lab serve` on OS-chosen ports (each sample its own origin, no
# collision with a running lab); its 55 entry pages are scanned REPEAT times each (`?r=N` makes
# every URL distinct) into a temporary data folder with its embedded Postgres. Each run is a
# fresh `trawl scan`; the database is created before the first run so no run pays for initdb.
#
# Usage: bench/fast_scan.sh [REPEAT]           (default REPEAT=4, i.e. 220 URLs per run)
# Environment: TRAWL_CORPUS (default ../shared/corpus), CONCURRENCY (default "1 8 64"),
#              PROFILE=dev|release (default dev), CARGO_TARGET_DIR (default /var/tmp/trawl-target)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

repeat="${1:-4}"
corpus="${TRAWL_CORPUS:-../shared/corpus}"
levels="${CONCURRENCY:-1 8 64}"
profile="${PROFILE:-dev}"
if [ ! -f "$corpus/hosts-plan.tsv" ]; then
  echo "skipping: corpus not found at $corpus (set TRAWL_CORPUS)"
  exit 0
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
cargo build -q -p trawl-cli --profile "$profile"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
trawl="$CARGO_TARGET_DIR/$dir/trawl"

work=$(mktemp -d)
lab=""
cleanup() {
  if [ -n "$lab" ]; then kill "$lab" 2>/dev/null || true; wait "$lab" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The lab: every sample on its plan IP, OS-chosen port, plain HTTP.
"$trawl" -q lab serve "$corpus/phish" --hosts-plan "$corpus/hosts-plan.tsv" --no-https \
  --ephemeral-ports --resolve-out "$work/resolve.txt" >"$work/lab.log" 2>&1 &
lab=$!
for _ in $(seq 100); do
  [ -s "$work/resolve.txt" ] && break
  kill -0 "$lab" 2>/dev/null || { cat "$work/lab.log" >&2; exit 1; }
  sleep 0.1
done

# Entry URLs as served (the `sites:` section of the lab's summary), each REPEAT times.
awk '/^sites:/ { on = 1; next } on && $2 ~ /^http:/ { print $2 }' "$work/lab.log" >"$work/entries.txt"
entries=$(wc -l <"$work/entries.txt")
[ "$entries" -gt 0 ] || { echo "no entry URLs in the lab output" >&2; cat "$work/lab.log" >&2; exit 1; }
for r in $(seq "$repeat"); do sed "s/\$/?r=$r/" "$work/entries.txt"; done >"$work/urls.txt"
total=$(wc -l <"$work/urls.txt")

data="$work/data"
"$trawl" -q --data-dir "$data" db migrate >/dev/null

# One run: prints "urls done failed wall_s rate peak_kib".
run() {
  local concurrency=$1 hwm=0 now start end pid rate
  start=$(date +%s.%N)
  "$trawl" -q --data-dir "$data" scan --mode fast --concurrency "$concurrency" \
    --resolve-file "$work/resolve.txt" --json "$work/urls.txt" \
    >"$work/scan.jsonl" 2>"$work/scan.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$now" ] && [ "$now" -gt "$hwm" ] && hwm=$now
    sleep 0.05
  done
  wait "$pid" || { cat "$work/scan.err" >&2; exit 1; }
  end=$(date +%s.%N)
  # The scan's own rate: targets finished per second of capture work (excludes starting the
  # embedded database and queueing), from its last progress line.
  rate=$(grep -o '· [0-9.]*/s' "$work/scan.err" | tail -1 | tr -dc '0-9.')
  echo "$total $(grep -c '"status":"DONE"' "$work/scan.jsonl") \
    $(grep -c '"status":"FAILED"' "$work/scan.jsonl") $(echo "$end - $start" | bc) $rate $hwm"
}

echo "fast scan of $entries corpus entry pages x $repeat = $total URLs per run" \
  "($profile build, $(nproc) cores)"
printf '%-12s %6s %6s %7s %8s %10s %7s %10s %7s\n' concurrency urls done failed wall_s \
  urls_per_s ratio peak_MiB ratio
base_rate="" base_mem=""
for c in $levels; do
  read -r urls done failed wall rate hwm <<<"$(run "$c")"
  mib=$(echo "scale=1; $hwm / 1024" | bc)
  base_rate=${base_rate:-$rate}
  base_mem=${base_mem:-$mib}
  printf '%-12s %6s %6s %7s %8.1f %10.1f %7.2f %10.1f %7.2f\n' "$c" "$urls" "$done" "$failed" \
    "$wall" "$rate" "$(echo "scale=4; $rate / $base_rate" | bc)" "$mib" \
    "$(echo "scale=4; $mib / $base_mem" | bc)"
done
