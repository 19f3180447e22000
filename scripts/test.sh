#!/usr/bin/env bash
# `npm test`: install what is missing, lint, format and type-check, run the fast lane (no stack), then bring the local
# stack up and run the stack lane. Every jest suite runs in one lane or the other (jest.config.js, docs/testing-lanes.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
echo "[test] eslint"; npx eslint .
echo "[test] prettier"; npx prettier --check . > /dev/null || { npx prettier --list-different .; echo "[test] run: npx prettier --write ."; exit 1; }
echo "[test] tsc"; npx tsc --noEmit -p .
# Arguments (test paths, -t) go to both lanes; a lane with no matching suite passes.
echo "[test] jest: fast lane"; bash scripts/jest-lane.sh fast --passWithNoTests "$@"
bash scripts/ensure-chromium.sh
npx tsx sandbox/stack/cli.ts up
echo "[test] jest: stack lane"; bash scripts/jest-lane.sh stack --runInBand --passWithNoTests "$@"
