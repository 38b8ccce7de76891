package avatar

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestEasing(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64) float64
		in   float64
		want float64
	}{
		{"in-out starts at rest", EaseInOut, 0, 0},
		{"in-out ends at target", EaseInOut, 1, 1},
		{"in-out halfway", EaseInOut, 0.5, 0.5},
		{"in-out is slow at first", EaseInOut, 0.1, 0.004},
		{"in-out clamps below", EaseInOut, -1, 0},
		{"in-out clamps above", EaseInOut, 2, 1},
		{"out is fast at first", EaseOut, 0.1, 0.271},
		{"out ends at target", EaseOut, 1, 1},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); math.Abs(got-tt.want) > 0.001 {
			t.Errorf("%s: f(%v) = %.4f, want %.4f", tt.name, tt.in, got, tt.want)
		}
	}
	// Monotonic: a transition never goes back on itself.
	prev := 0.0
	for k := 0.0; k <= 1; k += 0.01 {
		if v := EaseInOut(k); v < prev {
			t.Fatalf("EaseInOut not monotonic at %v", k)
		} else {
			prev = v
		}
	}
}

func TestBlinkClosure(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		at       time.Duration
		double   bool
		min, max float64
	}{
		{"before", -10 * ms, false, 0, 0},
		{"start", 0, false, 0, 0},
		{"closing", 30 * ms, false, 0.3, 0.7},
		{"shut", 75 * ms, false, 1, 1},
		{"opening", 140 * ms, false, 0.2, 0.8},
		{"open again", 200 * ms, false, 0, 0},
		{"a single blink stays open", 300 * ms, false, 0, 0},
		{"a double blink shuts again", 260*ms + 75*ms, true, 1, 1},
		{"double blink over", 600 * ms, true, 0, 0},
	}
	for _, tt := range tests {
		if got := BlinkClosure(tt.at, tt.double); got < tt.min || got > tt.max {
			t.Errorf("%s: BlinkClosure(%v) = %.2f, want %v..%v", tt.name, tt.at, got, tt.min, tt.max)
		}
	}
}

// Blinks come at irregular natural intervals: never closer than the
// minimum, never longer than the cap, a few seconds on average, varied,
// and sometimes double.
func TestNextBlinkIntervals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sum, sq float64
	doubles := 0
	const n = 2000
	for i := 0; i < n; i++ {
		w, d := NextBlink(r)
		if w < blinkMinGap || w > blinkMaxGap {
			t.Fatalf("interval %v outside %v..%v", w, blinkMinGap, blinkMaxGap)
		}
		s := w.Seconds()
		sum += s
		sq += s * s
		if d {
			doubles++
		}
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if mean < 3 || mean > 5 {
		t.Errorf("mean interval %.2f s, want about 4 s", mean)
	}
	if sd < 1 {
		t.Errorf("intervals too regular: sd %.2f s", sd)
	}
	if doubles < n/20 || doubles > n/4 {
		t.Errorf("%d double blinks in %d, want about 15%%", doubles, n)
	}
}

func TestElbowSolvesTheArm(t *testing.T) {
	tests := []struct {
		name     string
		sh, hand point
		reach    bool
	}{
		{"hanging", shoulderL, restL, true},
		{"at the chin", shoulderL, point{274, 404}, true},
		{"waving high", shoulderR, point{508, 318}, true},
		{"out of reach is pulled in", shoulderL, point{190, 900}, false},
		{"at the shoulder", shoulderL, shoulderL, false},
	}
	for _, tt := range tests {
		sh := tt.sh
		for _, bend := range []float64{-1, 1} {
			el, h := elbow(sh, tt.hand, upperArm, foreArm, bend)
			if d := math.Hypot(el.X-sh.X, el.Y-sh.Y); math.Abs(d-upperArm) > 0.01 {
				t.Errorf("%s: upper arm %.2f long, want %v", tt.name, d, upperArm)
			}
			if d := math.Hypot(h.X-el.X, h.Y-el.Y); math.Abs(d-foreArm) > 0.01 {
				t.Errorf("%s: forearm %.2f long, want %v", tt.name, d, foreArm)
			}
			if tt.reach && math.Hypot(h.X-tt.hand.X, h.Y-tt.hand.Y) > 0.01 {
				t.Errorf("%s: hand at %v, want %v", tt.name, h, tt.hand)
			}
		}
	}
}

