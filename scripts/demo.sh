#!/usr/bin/env bash
# The main job end to end: install what is missing, build the CLI, serve a folder of saved
# sites on loopback with the lab server, scan them into the embedded database, print the
# summary. Defaults to the sample sites in tests/sites; pass SITES_DIR HOSTS_PLAN URL_LIST to
# scan another folder (e.g. ../shared/corpus/phish ../shared/corpus/hosts-plan.tsv
# ../shared/corpus/urls-hosts.txt). Extra arguments after those go to `trawl scan`.
set -euo pipefail
cd "$(dirname "$0")/.."

sites="${1:-tests/sites}"
plan="${2:-tests/sites/hosts-plan.tsv}"
urls="${3:-tests/sites/urls.txt}"
shift $(( $# < 3 ? $# : 3 ))

scripts/setup.sh cli
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
cargo build --locked -q -p trawl-cli
trawl="$CARGO_TARGET_DIR/debug/trawl"

work=$(mktemp -d)
"$trawl" -q lab serve "$sites" --hosts-plan "$plan" --resolve-out "$work/resolve.txt" \
  >"$work/lab.log" 2>&1 &
lab=$!
trap 'kill $lab 2>/dev/null; wait $lab 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  [ -s "$work/resolve.txt" ] && break
  kill -0 $lab 2>/dev/null || { cat "$work/lab.log" >&2; exit 1; }
  sleep 0.1
done
echo "lab server: $(grep -vc '^#' "$work/resolve.txt") hosts on loopback"

"$trawl" scan --resolve-file "$work/resolve.txt" "$@" "$urls"
