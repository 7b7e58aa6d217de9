#!/usr/bin/env bash
# Full capture side by side with Lookyloo's capture library (PyPI `PlaywrightCapture`, driving
# the same Debian Chromium) on the same URL list (the corpus entry pages, served by the lab on
# ephemeral ports) at the same parallelism. Prints captures per minute and peak memory for
# both, one row per tool and level. Usage:
#   bench/full_capture_lookyloo.sh [CORPUS_DIR] [PARALLEL...]      (default levels: 1 2 4)
# The library is installed in a virtualenv under /tmp (VENV, default /tmp/trawl-bench-pwc),
# never in the repository. TRAWL_BIN=PATH times that `trawl` binary instead of building one.
# Settle policy matched to Trawl's (SETTLE seconds, default 1, and
# TIMEOUT seconds per page, default 30): the library's fixed waits are cut to SETTLE (see
# bench/lookyloo_capture.py). Loopback only: both browsers get the lab's resolver map sealed
# with `MAP * ~NOTFOUND`. LIMIT=N keeps the first N entry pages (both tools get the same list).
# Peak memory: the process tree of each run (`trawl scan` and its Chromium processes; Python,
# Playwright's driver and their Chromium processes) sampled every 250 ms from /proc; `peak-MiB`
# is the largest sum of RSS over the tree, `pss-MiB` the largest sum of PSS (shared pages
# counted once). Trawl's embedded Postgres runs detached and is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
shift || true
parallel=("${@:-1 2 4}")
settle="${SETTLE:-1}"
timeout="${TIMEOUT:-30}"
venv="${VENV:-/tmp/trawl-bench-pwc}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
if [ ! -d "$corpus/phish" ]; then echo "skipping: corpus not found at $corpus"; exit 0; fi
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q PlaywrightCapture; }
profile="${PROFILE:-dev}"
trawl="${TRAWL_BIN:-}" # an already built `trawl` binary (skips the build)
if [ -z "$trawl" ]; then
  cargo build -q -p trawl-cli --profile "$profile"
  trawl="$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")/trawl"
fi

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

# Peak summed RSS and PSS (MiB) of process $1 and its descendants until it exits.
cat >"$work/tree_memory.py" <<'PY'
import os, sys, time
root = int(sys.argv[1])
def kids(pid):
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out
def field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
peak_rss = peak_pss = 0
while alive(root):
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += kids(pid)
    peak_rss = max(peak_rss, sum(field(f"/proc/{p}/status", "VmRSS:") for p in tree))
    peak_pss = max(peak_pss, sum(field(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree))
    time.sleep(0.25)
print(f"{peak_rss / 1024:.0f} {peak_pss / 1024:.0f}")
PY

data="$work/data"
"$trawl" -q --data-dir "$data" db migrate >/dev/null
row() { # tool parallel ok seconds memory
  printf '%-11s %-9s %-8s %-10.1f %-9.1f %-9s %-9s\n' "$1" "$2" "$3/$n" "$4" \
    "$(echo "$n * 60 / $4" | bc -l)" $5
}
printf '%-11s %-9s %-8s %-10s %-9s %-9s %-9s\n' tool parallel ok seconds per-min peak-MiB pss-MiB
for p in ${parallel[*]}; do
  # Trawl skips URLs it has captured before: each level gets its own copy (?r=P).
  sed "s/\$/?r=$p/" "$work/urls.txt" >"$work/urls-$p.txt"
  start=$(date +%s.%N)
  "$trawl" -q --data-dir "$data" scan --mode full --concurrency "$p" --timeout "$timeout" \
    --resolve-file "$work/resolve.txt" --json "$work/urls-$p.txt" >"$work/trawl-$p.jsonl" 2>"$work/trawl-$p.err" &
  memory=$(python3 "$work/tree_memory.py" $!)
  wait $! || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  ok=$(grep -c '"status":"DONE"' "$work/trawl-$p.jsonl" || true)
  row trawl "$p" "$ok" "$secs" "$memory"

  start=$(date +%s.%N)
  "$venv/bin/python" bench/lookyloo_capture.py "$work/urls.txt" "$work/resolve.txt" "$p" \
    "$settle" "$timeout" >"$work/pwc-$p.jsonl" 2>"$work/pwc-$p.err" &
  memory=$(python3 "$work/tree_memory.py" $!)
  wait $! || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  ok=$(grep -c '"ok": true' "$work/pwc-$p.jsonl" || true)
  row lookyloo "$p" "$ok" "$secs" "$memory"
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP" && cp "$work"/trawl-$p.* "$work"/pwc-$p.* "$KEEP"/
  fi
done
if [ -n "${KEEP:-}" ]; then cp -r "$data/logs" "$KEEP"/ 2>/dev/null || true; fi
