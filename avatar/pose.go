package avatar

import (
	"math"
)

// Pose is every moving part of the character at one instant, in design
// units of the 600x700 drawing box. Poses blend linearly, which is how one
// state flows into the next without a jump.
type Pose struct {
	BodyY        float64 // the whole figure's vertical offset (breath, bounce)
	HeadX, HeadY float64 // head offset from its seat on the body
	Tilt         float64 // head tilt in degrees, clockwise positive
	LookX, LookY float64 // gaze, -1..1: the face shifts a little to suggest turning

	EyeOpen  float64 // 1 open, 0 shut (blinks multiply it)
	EyeHappy float64 // 0..1 fades the eyes into smiling arcs
	BrowY    float64 // brows raised by this much
	BrowTilt float64 // degrees; positive lifts the inner ends (worried)

	Smile     float64 // closed-mouth curve, -1 frown .. 1 broad smile
	MouthOpen float64 // 0 closed .. 1 wide open
	// Shape weights of the open mouth; they sum to 1.
	MouthA, MouthO, MouthI float64
	MouthX                 float64 // sideways shift of the mouth ("hmm")
	Blush                  float64 // cheek colour, 0..1

	LHand, RHand point // hand positions (they rise and fall with BodyY); elbows are solved from them
	// Where each elbow prefers to be, relative to its shoulder: of the two
	// ways an arm can bend to reach a hand, the one nearer this is drawn.
	LElbow, RElbow point

	Think      float64 // thought bubble, 0..1
	ThinkPhase float64 // drives the bubble's dots
	Sparkle    float64 // sparkles around the head, 0..1
	Sweat      float64 // sweat drop, 0..1
	Rings      float64 // listening rings at the ear, 0..1
	RingLevel  float64 // microphone level the rings show, 0..1
	Hello      float64 // "hello" speech bubble, 0..1
	Bye        float64 // "goodbye" speech bubble, 0..1
	WaveMarks  float64 // motion marks beside a waving hand, 0..1
	Phase      float64 // a free-running clock (seconds) for twinkles
}

// Blend returns the pose a fraction k (0..1) of the way from a to b.
func Blend(a, b Pose, k float64) Pose {
	k = clamp01(k)
	l := func(x, y float64) float64 { return lerp(x, y, k) }
	return Pose{
		BodyY: l(a.BodyY, b.BodyY), HeadX: l(a.HeadX, b.HeadX), HeadY: l(a.HeadY, b.HeadY),
		Tilt: l(a.Tilt, b.Tilt), LookX: l(a.LookX, b.LookX), LookY: l(a.LookY, b.LookY),
		EyeOpen: l(a.EyeOpen, b.EyeOpen), EyeHappy: l(a.EyeHappy, b.EyeHappy),
		BrowY: l(a.BrowY, b.BrowY), BrowTilt: l(a.BrowTilt, b.BrowTilt),
		Smile: l(a.Smile, b.Smile), MouthOpen: l(a.MouthOpen, b.MouthOpen),
		MouthA: l(a.MouthA, b.MouthA), MouthO: l(a.MouthO, b.MouthO), MouthI: l(a.MouthI, b.MouthI),
		MouthX: l(a.MouthX, b.MouthX), Blush: l(a.Blush, b.Blush),
		LHand: lerpPoint(a.LHand, b.LHand, k), RHand: lerpPoint(a.RHand, b.RHand, k),
		LElbow: lerpPoint(a.LElbow, b.LElbow, k), RElbow: lerpPoint(a.RElbow, b.RElbow, k),
		Think: l(a.Think, b.Think), ThinkPhase: b.ThinkPhase, Sparkle: l(a.Sparkle, b.Sparkle),
		Sweat: l(a.Sweat, b.Sweat), Rings: l(a.Rings, b.Rings), RingLevel: l(a.RingLevel, b.RingLevel),
		Hello: l(a.Hello, b.Hello), Bye: l(a.Bye, b.Bye), WaveMarks: l(a.WaveMarks, b.WaveMarks),
		Phase: b.Phase,
	}
}

// Where the arms hang from and how long they are, in design units.
var (
	shoulderL = point{190, 452}
	shoulderR = point{410, 452}
	restL     = point{176, 628}
	restR     = point{424, 628}
)

