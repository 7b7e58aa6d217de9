#!/usr/bin/env bash
# Every test: installs what is missing, builds everything with the locked dependencies,
# runs the static checks, the Rust tests (which start their own Postgres servers and lab
# web servers on loopback) and the UI tests. Fails on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh all
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
export CARGO_TERM_COLOR=never

echo "== ui: install and build"
npm --prefix ui ci --no-audit --no-fund --loglevel=error
npm --prefix ui run build

echo "== rust: build"
cargo build --locked --workspace --all-targets

echo "== check: the engine crates never depend on tauri"
for crate in trawl-core trawl-cli; do
  if cargo tree --locked -p "$crate" -e normal,build --prefix none | grep -qE '^(tauri|wry|webkit2gtk) '; then
    echo "$crate depends on tauri/wry/webkit: the engine must stay GUI-free" >&2
    exit 1
  fi
done

echo "== check: generated TypeScript bindings are current"
.ci/check-bindings.sh

echo "== rust: tests"
cargo test --locked --workspace

echo "== ui: tests"
npm --prefix ui test
