#!/usr/bin/env bash
# Renders Packet Flow in a private X server and saves a screenshot of the
# window (README and AppStream screenshots come from here).
#   tools/screenshot.sh OUT.png [packetflow arguments...]
#   tools/screenshot.sh shot.png web --step=3      # the web scenario at step 3
#   WIDTH=1920 HEIGHT=1080 tools/screenshot.sh wide.png web --step=3
#   ZOOM=1.5625 tools/screenshot.sh zoomed.png web # two Ctrl+plus
# Environment: SCHEME=dark for the dark style, SCALE=2 for projector scale
# (GDK_SCALE), DELAY=seconds to wait before the shot (default 4),
# WIDTH and HEIGHT for the window's size in logical pixels (default
# 1100×720, the window's default), ZOOM for the view zoom (0.5 to 3.0;
# each Ctrl+plus multiplies it by 1.25). The settings come from a key
# file of a scratch directory, so the shot never reads or changes yours.
# Needs Xvfb (xvfb) and import (imagemagick); run ./run once to build.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
out=$(readlink -f "$1"); shift

for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

display=:$((90 + RANDOM % 100))
scale=${SCALE:-1}
# The window opens at its saved size, at the top left corner.
logical_width=${WIDTH:-1100}; logical_height=${HEIGHT:-720}
width=$((logical_width * scale)); height=$((logical_height * scale))
config=$(mktemp -d)
mkdir -p "$config/glib-2.0/settings"
{
  echo "[io/github/packetflow/PacketFlow]"
  echo "window-width=$logical_width"
  echo "window-height=$logical_height"
  if [ -n "${ZOOM:-}" ]; then echo "zoom=$ZOOM"; fi
} > "$config/glib-2.0/settings/keyfile"
Xvfb "$display" -screen 0 "$((width + 64))x$((height + 64))x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$config"' EXIT
sleep 1

DISPLAY=$display GDK_SCALE=$scale GSK_RENDERER=cairo \
  GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME="$config" \
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
