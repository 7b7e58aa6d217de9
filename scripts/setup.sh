#!/usr/bin/env bash
# Installs what Trawl needs on Debian/Ubuntu, idempotently: nothing is installed twice.
#   scripts/setup.sh cli   the engine and the `trawl` CLI (Postgres server, Chromium, build tools)
#   scripts/setup.sh all   also the desktop app, the browser and the test tools
set -euo pipefail

profile="${1:-all}"
cli_packages=(
  build-essential pkg-config libssl-dev libdbus-1-dev postgresql postgresql-contrib ca-certificates
  chromium
)
app_packages=(
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth dbus-x11 webkit2gtk-driver gnome-keyring libsecret-tools dbus openssl
)
packages=("${cli_packages[@]}")
[ "$profile" = all ] && packages+=("${app_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere (NodeSource ships npm inside its nodejs): check commands.
if [ "$profile" = all ] && ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# pyjarm (PyPI; imports as `jarm.scanner`, unlike the unrelated `jarm` package) is the JARM
# oracle of crates/trawl-core/tests/jarm.rs and bench/jarm.sh.
if [ "$profile" = all ] && ! python3 -c 'import jarm.scanner.scanner' 2>/dev/null; then
  echo "installing: pyjarm (pip)"
  python3 -m pip install --quiet pyjarm
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: install it with rustup (https://rustup.rs), version 1.95 or newer" >&2
  exit 1
fi
