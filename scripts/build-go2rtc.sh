#!/usr/bin/env bash
# Optional: builds go2rtc (github.com/AlexxIT/go2rtc) from its Go module at a pinned release, for the
# side-by-side rows of `npm run bench:peers` only. Lookout never runs go2rtc; nothing fetched is committed.
# The binary is cached outside the clone, keyed by version; later runs return at once:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/lookout/go2rtc/<version>/go2rtc
#
# Why from the module: the machines reach only package registries (the Go module proxy among them), not
# GitHub release downloads.
#
# Environment: GO2RTC_VERSION (default v1.9.9, the newest release the module proxy served when this was
# written), LOOKOUT_GO2RTC_CACHE (overrides the cache root).
set -euo pipefail

VERSION="${GO2RTC_VERSION:-v1.9.9}"
CACHE_ROOT="${LOOKOUT_GO2RTC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lookout/go2rtc}"
DEST_DIR="$CACHE_ROOT/$VERSION"
DEST="$DEST_DIR/go2rtc"

if [ -x "$DEST" ]; then
  echo "$DEST"
  exit 0
fi

GO="$(command -v go || true)"
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "go2rtc not built: no Go toolchain (go) on PATH or in /usr/local/go/bin" >&2
  exit 1
fi

echo "building go2rtc $VERSION from the Go module (first run only; cached in $DEST_DIR)" >&2
start=$(date +%s)
# Not `go install module@version`: that also asks the proxy for the module's version list (to check
# for a deprecation), which the proxy refuses for this module; an exact version downloads fine. So:
# download that version, copy it to a writable folder and build it as the main module.
info="$("$GO" mod download -json "github.com/AlexxIT/go2rtc@$VERSION")"
src="$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
  echo "go2rtc not built: go mod download gave no module folder:" >&2
  printf '%s\n' "$info" >&2
  exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/lookout-go2rtc-build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -R "$src/." "$work/src"
chmod -R u+w "$work/src"
(
  cd "$work/src"
  GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -o "$work/go2rtc" .
)
"$work/go2rtc" -version >/dev/null 2>&1 || "$work/go2rtc" --help >/dev/null 2>&1 || true
mkdir -p "$DEST_DIR"
mv -f "$work/go2rtc" "$DEST.tmp"
mv -f "$DEST.tmp" "$DEST"
echo "go2rtc $VERSION built in $(($(date +%s) - start)) s → $DEST" >&2
echo "$DEST"
