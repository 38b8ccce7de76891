#!/usr/bin/env bash
# Prints the environment that points PulseAudio clients (and PortAudio through
# ALSA's pulse plugin) at the server start.sh runs, without starting anything:
#   eval "$(scripts/audio/env.sh)"
runtime=${XIAOFU_PULSE_DIR:-/tmp/xiaofu-pulse}
echo "export XDG_RUNTIME_DIR=$runtime"
echo "export PULSE_RUNTIME_PATH=$runtime/pulse"
echo "export PULSE_SERVER=unix:$runtime/pulse/native"
echo "export PULSE_COOKIE=$runtime/pulse/cookie"
