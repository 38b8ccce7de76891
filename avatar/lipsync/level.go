package lipsync

import (
	"math"
	"time"
)

// RMS returns the root mean square of 16-bit PCM samples as a fraction of
// full scale (0..1). Give it one 20 ms frame at a time; it allocates nothing
// so the player may call it from its audio callback.
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		f := float64(s) / 32768
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// Loudness maps an RMS level (fraction of full scale) to how wide speech
// opens the mouth, 0..1, on a decibel scale: quiet breaths and room noise
// below -45 dBFS keep it shut, ordinary speech at -20 dBFS opens it most of
// the way. A log scale matches how loud the voice seems, so the mouth moves
// as much for a soft syllable as a listener expects.
func Loudness(rms float64) float64 {
	const floor, ceil = -45.0, -14.0
	if rms <= 0 {
		return 0
	}
	db := 20 * math.Log10(rms)
	return clamp01((db - floor) / (ceil - floor))
}

// Follow moves a smoothed level toward x over dt: quickly when x is above
// it (attack), slowly when below (release), as a one-pole filter with the
// time constant of each. It is the envelope follower behind the mouth, so
// that a syllable snaps it open and it relaxes between syllables without
// flickering frame to frame.
func Follow(prev, x float64, dt, attack, release time.Duration) float64 {
	if dt <= 0 {
		return prev
	}
	tau := release
	if x > prev {
		tau = attack
	}
	if tau <= 0 {
		return x
	}
	k := 1 - math.Exp(-float64(dt)/float64(tau))
	return prev + (x-prev)*k
}

func clamp01(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
