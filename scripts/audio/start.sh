#!/usr/bin/env bash
# Starts a PulseAudio server in user mode (works as root) with a virtual
# microphone and a virtual speaker, for the audio end-to-end tests and for
# `xiaofu selftest audio` on a machine with no sound card:
#
#   micsink  null sink, 16 kHz mono: play speech into it (paplay -d micsink x.wav)
#   vmic     remap of micsink.monitor, the default source (what PortAudio records)
#   spk      null sink, the default sink (what PortAudio plays into);
#            record what the kiosk said with: parec -d spk.monitor
#
# Idempotent: when the server is already up it only adds what is missing.
# Prints the environment the tests need on stdout, one `export` per line, so
# callers run:  eval "$(scripts/audio/start.sh)"
# Everything else goes to stderr.
set -euo pipefail

runtime=${XIAOFU_PULSE_DIR:-/tmp/xiaofu-pulse}
mkdir -p "$runtime"
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime
export PULSE_RUNTIME_PATH=$runtime/pulse
export PULSE_SERVER=unix:$runtime/pulse/native
# A root user's home may hold a stale cookie or none; keep it beside the socket.
export PULSE_COOKIE=$runtime/pulse/cookie

for tool in pulseaudio pactl; do
	if ! command -v "$tool" >/dev/null; then
		echo "start.sh: $tool is missing: apt-get install pulseaudio pulseaudio-utils" >&2
		exit 1
	fi
done

if ! pactl info >/dev/null 2>&1; then
	# --system=false: a per-user server even as root (it warns, then runs);
	# --exit-idle-time=-1: a test run may leave it idle between packages.
	pulseaudio -D --exit-idle-time=-1 --system=false --disallow-exit \
		--log-target=file:"$runtime/pulseaudio.log" -n \
		-L module-native-protocol-unix \
		-L module-always-sink \
		2>>"$runtime/pulseaudio.log" || true
	for _ in $(seq 1 50); do
		pactl info >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! pactl info >/dev/null 2>&1; then
		echo "start.sh: PulseAudio did not start; see $runtime/pulseaudio.log" >&2
		tail -n 20 "$runtime/pulseaudio.log" >&2 || true
		exit 1
	fi
fi

have() { pactl list short "$1" 2>/dev/null | awk '{print $2}' | grep -qx "$2"; }

if ! have sinks micsink; then
	pactl load-module module-null-sink sink_name=micsink rate=16000 channels=1 \
		sink_properties=device.description=xiaofu-virtual-mic-in >/dev/null
fi
if ! have sources vmic; then
	pactl load-module module-remap-source master=micsink.monitor source_name=vmic channels=1 \
		source_properties=device.description=xiaofu-virtual-mic >/dev/null
fi
if ! have sinks spk; then
	pactl load-module module-null-sink sink_name=spk \
		sink_properties=device.description=xiaofu-virtual-speaker >/dev/null
fi
pactl set-default-source vmic
pactl set-default-sink spk

# PortAudio talks to ALSA; Debian's /etc/alsa/conf.d/99-pulse.conf routes ALSA's
# default device to Pulse when libasound2-plugins is installed and the server
# is reachable through PULSE_SERVER.
if [[ ! -e /usr/share/alsa/alsa.conf.d/pulse.conf && ! -e /etc/alsa/conf.d/99-pulse.conf ]]; then
	echo "start.sh: warning: the ALSA pulse plugin is missing (apt-get install libasound2-plugins);" >&2
	echo "          PortAudio will not see the virtual devices" >&2
fi

echo "export XDG_RUNTIME_DIR=$runtime"
echo "export PULSE_RUNTIME_PATH=$runtime/pulse"
echo "export PULSE_SERVER=$PULSE_SERVER"
echo "export PULSE_COOKIE=$PULSE_COOKIE"
