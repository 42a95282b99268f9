#!/usr/bin/env bash
# Lints the Python code (ruff, ruff.toml), then runs the Home Assistant integration tests (tests_ha/)
# in the virtualenv scripts/setup-ha.sh makes:
# real HA core with pytest-homeassistant-custom-component, the integration installed from the HACS
# release zip, a real Lookout peer (test/ha-peer/main.ts). Extra arguments go to pytest.
# Exit status: 0 when lint is clean and every test passed (skips are listed with their reason);
# pytest's own codes otherwise (1 failures, 2 interrupted, 3 internal error, 4 usage error, 5 no
# tests collected); 1 when only the lint failed.
set -uo pipefail
cd "$(dirname "$0")/.."
py=$(bash scripts/setup-ha.sh | tail -n 1) || { echo "test-ha: the Home Assistant virtualenv could not be made"; exit 3; }
bin=$(dirname "$py")
lint=0
"$bin/ruff" format --check --quiet . && "$bin/ruff" check --quiet . || { echo "test-ha: ruff found problems (above)"; lint=1; }
# The pytest script, not `python -m pytest`: that would put the repo root (and its un-built
# custom_components/) on sys.path ahead of the installed release zip.
"$bin/pytest" -c tests_ha/pytest.ini tests_ha -q -rs "$@"
code=$?
[ "$code" -eq 0 ] && [ "$lint" -ne 0 ] && code=1
exit "$code"
