#!/usr/bin/env bash
# End-to-end test of the real desktop app under Xvfb through WebKitWebDriver: builds the app
# with the UI embedded, serves the corpus and the sample sites (including the hostile one) on
# loopback with `trawl lab serve`, launches the app with an empty data directory through the
# driver, and runs tests/e2e/desktop.mjs: drop the URL lists on the Scan view, scan them in full
# mode, open targets (screenshot, redirect chain, the hostile site's payloads shown as text and
# never run), check the campaigns against the corpus groups, click a node of the graph, save a
# PNG of every main view, quit the app with SIGTERM (its orderly exit). Afterwards it checks
# that the app exited and its embedded Postgres stopped.
#
# Skips (exit 0, with a message) when WebKitWebDriver, Xvfb or node is missing; any other
# problem fails. The corpus comes from $TRAWL_CORPUS or ../shared/corpus; without it only the
# sample sites are scanned. Screenshots are left in $E2E_ARTIFACTS/screenshots (default
# $CARGO_TARGET_DIR/e2e-desktop); with E2E_SCREENSHOTS=docs/screenshots they are also copied
# there, replacing the mock-NAME.png of the same view.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

for tool in WebKitWebDriver xvfb-run node; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP desktop end-to-end test: $tool is missing (scripts/setup.sh all installs it)" >&2
    exit 0
  fi
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
echo "== e2e: build the UI, the app (UI embedded) and the CLI"
npm --prefix ui run build >/dev/null
cargo build --locked -q -p trawl-cli
cargo build --locked -q -p trawl-app --features custom-protocol

work=$(mktemp -d -t trawl-e2e.XXXXXX)
# Readable by all, so that when the test runs as root the server account (see
# crates/trawl-core/src/db/embedded.rs) keeps the cluster inside the data directory.
chmod 755 "$work"
artifacts="${E2E_ARTIFACTS:-$CARGO_TARGET_DIR/e2e-desktop}"
rm -rf "$artifacts/screenshots" "$artifacts/failure.png"
mkdir -p "$artifacts"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    # A server left by an app that did not quit stops when its last client (this one) ends.
    if [ -d "$work/data/postgres" ]; then
      "$work/trawl" -q --data-dir "$work/data" db status >/dev/null 2>&1 || true
    fi
    echo "e2e failed; logs in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# Copies, so later builds cannot swap the binaries under the test.
cp "$CARGO_TARGET_DIR/debug/trawl-app" "$work/trawl-app"
cp "$CARGO_TARGET_DIR/debug/trawl" "$work/trawl"

# Lab servers: the sample sites, and the corpus when it is there. Every name resolves through
# the maps they write; nothing else resolves.
serve() { # name sites-dir plan
  "$work/trawl" -q lab serve "$2" --hosts-plan "$3" --no-https --resolve-out "$work/$1.map" \
    >"$work/lab-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    [ -s "$work/$1.map" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/lab-$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "lab server $1 did not start" >&2
  exit 1
}
lists=("$root/tests/sites/urls.txt")
serve sites "$root/tests/sites" "$root/tests/sites/hosts-plan.tsv"
corpus="${TRAWL_CORPUS:-$root/../shared/corpus}"
if [ -f "$corpus/urls-hosts.txt" ]; then
  serve corpus "$corpus/phish" "$corpus/hosts-plan.tsv"
  corpus_dir=$(cd "$corpus" && pwd -P)
  lists+=("$corpus_dir/urls-hosts.txt")
else
  corpus_dir=""
  echo "e2e: no corpus at $corpus; scanning the sample sites only" >&2
fi
cat "$work"/*.map >"$work/resolve.txt"
expect=0
for list in "${lists[@]}"; do
  expect=$((expect + $(grep -cvE '^\s*(#|$)' "$list")))
done

# The app, as the driver starts it: empty data directory, lab resolver map, settings key from
# the environment (no keyring here), automation enabled in its webview.
export TRAWL_DATA_DIR="$work/data"
export TRAWL_RESOLVE_FILE="$work/resolve.txt"
export APP_SECRET_KEY="e2e-passphrase-not-a-secret"
export TAURI_WEBVIEW_AUTOMATION=true
unset TRAWL_DATABASE_URL
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

echo "== e2e: run the app under Xvfb ($expect URLs)"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  WebKitWebDriver --host=127.0.0.1 --port="$1" >"$2/driver.log" 2>&1 &
  driver=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$1/status" >/dev/null 2>&1 && break
    sleep 0.1
  done
  status=0
  WEBDRIVER_URL="http://127.0.0.1:$1" APP_BINARY="$2/trawl-app" TRAWL_CLI="$2/trawl" \
    URL_LISTS="$3" EXPECT_URLS="$4" SITES_DIR="$5/tests/sites" CORPUS_DIR="$6" \
    E2E_ARTIFACTS="$7" node "$5/tests/e2e/desktop.mjs" || status=$?
  # desktop.mjs quits the app (also when it fails); make sure it is gone.
  for _ in $(seq 300); do
    pgrep -f -x "$2/trawl-app.*" >/dev/null || break
    sleep 0.1
  done
  if left=$(pgrep -f -x "$2/trawl-app.*"); then
    echo "e2e: the app is still running" >&2
    kill $left 2>/dev/null
    status=1
  fi
  kill "$driver" 2>/dev/null
  wait "$driver" 2>/dev/null
  exit $status
'  bash "$port" "$work" "$(IFS=:; echo "${lists[*]}")" "$expect" "$root" "$corpus_dir" "$artifacts"

echo "== e2e: the embedded Postgres stopped"
# The cluster is in the data directory, or (root, unreachable data directory) under
# /var/lib/trawl/embedded/<hash>; it must have been created in one of them, and be stopped.
hash=$(realpath "$TRAWL_DATA_DIR" | tr -d '\n' | sha256sum | cut -c1-16)
clusters=()
for dir in "$TRAWL_DATA_DIR/postgres" "/var/lib/trawl/embedded/$hash"; do
  [ -d "$dir" ] && clusters+=("$dir")
done
if [ ${#clusters[@]} -eq 0 ]; then
  echo "e2e: no embedded cluster was created for $TRAWL_DATA_DIR" >&2
  exit 1
fi
for dir in "${clusters[@]}"; do
  left=$(find "$dir" -name postmaster.pid 2>/dev/null || true)
  if [ -n "$left" ]; then
    echo "e2e: the server is still running (pid file $left)" >&2
    exit 1
  fi
  if pgrep -f "postgres.*$dir" >/dev/null; then
    echo "e2e: a postgres process of $dir is still running" >&2
    exit 1
  fi
  echo "e2e: cluster $dir stopped"
done
rm -rf "/var/lib/trawl/embedded/$hash"
if ! grep -qs "database closed" "$TRAWL_DATA_DIR"/logs/*.log; then
  echo "e2e: the app's log does not say it closed its database" >&2
  exit 1
fi

echo "e2e: screenshots in $artifacts/screenshots"
if [ -n "${E2E_SCREENSHOTS:-}" ]; then
  mkdir -p "$E2E_SCREENSHOTS"
  for png in "$artifacts"/screenshots/*.png; do
    name=$(basename "$png")
    cp "$png" "$E2E_SCREENSHOTS/$name"
    rm -f "$E2E_SCREENSHOTS/mock-$name"
  done
  echo "e2e: copied them to $E2E_SCREENSHOTS"
fi
echo "e2e: desktop end-to-end test passed"
