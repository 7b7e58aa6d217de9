#!/usr/bin/env bash
# Fails when the committed TypeScript bindings in ui/src/bindings differ from what the Rust
# types in src-tauri/ipc_types.rs generate. ts-rs writes the files while the tests named
# export_bindings_* run.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/trawl-target}"
# Start from an empty folder so a binding whose Rust type was removed shows up as deleted.
rm -f ui/src/bindings/*.ts
cargo test -p trawl-app --lib ${CI:+--locked} export_bindings

# Modified, deleted and new (untracked) files all count as drift.
drift=$(git status --porcelain --untracked-files=all -- ui/src/bindings)
if [ -n "$drift" ]; then
  echo "$drift"
  git --no-pager diff -- ui/src/bindings
  echo "ui/src/bindings is stale: this script has regenerated it in place; review and commit" >&2
  exit 1
fi
echo "bindings up to date"
