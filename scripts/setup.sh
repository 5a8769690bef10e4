#!/usr/bin/env bash
# Makes a fresh Debian machine ready for the workbench and its tests: OpenBLAS for the native engine,
# Debian chromium for the UI tests (Playwright cannot download its own browser here; skipped with
# --no-browser), then `npm ci` (which also builds the native engine and the app). Runs before `npm test` and `npm run demo`; cheap when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# OpenBLAS for the native compute engine (native/, built by `npm ci`); without it the workbench runs on
# tfjs and says why.
if ! pkg-config --exists openblas 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
  echo "Installing OpenBLAS (libopenblas-dev) for the native engine…"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev pkg-config >/dev/null ||
    echo "Could not install libopenblas-dev: the native engine will be skipped (tfjs still works)."
  NEEDS_NATIVE=1
fi

if [ "${1:-}" != "--no-browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian chromium (UI tests and screenshots)…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies (npm ci; better-sqlite3 compiles from source, ~1 min)…"
  npm ci --no-audit --no-fund
elif [ ! -f native/build-status.json ] || [ "${NEEDS_NATIVE:-0}" = 1 ]; then
  node scripts/build-native.mjs
fi
