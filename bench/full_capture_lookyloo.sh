#!/usr/bin/env bash
# Full capture side by side with Lookyloo's capture library (PyPI `PlaywrightCapture`, driving
# the same Debian Chromium) on the same URL list (the corpus entry pages, served by the lab on
# ephemeral ports) at the same parallelism. Prints captures per minute for both, one row per
# tool and level. Usage:
#   bench/full_capture_lookyloo.sh [CORPUS_DIR] [PARALLEL...]      (default levels: 1 2)
# The library is installed in a virtualenv under /tmp (VENV, default /tmp/trawl-bench-pwc),
# never in the repository. Settle policy matched to Trawl's (SETTLE seconds, default 1, and
# TIMEOUT seconds per page, default 30): the library's fixed waits are cut to SETTLE (see
# bench/lookyloo_capture.py). Loopback only: both browsers get the lab's resolver map sealed
# with `MAP * ~NOTFOUND`. LIMIT=N keeps the first N entry pages (both tools get the same list).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
shift || true
parallel=("${@:-1 2}")
settle="${SETTLE:-1}"
timeout="${TIMEOUT:-30}"
venv="${VENV:-/tmp/trawl-bench-pwc}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
if [ ! -d "$corpus/phish" ]; then echo "skipping: corpus not found at $corpus"; exit 0; fi
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q PlaywrightCapture; }
profile="${PROFILE:-dev}"
cargo build -q -p trawl-cli --profile "$profile"
trawl="$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")/trawl"

work=$(mktemp -d)
"$trawl" --data-dir "$work/lab-data" lab serve "$corpus/phish" --hosts-plan "$corpus/hosts-plan.tsv" \
  --resolve-out "$work/resolve.txt" --ephemeral-ports --no-https >"$work/lab.log" 2>&1 &
lab=$!
trap 'kill $lab 2>/dev/null; wait $lab 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/resolve.txt" ] && break; sleep 0.1; done
sleep 0.5
# The entry pages on the served ports (the lab prints `id  http://host:port/path  (ip)`).
sed 's/\x1b\[[0-9;]*m//g' "$work/lab.log" | awk '/^sites:/ {s = 1; next} s && $2 ~ /^http/ {print $2}' \
  | head -n "${LIMIT:-1000000}" >"$work/urls.txt"
n=$(grep -c . "$work/urls.txt")

data="$work/data"
"$trawl" -q --data-dir "$data" db migrate >/dev/null
printf '%-11s %-9s %-8s %-10s %-9s\n' tool parallel ok seconds per-min
for p in ${parallel[*]}; do
  # Trawl skips URLs it has captured before: each level gets its own copy (?r=P).
  sed "s/\$/?r=$p/" "$work/urls.txt" >"$work/urls-$p.txt"
  start=$(date +%s.%N)
  "$trawl" -q --data-dir "$data" scan --mode full --concurrency "$p" --timeout "$timeout" \
    --resolve-file "$work/resolve.txt" --json "$work/urls-$p.txt" >"$work/trawl-$p.jsonl" 2>"$work/trawl-$p.err" || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  ok=$(grep -c '"status":"DONE"' "$work/trawl-$p.jsonl" || true)
  printf '%-11s %-9s %-8s %-10.1f %-9.1f\n' trawl "$p" "$ok/$n" "$secs" "$(echo "$n * 60 / $secs" | bc -l)"

  start=$(date +%s.%N)
  "$venv/bin/python" bench/lookyloo_capture.py "$work/urls.txt" "$work/resolve.txt" "$p" \
    "$settle" "$timeout" >"$work/pwc-$p.jsonl" 2>"$work/pwc-$p.err" || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  ok=$(grep -c '"ok": true' "$work/pwc-$p.jsonl" || true)
  printf '%-11s %-9s %-8s %-10.1f %-9.1f\n' lookyloo "$p" "$ok/$n" "$secs" "$(echo "$n * 60 / $secs" | bc -l)"
  cp "$work/trawl-$p.jsonl" "$work/pwc-$p.jsonl" /tmp/
done
