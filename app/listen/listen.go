// Package listen turns the microphone into spoken turns: capture frames go
// through the voice-activity detector, a finished utterance becomes a turn of
// the conversation, and speech over the kiosk's own voice interrupts it
// (barge-in) while the kiosk's voice coming back through the microphone does
// not. It is free of Fyne and of PortAudio: frames come from any Source.
package listen

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"

	"xiaofu/speech"
	"xiaofu/speech/vad"
)

// Source delivers 20 ms frames of 16 kHz mono audio until ctx ends; the
// channel is closed then. A PortAudio capture, a WAV file or a test feed.
type Source interface {
	Frames(ctx context.Context) (<-chan speech.Frame, error)
}

// Conversation is what a heard utterance drives; *convo.Conversation is one.
type Conversation interface {
	// Listening: the visitor started to speak; whatever the kiosk says stops.
	Listening()
	// Voice runs the turn for the utterance; it blocks until answered.
	Voice(ctx context.Context, u speech.Utterance) error
}

// Config wires a Listener.
type Config struct {
	Source       Source
	Conversation Conversation
	VAD          vad.Config
	// HandsFree listens all the time; otherwise only after Talk, for one
	// utterance (push-to-talk).
	HandsFree bool
	// Playing reports the RMS level (0..1) of what the kiosk is playing
	// right now, 0 when silent; the player's level tap feeds it. nil means
	// the kiosk never speaks (no echo to reject).
	Playing func() float64
	// BargeInDB is how far the microphone must rise over the kiosk's own
	// voice, as the microphone usually hears it, before speech counts as
	// the visitor talking over the kiosk (default 6 dB). Without echo
	// cancellation the visitor must be clearly louder at the microphone
	// than the kiosk's own voice.
	BargeInDB float64
	// MicLevel, if set, receives each frame's RMS level (for the avatar's
	// listening rings and the self-test meter).
	MicLevel func(level float64)
	Logger   *slog.Logger
}

// Listener runs the microphone loop. Start it with Run; Talk arms it for one
// utterance in push-to-talk mode.
type Listener struct {
	cfg   Config
	log   *slog.Logger
	armed atomic.Bool

	mu      sync.Mutex
	echo    echoGate
	bargeIn uint64 // barge-ins detected, for tests and the self-test
	turns   sync.WaitGroup
}

// New makes a listener; Run starts it.
func New(cfg Config) *Listener {
	if cfg.BargeInDB == 0 {
		cfg.BargeInDB = 6
	}
	l := &Listener{cfg: cfg, log: cfg.Logger, echo: newEchoGate(cfg.BargeInDB)}
	if l.log == nil {
		l.log = slog.Default()
	}
	return l
}

// Talk arms the listener for one utterance (push-to-talk). In hands-free
// mode it is always armed.
func (l *Listener) Talk() { l.armed.Store(true) }

// Disarm stops listening for an utterance (the visitor tapped stop).
func (l *Listener) Disarm() {
	if !l.cfg.HandsFree {
		l.armed.Store(false)
	}
}

// BargeIns counts how often speech over the kiosk's voice interrupted it.
func (l *Listener) BargeIns() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bargeIn
}

// Run reads frames until ctx ends or the source closes, then waits for the
// turn in progress. It returns the source's error, if any.
func (l *Listener) Run(ctx context.Context) error {
	frames, err := l.cfg.Source.Frames(ctx)
	if err != nil {
		return err
	}
	if l.cfg.HandsFree {
		l.armed.Store(true)
	}
	det := vad.New(l.cfg.VAD)
	defer l.turns.Wait()
	recent := newFrameRing(echoWindow)
	visitorOver := false // a barge-in happened; the kiosk's voice is stopping
	for f := range frames {
		recent.add(f)
		level := speech.RMS(f.Samples)
		if l.cfg.MicLevel != nil {
			l.cfg.MicLevel(level)
		}
		out := 0.0
		if l.cfg.Playing != nil {
			out = l.cfg.Playing()
		}
		l.mu.Lock()
		verdict := l.echo.push(level, out)
		if verdict == bargeIn && visitorOver {
			verdict = ownVoice // already handled; the kiosk is stopping
		}
		if verdict == bargeIn {
			l.bargeIn++
		}
		l.mu.Unlock()
		var events []vad.Event
		switch {
		case verdict == clear:
			visitorOver = false
			events = push(det, events, f)
		case verdict == bargeIn && !visitorOver:
			visitorOver = true
			l.armed.Store(true)
			l.log.Info("visitor spoke over the kiosk", "stage", "barge-in")
			l.cfg.Conversation.Listening()
			// Give the detector the last 300 ms so the visitor's first
			// syllable is in the utterance.
			det.Reset()
			for _, rf := range recent.frames() {
				events = push(det, events, rf)
			}
		case visitorOver:
			events = push(det, events, f)
		default:
			// What the microphone hears is the kiosk itself: keep it out
			// of the detector so it neither starts an utterance nor ends
			// up in one.
			det.Reset()
		}
		for _, ev := range events {
			l.handle(ctx, ev)
		}
	}
	return nil
}

