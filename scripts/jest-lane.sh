#!/usr/bin/env bash
# One jest lane (jest.config.js): `bash scripts/jest-lane.sh fast|stack [jest arguments]`. The lane is named last:
# `--selectProjects` takes every word after it as a project name, test paths included.
set -euo pipefail
cd "$(dirname "$0")/.."
lane=$1
shift
exec npx jest "$@" --selectProjects "$lane"
