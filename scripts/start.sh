#!/usr/bin/env bash
# Runs Lookout. Without arguments: demo mode with synthetic cameras.
# With a config: scripts/start.sh --config path/to/cameras.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node panel/build.mjs >/dev/null # the page at / serves dist/panel
exec npx --no-install tsx addon/src/cli/main.ts serve "$@"
