#!/usr/bin/env bash
# Makes a fresh Debian machine ready for the workbench and its tests: Debian chromium for the UI
# tests (Playwright cannot download its own browser here; skipped with --no-browser), then `npm ci`
# (which also builds the app). Runs before `npm test` and `npm run demo`; cheap when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian chromium (UI tests and screenshots)…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies (npm ci; better-sqlite3 compiles from source, ~1 min)…"
  npm ci --no-audit --no-fund
fi