const (
	upperArm = 94.0
	foreArm  = 88.0
)

// rest is the neutral pose every state starts from.
func rest() Pose {
	return Pose{EyeOpen: 1, Smile: 0.55, MouthA: 1, Blush: 0.5, LHand: restL, RHand: restR,
		LElbow: point{-70, 60}, RElbow: point{70, 60}}
}

// breath is the idle rise and fall of head and arms, about 15 breaths a
// minute. It is small: each pixel it moves costs a repaint of the window.
func breath(T float64) float64 { return 0.8 * math.Sin(2*math.Pi*T/4.2) }

// waveHand is where a waving right hand is at time t: high beside the
// head, wagging side to side about twice a second.
func waveHand(t float64) point {
	w := math.Sin(2 * math.Pi * 2 * t)
	return point{508 + 26*w, 318 + 8*math.Abs(w)}
}

// Attract cycle: wave and say hello for a while, then rest, so the motion
// catches the eye without being tiresome.
const (
	attractCycle = 7.0
	attractWave  = 2.8
)

// statePose returns the pose a state holds at time t seconds after it was
// entered (T is a free-running clock for breathing; mic the listening
// level 0..1). It is pure: the same inputs give the same pose.
func statePose(s State, t, T, mic float64) Pose {
	p := rest()
	p.Phase = T
	p.BodyY = breath(T)
	switch s {
	case Attract:
		c := math.Mod(t, attractCycle)
		w := window(c, 0.5, 0.5+attractWave, 0.45)
		wave := p
		wave.RHand = waveHand(t)
		wave.Hello = 1
		wave.WaveMarks = 1
		wave.Smile = 0.9
		wave.MouthOpen = 0.45
		wave.BrowY = 5
		wave.Blush = 0.8
		wave.BodyY -= 5 * math.Abs(math.Sin(math.Pi*1.6*t))
		wave.Tilt = -4
		p = Blend(p, wave, w)
	case Idle:
		// Gaze and blinks are added by the animator; the pose itself rests.
	case Listening:
		p.Tilt = 6
		p.HeadY = 2
		p.BrowY = 5
		p.Smile = 0.45
		p.RHand = point{458, 292}
		p.Rings = 1
		p.RingLevel = math.Round(mic*5) / 5 // five steps: a repaint only when a bar grows or shrinks
	case Thinking:
		p.LookX, p.LookY = 0.55, -0.9
		p.Tilt = -6
		p.BrowY = 4
		p.BrowTilt = -6
		p.Smile = 0.1
		p.MouthOpen = 0.22
		p.MouthA, p.MouthO = 0, 1
		p.MouthX = 10
		p.LHand = point{274, 404}
		p.LElbow = point{10, 120}
		p.Think = 1
		p.ThinkPhase = t
	case Speaking:
		p.Tilt = 2
		p.BrowY = 2
		// An open hand raised to explain. It holds still: while speaking,
		// every frame goes to the mouth.
		p.LHand = point{150, 500}
		p.LElbow = point{-20, 120}
		p.Smile = 0.5
	case Happy:
		b := math.Abs(math.Sin(math.Pi * 1.6 * t)) // 0.625 s: ten steps of 1/16 s
		p.BodyY = -9 * b
		p.EyeHappy = 1
		p.Smile = 1
		p.MouthOpen = 0.85
		p.Blush = 1
		p.BrowY = 6
		p.LHand = point{108, 300 - 10*b}
		p.RHand = point{492, 300 - 10*b}
		p.Sparkle = 1
	case Sorry:
		p.Tilt = 7
		p.HeadY = 5
		p.LookY = 0.35
		p.EyeOpen = 0.85
		p.BrowTilt = 16
		p.BrowY = 2
		p.Smile = -0.6
		p.Blush = 0.3
		p.LHand = point{287, 590}
		p.RHand = point{313, 590}
		p.Sweat = 1
	case Goodbye:
		p.RHand = waveHand(t)
		p.WaveMarks = 1
		p.Bye = 1
		p.EyeHappy = 1
		p.Smile = 0.9
		p.MouthOpen = 0.4
		p.Blush = 0.8
		p.HeadY = 4
		p.Tilt = -5
	}
	return p
}
