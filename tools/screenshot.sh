#!/usr/bin/env bash
# Renders Packet Flow in a private X server and saves a screenshot.
#   tools/screenshot.sh OUT.png [packetflow arguments...]
# Environment: SCHEME=dark for the dark style, SCALE=2 for projector scale,
# SIZE=WxH for the screen (default 1280x800), DELAY=seconds to wait.
# Needs Xvfb (xvfb) and import (imagemagick); run ./run once to build.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
out=$(readlink -f "$1"); shift

for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 "${SIZE:-1280x800}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1

DISPLAY=$display GDK_SCALE=${SCALE:-1} GSK_RENDERER=cairo GSETTINGS_BACKEND=memory \
  ADW_DEBUG_COLOR_SCHEME=prefer-${SCHEME:-light} \
  GSETTINGS_SCHEMA_DIR="$PWD/build/data" \
  PACKETFLOW_NETNS_HELPER="$PWD/build/helper/packetflow-netns-helper" \
  build/app/packetflow "$@" &
app=$!
sleep "${DELAY:-3}"
DISPLAY=$display import -window root "$out"
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
echo "screenshot: wrote $out"
