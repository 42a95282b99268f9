#!/usr/bin/env bash
# Builds the HACS release asset dist/hacs/lookout.zip (hacs.json: zip_release, filename): the files
# of custom_components/lookout/ at the zip's root (HACS unpacks it into custom_components/lookout/)
# plus frontend/lookout-card.js, the card bundle built from panel/ (dist/ is not committed, so the
# zip is how the card ships with the integration). Attach the zip to each GitHub release.
set -euo pipefail
cd "$(dirname "$0")/.."
node panel/build.mjs >/dev/null
out="${1:-dist/hacs/lookout.zip}"
mkdir -p "$(dirname "$out")"
python3 - "$out" <<'PY'
import pathlib, sys, zipfile
out = pathlib.Path(sys.argv[1])
src = pathlib.Path("custom_components/lookout")
card = pathlib.Path("dist/panel/lookout-card.js")
tmp = out.with_suffix(".zip.tmp")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(src.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
            z.write(f, f.relative_to(src).as_posix())
    z.write(card, "frontend/lookout-card.js")
tmp.replace(out)
PY
echo "$out"
