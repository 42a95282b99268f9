#!/usr/bin/env bash
# Makes the Python virtualenv the Home Assistant integration tests run in (tests_ha/): real HA core
# plus pytest-homeassistant-custom-component, pinned in requirements-ha-test.txt. The venv lives
# OUTSIDE the clone (LOOKOUT_HA_VENV, default ~/.cache/lookout/ha-venv-<hash of the pins>), so a
# fresh clone reuses it and a later run returns at once; pip's download cache is kept beside it.
# Prints the venv's python on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${LOOKOUT_PYTHON:-python3}"
req=requirements-ha-test.txt
hash=$( (cat "$req"; "$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lookout"
venv="${LOOKOUT_HA_VENV:-$cache/ha-venv-$hash}"

mkdir -p "$cache"
# One maker at a time (two test runs starting together would build into the same folder).
exec 9>"$venv.lock"
flock 9
if [ ! -f "$venv/.installed" ]; then
  echo "setup-ha: making the Home Assistant test virtualenv in $venv (first run: a few minutes)" >&2
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
  PIP_CACHE_DIR="$cache/pip" "$venv/bin/python" -m pip install -q -r "$req" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/python"
