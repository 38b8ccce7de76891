#!/usr/bin/env bash
# Stops the PulseAudio server that start.sh started (and only that one: it is
# addressed through its own socket). Safe to run when nothing is running.
set -euo pipefail
runtime=${XIAOFU_PULSE_DIR:-/tmp/xiaofu-pulse}
export XDG_RUNTIME_DIR=$runtime
export PULSE_RUNTIME_PATH=$runtime/pulse
export PULSE_SERVER=unix:$runtime/pulse/native
export PULSE_COOKIE=$runtime/pulse/cookie
if pactl info >/dev/null 2>&1; then
	pulseaudio --kill 2>/dev/null || pactl exit 2>/dev/null || true
fi