func TestBlend(t *testing.T) {
	a, b := statePose(Idle, 0, 0, 0), statePose(Happy, 0.3, 0, 0)
	if got := Blend(a, b, 0); got != a {
		t.Errorf("Blend at 0 is not the start pose")
	}
	if got := Blend(a, b, 1); got.RHand != b.RHand || got.EyeHappy != b.EyeHappy || got.Sparkle != b.Sparkle {
		t.Errorf("Blend at 1 is not the end pose")
	}
	mid := Blend(a, b, 0.5)
	if mid.EyeHappy != 0.5 || mid.RHand.Y != (a.RHand.Y+b.RHand.Y)/2 {
		t.Errorf("Blend at 0.5 = %+v, want halfway", mid)
	}
}

// Each state must be told apart from across the hall: check the one
// feature that says which state it is.
func TestStatePosesAreRecognisable(t *testing.T) {
	idle := statePose(Idle, 1, 1, 0)
	tests := []struct {
		name string
		ok   func(p Pose) bool
	}{
		{"attract: waving a hand above the shoulder with a hello", func(p Pose) bool {
			p = statePose(Attract, 1.5, 1.5, 0)
			return p.RHand.Y < shoulderR.Y-100 && p.Hello > 0.99
		}},
		{"attract rests between waves", func(p Pose) bool {
			p = statePose(Attract, 5.5, 5.5, 0)
			return p.Hello < 0.01 && p.RHand.Y > shoulderR.Y
		}},
		{"listening: hand at the ear, rings follow the mic", func(p Pose) bool {
			q, l := statePose(Listening, 1, 1, 0.1), statePose(Listening, 1, 1, 0.8)
			return q.RHand.Y < 320 && q.Rings == 1 && l.RingLevel > q.RingLevel
		}},
		{"thinking: looks up, hand at the chin, bubble", func(p Pose) bool {
			p = statePose(Thinking, 1, 1, 0)
			return p.LookY < -0.5 && math.Abs(p.LHand.X-300) < 40 && p.LHand.Y < 420 && p.Think == 1
		}},
		{"happy: both hands up, smiling eyes, sparkles", func(p Pose) bool {
			p = statePose(Happy, 1, 1, 0)
			return p.LHand.Y < 320 && p.RHand.Y < 320 && p.EyeHappy == 1 && p.Sparkle == 1 && p.MouthOpen > 0.5
		}},
		{"sorry: worried brows, frown, sweat", func(p Pose) bool {
			p = statePose(Sorry, 1, 1, 0)
			return p.BrowTilt > 10 && p.Smile < 0 && p.Sweat == 1
		}},
		{"goodbye: waves with a goodbye bubble", func(p Pose) bool {
			p = statePose(Goodbye, 1, 1, 0)
			return p.Bye == 1 && p.RHand.Y < shoulderR.Y-100
		}},
		{"idle: at rest, smiling", func(Pose) bool {
			return idle.Smile > 0.3 && idle.RHand == restR && idle.Hello == 0 && idle.Think == 0
		}},
	}
	for _, tt := range tests {
		if !tt.ok(idle) {
			t.Errorf("%s: not so", tt.name)
		}
	}
}

func TestParseState(t *testing.T) {
	for _, s := range States {
		got, err := ParseState(" " + s.String() + " ")
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseState("dancing"); err == nil {
		t.Errorf("ParseState accepted an unknown state")
	}
}
