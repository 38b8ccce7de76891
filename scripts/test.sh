#!/usr/bin/env bash
# Runs the whole test suite against the real parts: a real X server (Xvfb) for
# the window test and a PulseAudio virtual microphone and speaker for the
# audio path. Starts what is not already running and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/xiaofu}
export LANG=zh_CN.UTF-8
export XIAOFU_BIN=$PWD/$bin

started=()
cleanup() {
	for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

if [[ -z "${DISPLAY:-}" ]]; then
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	Xvfb -displayfd 5 -screen 0 1920x1920x24 -nolisten tcp 5>"$fifo" &
	started+=($!)
	read -r num <"$fifo"
	rm -f "$fifo"
	export DISPLAY=":$num"
	echo "started Xvfb on $DISPLAY"
fi

if [[ -x scripts/audio/start.sh ]]; then
	# The audio script prints the environment the tests need (PULSE_SERVER ...).
	if env_lines=$(scripts/audio/start.sh); then
		eval "$env_lines"
		export XIAOFU_AUDIO_E2E=1
	else
		echo "warning: the PulseAudio virtual microphone did not start; audio end-to-end tests will skip" >&2
	fi
fi

go test -tags "${TAGS:-sqlite_fts5,no_emoji}" -timeout 40m -count=1 ./... 2>&1 | tee /tmp/xiaofu-test.log
exit "${PIPESTATUS[0]}"
