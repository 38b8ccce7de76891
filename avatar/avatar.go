package avatar

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"xiaofu/avatar/lipsync"
)

// manualEpoch is where a Manual avatar's clock starts: a fixed instant, so
// still images come out the same every time.
var manualEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Timing of the animation.
const (
	transition   = 400 * time.Millisecond // blend from one state's pose to the next
	levelTimeout = 150 * time.Millisecond // no level for this long means the audio stopped
	levelAttack  = 25 * time.Millisecond
	levelRelease = 90 * time.Millisecond
	stopRelease  = 45 * time.Millisecond // closing after the audio stopped is brisker
	shapeSmooth  = 45 * time.Millisecond // how fast the mouth's shape weights follow the syllables
	lipEngage    = 60 * time.Millisecond
	lipDisengage = 160 * time.Millisecond
	maxFrameStep = 100 * time.Millisecond
)

// Options configures an Avatar. The zero value is the kiosk's: real time,
// random blinks, its own 30 fps animator, the usual greetings.
type Options struct {
	// Now is the clock; tests inject a fake one.
	Now func() time.Time
	// Rand drives blink and glance timing; tests seed it.
	Rand *rand.Rand
	// FPS is the frame rate of the animator (default 30).
	FPS int
	// Manual turns the animator off: the caller draws frames with Advance.
	// For tests and for rendering still images.
	Manual bool
	// Hello and Bye are the speech-bubble texts of the attract and goodbye
	// states (default 您好！ and 再见！).
	Hello, Bye string
}

// Avatar is 小服, the hall's animated cartoon character, as a Fyne widget.
// Its methods may be called from any goroutine: they only record what is
// wanted, and the animator hands each new frame to Fyne with fyne.Do,
// skipping frames (never queueing them) when the machine is slow, and
// drawing nothing while nothing moves.
type Avatar struct {
	widget.BaseWidget

	opts  Options
	texts [3]string

	mu         sync.Mutex
	state      State
	since      time.Time // when state was entered
	from       Pose      // the pose when state was entered, blended away from
	pose       Pose      // the last pose, before blinks and lip-sync
	lastFrame  time.Time
	born       time.Time
	shown      []prim // the last scene handed to the renderer
	size       fyne.Size
	blink      blinker
	gaze       gazer
	mouth      mouthState
	mic        float64
	micAt      time.Time
	skipped    uint64
	frames     uint64
	renderer   *renderer
	pending    atomic.Bool
	manualNow  atomic.Int64 // the clock of a Manual avatar without Options.Now
	breathT    float64      // the breathing clock as last drawn
	breathAt   time.Time
	drawnAt    time.Time // when the last frame was handed to the renderer
	sprites    spriteCache
	stopAnimFn func()
}

var _ fyne.Widget = (*Avatar)(nil)

// New returns the avatar in the attract state, ready to be placed in a
// window; it starts animating when first shown.
func New() *Avatar { return NewWithOptions(Options{}) }

// NewWithOptions returns an avatar configured by o.
func NewWithOptions(o Options) *Avatar {
	a := &Avatar{}
	if o.Now == nil && o.Manual {
		a.manualNow.Store(manualEpoch.UnixNano())
		o.Now = func() time.Time { return time.Unix(0, a.manualNow.Load()) }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if o.FPS <= 0 {
		o.FPS = 30
	}
	if o.Hello == "" {
		o.Hello = "您好！"
	}
	if o.Bye == "" {
		o.Bye = "再见！"
	}
	now := o.Now()
	a.opts, a.texts = o, [3]string{"小服", o.Hello, o.Bye}
	a.since, a.born, a.lastFrame = now, now, now
	a.pose = statePose(Attract, 0, 0, 0)
	a.from = a.pose
	a.blink.schedule(now, o.Rand)
	a.gaze.schedule(now, o.Rand)
	a.ExtendBaseWidget(a)
	return a
}

// SetState moves the character to state s with a smooth transition from
// wherever it is now (even mid-transition). Setting the current state
// again does nothing.
func (a *Avatar) SetState(s State) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s == a.state {
		return
	}
	a.from = a.pose
	a.state = s
	a.since = a.opts.Now()
}

// State returns the state last set.
func (a *Avatar) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// FeedLevel gives the avatar the level of the audio being played: the RMS
// of one 20 ms frame as a fraction of full scale (lipsync.RMS), stamped
// with when it is heard. The mouth opens with the level, smoothed with a
// fast attack and slower release; when levels stop arriving for 150 ms the
// mouth closes on its own, whatever happened to the audio stream.
func (a *Avatar) FeedLevel(level float64, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mouth.feed(lipsync.Loudness(level), at)
}

