#!/usr/bin/env bash
# Renders Packet Flow in a private X server and saves a screenshot of the
# window (README and AppStream screenshots come from here).
#   tools/screenshot.sh OUT.png [packetflow arguments...]
#   tools/screenshot.sh shot.png web --step=3      # the web scenario at step 3
# Environment: SCHEME=dark for the dark style, SCALE=2 for projector scale
# (GDK_SCALE), DELAY=seconds to wait before the shot (default 4).
# Needs Xvfb (xvfb) and import (imagemagick); run ./run once to build.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
out=$(readlink -f "$1"); shift

for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

display=:$((90 + RANDOM % 100))
scale=${SCALE:-1}
# The window opens at its default size, 1100×720, at the top left corner.
width=$((1100 * scale)); height=$((720 * scale))
Xvfb "$display" -screen 0 "$((width + 64))x$((height + 64))x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1

DISPLAY=$display GDK_SCALE=$scale GSK_RENDERER=cairo GSETTINGS_BACKEND=memory \
  ADW_DEBUG_COLOR_SCHEME=prefer-${SCHEME:-light} \
  GSETTINGS_SCHEMA_DIR="$PWD/build/data" \
  PACKETFLOW_NETNS_HELPER="$PWD/build/helper/packetflow-netns-helper" \
  build/app/packetflow "$@" &
app=$!
sleep "${DELAY:-4}"
DISPLAY=$display import -window root -crop "${width}x${height}+0+0" +repage "$out"
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
echo "screenshot: wrote $out"
