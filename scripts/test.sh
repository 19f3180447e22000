#!/usr/bin/env bash
# `npm test`: install what is missing, bring the local stack up, then lint, format, type-check and every jest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
bash scripts/ensure-chromium.sh
npx tsx sandbox/stack/cli.ts up
echo "[test] eslint"; npx eslint .
echo "[test] prettier"; npx prettier --check . > /dev/null || { npx prettier --list-different .; echo "[test] run: npx prettier --write ."; exit 1; }
echo "[test] tsc"; npx tsc --noEmit -p .
echo "[test] jest"; npx jest --runInBand "$@"
