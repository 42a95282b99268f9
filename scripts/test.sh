#!/usr/bin/env bash
# Runs every check: typecheck, lint, the Home Assistant integration tests (pytest, real HA core),
# then all Node tests (unit + integration with real FFmpeg, GStreamer RTSP server, ...). Node's
# pass/fail summary stays the last test output; the closing line counts both suites. Exits non-zero
# on any failure. With filter arguments only the matching Node tests run (no pytest).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --ha-tests || exit 1

status=0
echo "== typecheck"; npx --no-install tsc -p tsconfig.json --noEmit && npx --no-install tsc -p nodes/tsconfig.test.json && npx --no-install tsc -p panel/tsconfig.json || status=1
echo "== lint"; npx --no-install eslint . && npx --no-install prettier --check --log-level warn . || status=1
echo "== imports"; node scripts/check-imports.mjs || status=1 # panel/ and nodes/ import only contracts; no cycles
ha="not run (filters given)"
if [ "$#" -eq 0 ]; then
  echo "== home assistant integration tests (pytest)"
  ha_log=$(mktemp)
  bash scripts/test-ha.sh 2>&1 | tee "$ha_log"
  ha_status=${PIPESTATUS[0]}
  ha=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error|skipped)' "$ha_log" | tail -n 1 | tr -d '=' | sed 's/^ *//;s/ *$//')
  rm -f "$ha_log"
  if [ "$ha_status" -eq 0 ]; then ha="passed: ${ha:-?}"; else ha="FAILED (pytest exit $ha_status): ${ha:-no summary}"; status=1; fi
fi
echo "== tests"; node scripts/run-tests.mjs "$@" || status=1
echo "home assistant integration tests: $ha"
if [ "$status" -eq 0 ]; then echo "lookout checks: all passed"; else echo "lookout checks: FAILED"; fi
exit "$status"
