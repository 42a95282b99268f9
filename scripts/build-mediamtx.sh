#!/usr/bin/env bash
# Builds the real MediaMTX from source at a pinned release and caches the binary outside the clone,
# keyed by version, so only the first run pays for the build (later runs return at once).
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/lookout/mediamtx/<version>/mediamtx
#
# Why from source: the machines reach only package registries (the Go module proxy among them), not
# GitHub release downloads. Why not `go install …@version`: MediaMTX's go.mod has a `replace`
# directive, which `go install` refuses outside the main module. So: download the module, copy it to
# a writable folder, supply the two files its `go generate` steps would download (hls.min.js from the
# hls.js npm package we already install; the VERSION file its core embeds), build it as the main module.
# The rpicamera embeds only exist for linux/arm and linux/arm64 and are not needed for amd64.
#
# Environment: MEDIAMTX_VERSION (default v1.20.1: the version whose config and API the generator
# targets; change both together), LOOKOUT_MEDIAMTX_CACHE (overrides the cache root).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${MEDIAMTX_VERSION:-v1.20.1}"
CACHE_ROOT="${LOOKOUT_MEDIAMTX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lookout/mediamtx}"
DEST_DIR="$CACHE_ROOT/$VERSION"
DEST="$DEST_DIR/mediamtx"

if [ -x "$DEST" ]; then
  exit 0
fi

GO="$(command -v go || true)"
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "setup: MediaMTX not built: no Go toolchain (go) on PATH or in /usr/local/go/bin" >&2
  exit 1
fi

HLSJS="node_modules/hls.js/dist/hls.min.js"
if [ ! -f "$HLSJS" ]; then
  echo "setup: MediaMTX not built: $HLSJS missing (run npm ci first)" >&2
  exit 1
fi

echo "setup: building MediaMTX $VERSION from source (first run only; cached in $DEST_DIR)"
start=$(date +%s)

# -json prints the module's Dir in the module cache (read-only files).
info="$("$GO" mod download -json "github.com/bluenviron/mediamtx@$VERSION")"
src="$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
  echo "setup: MediaMTX not built: go mod download gave no module folder:" >&2
  printf '%s\n' "$info" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/lookout-mediamtx-build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -R "$src/." "$work/src"
chmod -R u+w "$work/src"

# What `go generate` would download: hls.js for the HLS server's built-in page, and the version string.
cp "$HLSJS" "$work/src/internal/servers/hls/hls.min.js"
printf '%s' "$VERSION" >"$work/src/internal/core/VERSION"

# Every //go:embed in the tree (but the arm-only rpicamera blobs) must resolve, or the build would fail
# later with a less clear message.
missing=0
while IFS=: read -r file _ directive; do
  case "$file" in */rpicamera/*) continue ;; esac
  dir="$(dirname "$file")"
  for pattern in ${directive#*go:embed }; do
    # shellcheck disable=SC2086 # the pattern is a glob on purpose
    if ! compgen -G "$dir/$pattern" >/dev/null; then
      echo "setup: MediaMTX embed missing: $dir/$pattern" >&2
      missing=1
    fi
  done
done < <(grep -rn --include='*.go' --exclude='*_test.go' '^//go:embed ' "$work/src")
[ "$missing" = 0 ] || exit 1

mkdir -p "$DEST_DIR"
(
  cd "$work/src"
  CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -o "$work/mediamtx" .
)
"$work/mediamtx" --version >/dev/null
mv -f "$work/mediamtx" "$DEST.tmp"
mv -f "$DEST.tmp" "$DEST"
echo "setup: MediaMTX $VERSION built in $(($(date +%s) - start)) s → $DEST"
