#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json; cheap when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.dms-runbooks-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
