package avatar

import (
	"math"
	"math/rand/v2"
	"time"
)

// EaseInOut is a cubic ease for state transitions: it leaves the old pose
// and arrives at the new one gently, with no jump in speed at either end.
func EaseInOut(k float64) float64 {
	k = clamp01(k)
	if k < 0.5 {
		return 4 * k * k * k
	}
	f := -2*k + 2
	return 1 - f*f*f/2
}

// EaseOut decelerates into place (a glance settling on its target).
func EaseOut(k float64) float64 {
	k = clamp01(k)
	f := 1 - k
	return 1 - f*f*f
}

// Blink timing. People blink every few seconds at irregular intervals,
// sometimes twice in a row; a metronome blink looks robotic.
const (
	blinkMinGap   = 1500 * time.Millisecond
	blinkMeanGap  = 2500 * time.Millisecond // mean of the random part beyond the minimum
	blinkMaxGap   = 8 * time.Second
	blinkClose    = 60 * time.Millisecond
	blinkHold     = 30 * time.Millisecond
	blinkOpen     = 100 * time.Millisecond
	blinkDuration = blinkClose + blinkHold + blinkOpen
	doubleBlinkP  = 0.15
	doubleBlinkAt = 260 * time.Millisecond
)

// NextBlink draws the wait until the next blink (a minimum plus an
// exponential tail, capped) and whether it is a double blink.
func NextBlink(r *rand.Rand) (wait time.Duration, double bool) {
	wait = blinkMinGap + time.Duration(r.ExpFloat64()*float64(blinkMeanGap))
	if wait > blinkMaxGap {
		wait = blinkMaxGap
	}
	return wait, r.Float64() < doubleBlinkP
}

// BlinkClosure returns how far the eyelids are shut (0 open, 1 shut) at
// elapsed time since a blink began: a fast close, a short hold, a slower
// open. A double blink repeats it once.
func BlinkClosure(elapsed time.Duration, double bool) float64 {
	if double && elapsed >= doubleBlinkAt {
		elapsed -= doubleBlinkAt
	}
	switch {
	case elapsed < 0 || elapsed >= blinkDuration:
		return 0
	case elapsed < blinkClose:
		return EaseInOut(float64(elapsed) / float64(blinkClose))
	case elapsed < blinkClose+blinkHold:
		return 1
	default:
		return 1 - EaseInOut(float64(elapsed-blinkClose-blinkHold)/float64(blinkOpen))
	}
}

// Glances: where an idle character looks, and for how long.
var glanceTargets = []point{{0, 0}, {0, 0}, {-0.8, 0}, {0.8, 0}, {-0.6, 0.3}, {0.6, 0.3}, {0, -0.4}}

const glanceMove = 160 * time.Millisecond

// nextGlance draws how long to hold the current gaze and where to look
// next (LookX, LookY in -1..1); looking straight ahead is the likeliest.
func nextGlance(r *rand.Rand) (hold time.Duration, target point) {
	hold = 4*time.Second + time.Duration(r.Float64()*float64(5*time.Second))
	return hold, glanceTargets[r.IntN(len(glanceTargets))]
}

// point is a position in design units (the 600x700 drawing box) or a
// gaze direction.
type point struct{ X, Y float64 }

func lerp(a, b, k float64) float64 { return a + (b-a)*k }

func lerpPoint(a, b point, k float64) point { return point{lerp(a.X, b.X, k), lerp(a.Y, b.Y, k)} }

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// smoothstep is 0 below e0, 1 above e1 and an S-curve between: fades cues
// in and out.
func smoothstep(e0, e1, x float64) float64 {
	k := clamp01((x - e0) / (e1 - e0))
	return k * k * (3 - 2*k)
}

// window is 1 inside [start, end] of a cycle and fades in and out over
// fade on either side: it turns the attract state's periodic wave on and
// off without a jump.
func window(t, start, end, fade float64) float64 {
	return smoothstep(start-fade, start, t) * (1 - smoothstep(end, end+fade, t))
}

// elbow solves a two-bone arm: from the shoulder to the hand with upper arm
// and forearm lengths a and b, it returns where the elbow is, bending to the
// side given by bend (+1 or -1). A hand out of reach is pulled in along the
// same line, so any pose blend still yields a whole arm.
func elbow(shoulder, hand point, a, b, bend float64) (elbowAt, handAt point) {
	dx, dy := hand.X-shoulder.X, hand.Y-shoulder.Y
	d := math.Hypot(dx, dy)
	minD, maxD := math.Abs(a-b)+1e-3, a+b-1e-3
	if d < 1e-6 {
		dx, dy, d = 0, 1, 1
		hand = point{shoulder.X, shoulder.Y + minD}
	}
	if d > maxD || d < minD {
		nd := math.Max(minD, math.Min(maxD, d))
		hand = point{shoulder.X + dx/d*nd, shoulder.Y + dy/d*nd}
		d = nd
	}
	// Angle between the shoulder→hand line and the upper arm (law of cosines).
	cosA := (a*a + d*d - b*b) / (2 * a * d)
	alpha := math.Acos(math.Max(-1, math.Min(1, cosA)))
	base := math.Atan2(dy, dx)
	ang := base + bend*alpha
	return point{shoulder.X + a*math.Cos(ang), shoulder.Y + a*math.Sin(ang)}, hand
}