func push(det *vad.Detector, events []vad.Event, f speech.Frame) []vad.Event {
	if ev, ok := det.Push(f); ok {
		events = append(events, ev)
	}
	return events
}

func (l *Listener) handle(ctx context.Context, ev vad.Event) {
	if !l.armed.Load() {
		return
	}
	switch ev.Kind {
	case vad.SpeechStart:
		l.cfg.Conversation.Listening()
	case vad.SpeechEnd:
		if !l.cfg.HandsFree {
			l.armed.Store(false)
		}
		u := ev.Utterance
		l.turns.Add(1)
		go func() {
			defer l.turns.Done()
			if err := l.cfg.Conversation.Voice(ctx, u); err != nil && ctx.Err() == nil && err != context.Canceled {
				l.log.Warn("spoken turn failed", "stage", "turn", "err", err)
			}
		}()
	}
}

// frameRing keeps copies of the last n frames (capture sources reuse their
// frames' buffers).
type frameRing struct {
	buf  []speech.Frame
	next int
	full bool
}

func newFrameRing(n int) *frameRing {
	r := &frameRing{buf: make([]speech.Frame, n)}
	for i := range r.buf {
		r.buf[i].Samples = make([]int16, 0, speech.FrameSamples)
	}
	return r
}

func (r *frameRing) add(f speech.Frame) {
	slot := &r.buf[r.next]
	slot.Samples = append(slot.Samples[:0], f.Samples...)
	slot.At = f.At
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// frames returns the kept frames, oldest first.
func (r *frameRing) frames() []speech.Frame {
	if !r.full {
		return r.buf[:r.next]
	}
	return append(append([]speech.Frame{}, r.buf[r.next:]...), r.buf[:r.next]...)
}

type verdict int

const (
	clear    verdict = iota // the kiosk is silent: frames go to the detector
	ownVoice                // the kiosk speaks and this is its echo
	bargeIn                 // the kiosk speaks and the visitor speaks over it
)

// echoGate tells the kiosk's own voice from a visitor speaking over it. The
// microphone hears the kiosk's voice late (output buffer, air, input buffer)
// and drawn out by the room, so each frame is compared with the loudest the
// kiosk played over the last 300 ms rather than with the same instant. The
// gate learns the coupling (microphone dB minus that reference) as a peak
// that decays slowly: the loudest the echo has come back recently. During
// the first 300 ms of playback everything is taken as echo while the peak is
// learnt. A run of frames well over the expected echo is a barge-in.
type echoGate struct {
	marginDB float64
	peak     float64 // dB: the loudest recent coupling
	playing  int     // frames since playback started
	loudRun  int
	hist     [echoWindow]float64 // recent playback levels, dBFS
	next     int
}

// echoWindow frames (300 ms) cover the echo path's delay and the room's
// ring-out.
const echoWindow = 15

// The gate needs this many frames over the expected echo (60 ms) to call a
// barge-in: quick enough to stop within 100 ms, slow enough that a click or
// a cough does not.
const bargeInFrames = 3

// peakDecay is how fast (dB a frame) the learnt echo peak forgets: 2.5 dB a
// second, so a speaker turned down is followed within seconds.
const peakDecay = 0.05

// peakRise is how fast (dB a frame) the learnt peak follows a louder echo
// after the first 300 ms.
const peakRise = 0.3

// silence below which neither side counts as sound (dBFS).
const silentDB = -60

func newEchoGate(marginDB float64) echoGate {
	g := echoGate{marginDB: marginDB, peak: -120}
	for i := range g.hist {
		g.hist[i] = -120
	}
	return g
}

func (g *echoGate) push(mic, out float64) verdict {
	g.hist[g.next] = dbfs(out)
	g.next = (g.next + 1) % echoWindow
	ref := -120.0
	for _, h := range g.hist {
		ref = max(ref, h)
	}
	if ref <= silentDB {
		g.loudRun, g.playing = 0, 0
		return clear
	}
	g.playing++
	micDB := dbfs(mic)
	c := micDB - ref
	if g.playing > echoWindow && micDB > silentDB && c-g.peak > g.marginDB {
		g.loudRun++
		if g.loudRun >= bargeInFrames {
			g.loudRun = 0
			return bargeIn
		}
		return ownVoice
	}
	g.loudRun = 0
	switch {
	case g.playing <= echoWindow && c > g.peak:
		g.peak = c
	case c > g.peak:
		// Rise slowly once learnt: a visitor starting to speak just under
		// the margin must not teach the gate that the echo is that loud.
		g.peak = min(c, g.peak+peakRise)
	default:
		g.peak = max(c, g.peak-peakDecay)
	}
	return ownVoice
}

func dbfs(level float64) float64 {
	if level <= 0 {
		return -120
	}
	return 20 * math.Log10(level)
}
