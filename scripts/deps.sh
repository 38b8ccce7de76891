#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the kiosk needs, only those missing.
#   scripts/deps.sh build   - compile and run the kiosk
#   scripts/deps.sh test    - also what the tests need (Xvfb, PulseAudio, espeak-ng, ...)
set -euo pipefail

build_pkgs=(gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev portaudio19-dev libportaudio2 libgl1 libx11-6
	libasound2 espeak-ng ca-certificates)
test_pkgs=(xvfb imagemagick fonts-droid-fallback libespeak-ng-dev sox pulseaudio
	pulseaudio-utils libasound2-plugins xdotool x11-xserver-utils tesseract-ocr tesseract-ocr-chi-sim procps)

want=("${build_pkgs[@]}")
if [[ "${1:-build}" == test ]]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} > 0)); then
	sudo=()
	if [[ $(id -u) != 0 ]]; then
		sudo=(sudo)
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
	echo "Go is not installed: install Go 1.26 or newer and run again" >&2
	exit 1
fi