// LevelTap returns a function for the audio player to call with each 20 ms
// frame's RMS level (see FeedLevel); it stamps levels with the avatar's
// clock. It never blocks for long and allocates nothing.
func (a *Avatar) LevelTap() func(float64) {
	return func(level float64) { a.FeedLevel(level, a.opts.Now()) }
}

// FeedMic gives the avatar the microphone's RMS level while it listens;
// the rings at its ear follow it.
func (a *Avatar) FeedMic(level float64, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	loud := lipsync.Loudness(level)
	dt := at.Sub(a.micAt)
	if a.micAt.IsZero() || dt > maxFrameStep {
		dt = 20 * time.Millisecond
	}
	a.mic = lipsync.Follow(a.mic, loud, dt, levelAttack, levelRelease*2)
	a.micAt = at
}

// Speak tells the avatar the text of the audio that starts playing now and
// how long it lasts, so that the mouth takes the shape of each syllable
// (from its pinyin final) in time with the audio. With a level tap the
// level still decides how far the mouth opens; without one the syllables'
// own rhythm does. A new call replaces the previous text.
func (a *Avatar) Speak(text string, d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mouth.speak(lipsync.Plan(text, d), a.opts.Now())
}

// Stop closes the mouth at once: the audio was cancelled or interrupted.
func (a *Avatar) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mouth.stop()
}

// Mouth reports the mouth as last drawn: its shape and how far it is open
// (0..1). The shape is Closed when the opening is negligible.
func (a *Avatar) Mouth() (lipsync.Shape, float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mouth.shown, a.mouth.shownOpen
}

// Stats reports frames drawn and frames skipped because the previous one
// had not been painted yet.
func (a *Avatar) Stats() (drawn, skipped uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.frames, a.skipped
}

// Advance computes the frame for time now and draws it on the calling
// goroutine. The animator does this by itself; call it only with
// Options.Manual, from the Fyne thread (tests, still images). A Manual
// avatar without its own clock takes now as the time of day, so the
// methods called after Advance are stamped with it.
func (a *Avatar) Advance(now time.Time) {
	if a.opts.Manual {
		a.manualNow.Store(now.UnixNano())
	}
	scene, changed := a.frame(now)
	if changed {
		a.apply(scene, a.sprites.compose(scene, a.texts))
	}
}

// frame computes the scene for now and reports whether it differs from
// the last one handed to the renderer.
func (a *Avatar) frame(now time.Time) ([]prim, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	dt := now.Sub(a.lastFrame)
	if dt < 0 {
		dt = 0
	}
	if dt > maxFrameStep {
		dt = maxFrameStep
	}
	a.lastFrame = now

	t := now.Sub(a.since).Seconds()
	T := now.Sub(a.born).Seconds()
	mic := a.mic
	if now.Sub(a.micAt) > levelTimeout {
		a.mic = lipsync.Follow(a.mic, 0, dt, levelAttack, levelRelease)
		mic = a.mic
	}
	switch a.state {
	case Attract, Goodbye, Happy:
		// Waving and bouncing step 16 times a second, in cycles of whole
		// steps: each arm picture is rendered once and then reused.
		t, T = math.Floor(t*16)/16, math.Floor(T*16)/16
	default:
		// Slow motions (breath, gestures) step at 10 Hz: each drawn frame
		// costs a full repaint, so they must not add frames of their own
		// between the lip-sync's.
		t, T = math.Floor(t*10)/10, math.Floor(T*10)/10
	}
	target := statePose(a.state, t, T, mic)
	k := EaseInOut(float64(now.Sub(a.since)) / float64(transition))
	p := Blend(a.from, target, k)
	a.pose = p

	// Overlays that run in every state: gaze, blinks, lip-sync.
	if a.state == Idle || a.state == Attract {
		// Glances only while nobody is talking: speaking and listening
		// face the visitor.
		g := a.gaze.at(now, a.opts.Rand)
		w := 1.0
		if a.state == Attract {
			w *= 1 - p.Hello
		}
		p.LookX += g.X * w
		p.LookY += g.Y * w
	}
	p.EyeOpen *= 1 - a.blink.at(now, a.opts.Rand)
	p = a.mouth.apply(p, now, dt)

	w, h := a.size.Width, a.size.Height
	if w <= 0 || h <= 0 {
		return nil, false
	}
	scene := buildScene(p, w, h)
	calm := now.Sub(a.since) >= transition
	if (a.mouth.act > 0 || calm) && a.shown != nil && now.Sub(a.drawnAt) < twosGap {
		// Once a transition is over, everything is drawn "on twos", as
		// cartoons are: at most every other tick, which halves the
		// repaints. Transitions keep every tick.
		return scene, false
	}
	changed := a.decide(scene, p, t, T, mic, k, now, w, h)
	if changed {
		a.drawnAt = now
	}
	return scene, changed
}

