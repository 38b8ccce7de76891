#!/usr/bin/env bash
# Opens the kiosk. Without a display it says so instead of letting GLFW crash.
set -euo pipefail
bin=$1; shift
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
	echo "no display: run this on the kiosk's desktop, or start one with" >&2
	echo "  Xvfb :9 -screen 0 1080x1920x24 & DISPLAY=:9 $bin" >&2
	exit 1
fi
exec "$bin" "$@"
