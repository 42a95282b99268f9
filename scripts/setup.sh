#!/usr/bin/env bash
# Installs everything Lookout needs on a fresh Debian 12 machine, then returns quickly on later runs:
# - Debian packages: FFmpeg (the stream worker), GStreamer's RTSP server with Python bindings (the
#   synthetic demo/test cameras), mosquitto (MQTT tests), chromium (browser tests), srt-tools,
#   python3-venv and libturbojpeg0 (the Home Assistant tests: the venv, HA camera image scaling).
# - npm packages from package-lock.json (again whenever the lock file changes).
# - the real MediaMTX, built once from the Go module proxy (scripts/build-mediamtx.sh), cached outside
#   the clone. A failed build is reported and setup goes on: Lookout runs without MediaMTX (no WebRTC,
#   restream or SRT), and the tests that need it fail saying why.
# - with --ha-tests (scripts/test.sh passes it): the Python virtualenv of the Home Assistant
#   integration tests (scripts/setup-ha.sh; outside the clone, reused while the pins are unchanged).
#   scripts/start.sh does not need it, so running the product never waits for it.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  ffmpeg
  gir1.2-gst-rtsp-server-1.0 python3-gi python3-gi-cairo python3-gst-1.0
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  mosquitto chromium srt-tools procps python3-venv libturbojpeg0
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/build-mediamtx.sh || echo "setup: MediaMTX build failed (see above); Lookout will run without WebRTC, RTSP restream and SRT" >&2

if [ "${1:-}" = "--ha-tests" ]; then
  bash scripts/setup-ha.sh >/dev/null
fi