// decide reports whether scene must be drawn now.
func (a *Avatar) decide(scene []prim, p Pose, t, T, mic, k float64, now time.Time, w, h float32) bool {
	if !slowBreath(a.state) || a.shown == nil {
		return !sameScene(scene, a.shown)
	}
	// Breathing waits for a frame that is drawn anyway (a blink, a
	// glance, the mouth), for up to breathWait, so that it adds few
	// repaints of its own.
	held := p
	held.BodyY = lerp(a.from.BodyY, statePose(a.state, t, a.breathT, mic).BodyY, k)
	heldScene := buildScene(held, w, h)
	switch {
	case !sameScene(heldScene, a.shown):
		// Something else moved: draw, and let the breath catch up.
	case sameScene(scene, a.shown):
		a.breathT = T
		return false
	case now.Sub(a.breathAt) < breathWait:
		return false
	}
	a.breathT, a.breathAt = T, now
	return true
}

// twosGap is the least time between frames drawn on twos.
const twosGap = 60 * time.Millisecond

// breathWait is how long a breathing step may wait for another change.
const breathWait = 1500 * time.Millisecond

// slowBreath reports whether breathing may wait in state s: in the calm
// states, not while waving or celebrating.
func slowBreath(s State) bool { return s != Attract && s != Happy && s != Goodbye }

func sameScene(a, b []prim) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// apply hands a frame to the renderer; it runs on the Fyne thread.
func (a *Avatar) apply(scene []prim, f frameOut) {
	a.mu.Lock()
	r := a.renderer
	a.shown = scene
	a.frames++
	a.mu.Unlock()
	if r != nil {
		r.draw(f, a.texts)
	}
}

// animate runs the frame loop until stop is closed: a ticker at the frame
// rate (which drops ticks rather than queueing them), a pure computation of
// the scene, and a hand-off to Fyne only when the picture changed and the
// previous frame has been painted.
func (a *Avatar) animate(stop <-chan struct{}) {
	tick := time.NewTicker(time.Second / time.Duration(a.opts.FPS))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		scene, changed := a.frame(a.opts.Now())
		if !changed {
			continue
		}
		if !a.pending.CompareAndSwap(false, true) {
			a.mu.Lock()
			a.skipped++
			a.mu.Unlock()
			continue
		}
		// Sprites are rendered here, off the Fyne thread and outside the
		// lock, so neither the UI nor the audio tap waits for them.
		f := a.sprites.compose(scene, a.texts)
		fyne.Do(func() {
			a.pending.Store(false)
			a.apply(scene, f)
		})
	}
}

// startAnimator starts the frame loop once; the renderer's Destroy stops it.
func (a *Avatar) startAnimator() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.opts.Manual || a.stopAnimFn != nil {
		return
	}
	stop := make(chan struct{})
	var once sync.Once
	a.stopAnimFn = func() { once.Do(func() { close(stop) }) }
	go a.animate(stop)
}

// Close stops the animator; the widget stays on screen, frozen.
func (a *Avatar) Close() {
	a.mu.Lock()
	stop := a.stopAnimFn
	a.stopAnimFn = nil
	a.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// MinSize is half the kiosk's slot for the character; it scales to any
// size it is given and keeps its proportions.
func (a *Avatar) MinSize() fyne.Size {
	a.ExtendBaseWidget(a)
	return fyne.NewSize(designW/2, designH/2)
}

// CreateRenderer implements fyne.Widget.
func (a *Avatar) CreateRenderer() fyne.WidgetRenderer {
	r := &renderer{av: a}
	a.mu.Lock()
	a.renderer = r
	a.shown = nil
	a.mu.Unlock()
	a.startAnimator()
	return r
}

func (a *Avatar) resized(s fyne.Size) {
	a.mu.Lock()
	a.size = s
	a.shown = nil
	a.mu.Unlock()
	scene, _ := a.frame(a.opts.Now())
	if scene != nil {
		a.apply(scene, a.sprites.compose(scene, a.texts))
	}
}
