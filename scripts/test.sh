#!/usr/bin/env bash
# Runs every check: typecheck, lint, then all tests (unit + integration with real FFmpeg, GStreamer
# RTSP server, ...). Ends with the test runner's pass/fail summary; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

status=0
echo "== typecheck"; npx --no-install tsc -p tsconfig.json --noEmit && npx --no-install tsc -p nodes/tsconfig.test.json && npx --no-install tsc -p panel/tsconfig.json || status=1
echo "== lint"; npx --no-install eslint . && npx --no-install prettier --check --log-level warn . || status=1
echo "== imports"; node scripts/check-imports.mjs || status=1 # panel/ and nodes/ import only contracts; no cycles
echo "== tests"; node scripts/run-tests.mjs "$@" || status=1
if [ "$status" -eq 0 ]; then echo "lookout checks: all passed"; else echo "lookout checks: FAILED"; fi
exit "$status"
