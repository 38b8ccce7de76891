// Package vad finds where a visitor starts and stops speaking in a stream of
// capture frames, in a hall whose background noise comes and goes.
//
// Each 20 ms frame is band-limited to the speech band (about 150-4000 Hz,
// which takes out rumble and hiss) and its energy compared with a tracked
// noise floor: the floor falls at once to a quieter frame and rises slowly
// while nobody speaks, so a hall that grows louder does not read as speech.
// Speech starts after a few frames well above the floor and ends after a
// stretch of silence; the utterance keeps a pre-roll from before the start so
// that the first syllable reaches the recogniser whole.
package vad

import (
	"context"
	"math"
	"time"

	"xiaofu/speech"
)

// Config tunes a Detector. Zero fields take the defaults of DefaultConfig.
type Config struct {
	PreRoll      time.Duration // audio kept from before the detected start
	EndSilence   time.Duration // silence that ends an utterance
	MaxUtterance time.Duration // longer speech is cut and reported Truncated
	MinSpeech    time.Duration // shorter bursts (a cough, a door) are dropped
	StartFrames  int           // consecutive loud frames that start speech
	StartDB      float64       // dB over the noise floor that counts as loud to start
	KeepDB       float64       // dB over the floor that keeps speech going
	MinLevelDB   float64       // dBFS below which nothing is speech, however quiet the room
	TailKeep     time.Duration // trailing silence kept on the utterance
}

// DefaultConfig suits a visitor speaking at arm's length from a kiosk.
func DefaultConfig() Config {
	return Config{
		PreRoll:      300 * time.Millisecond,
		EndSilence:   600 * time.Millisecond,
		MaxUtterance: 20 * time.Second,
		MinSpeech:    200 * time.Millisecond,
		StartFrames:  3,
		StartDB:      7,
		KeepDB:       4,
		MinLevelDB:   -55,
		TailKeep:     200 * time.Millisecond,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.PreRoll == 0 {
		c.PreRoll = d.PreRoll
	}
	if c.EndSilence == 0 {
		c.EndSilence = d.EndSilence
	}
	if c.MaxUtterance == 0 {
		c.MaxUtterance = d.MaxUtterance
	}
	if c.MinSpeech == 0 {
		c.MinSpeech = d.MinSpeech
	}
	if c.StartFrames == 0 {
		c.StartFrames = d.StartFrames
	}
	if c.StartDB == 0 {
		c.StartDB = d.StartDB
	}
	if c.KeepDB == 0 {
		c.KeepDB = d.KeepDB
	}
	if c.MinLevelDB == 0 {
		c.MinLevelDB = d.MinLevelDB
	}
	if c.TailKeep == 0 {
		c.TailKeep = d.TailKeep
	}
	return c
}

// Kind says what an Event reports.
type Kind int

// The events a Detector emits.
const (
	// SpeechStart: the visitor started speaking. It is reported once the
	// sound has lasted MinSpeech (so a cough or a door does not stop the
	// kiosk mid-sentence); At is the onset, MinSpeech earlier.
	SpeechStart Kind = iota + 1
	// SpeechEnd: the visitor stopped; Utterance is set.
	SpeechEnd
	// SpeechDiscarded: what SpeechStart reported was a steady machine
	// noise after all; no SpeechEnd follows.
	SpeechDiscarded
)

// String names the event as the design does ("speech-start").
func (k Kind) String() string {
	switch k {
	case SpeechStart:
		return "speech-start"
	case SpeechEnd:
		return "speech-end"
	case SpeechDiscarded:
		return "speech-discarded"
	}
	return "unknown"
}

// Event is a change between silence and speech.
type Event struct {
	Kind Kind
	// At is the capture time of the change: for SpeechStart the first
	// loud frame, for SpeechEnd the frame on which the silence was long
	// enough (so At minus the last speech frame is the end-of-speech delay).
	At time.Time
	// Utterance is the whole utterance on SpeechEnd. On SpeechStart it is
	// the audio so far, pre-roll included (End unset), so that a streaming
	// recogniser can start at once and take the later frames as they come.
	Utterance speech.Utterance
}

// Detector is the voice-activity detector. Not safe for concurrent use; one
// goroutine pushes frames.
type Detector struct {
	cfg Config

	// band filter state
	hpPrevIn, hpPrevOut, lpPrev float64

	floor      float64 // noise level, dB: the mean power of non-speech frames
	spread     float64 // mean absolute deviation of non-speech frames from floor, dB
	smooth     [5]float64
	frames     int // frames seen
	loudRun    int
	silentRun  int
	inSpeech   bool
	confirmed  bool // SpeechStart has been reported for this utterance
	speechRun  int  // frames of speech in the current utterance, silence excluded
	started    time.Time
	pre        [][]int16 // ring of recent frames for the pre-roll
	preAt      []time.Time
	preNext    int
	utt        []int16
	uttStart   time.Time
	lastLevel  float64
	lastFloor  float64
	noiseSince int // frames in speech with a steady level, to catch noise posing as speech
	recent     [50]float64
	recentN    int
}

// New returns a Detector with cfg (zero fields take defaults).
func New(cfg Config) *Detector {
	cfg = cfg.withDefaults()
	n := int(cfg.PreRoll/speech.FrameDuration) + cfg.StartFrames
	d := &Detector{cfg: cfg, pre: make([][]int16, n), preAt: make([]time.Time, n)}
	for i := range d.pre {
		d.pre[i] = make([]int16, speech.FrameSamples)
	}
	return d
}

// Reset forgets the current utterance, e.g. when the kiosk starts speaking
// and what the microphone hears is its own voice. The noise floor is kept.
func (d *Detector) Reset() {
	d.inSpeech, d.confirmed, d.loudRun, d.silentRun, d.speechRun = false, false, 0, 0, 0
	d.utt = nil
}

// Level returns the last frame's band energy and the noise floor, in dBFS,
// for a level meter and for `xiaofu selftest audio`.
func (d *Detector) Level() (levelDB, floorDB float64) { return d.lastLevel, d.lastFloor }

// InSpeech reports whether an utterance is in progress.
func (d *Detector) InSpeech() bool { return d.inSpeech }

// energy returns the band-limited energy of the frame in dBFS.
func (d *Detector) energy(s []int16) float64 {
	const (
		hpA = 0.943 // one-pole high-pass at ~150 Hz (16 kHz)
		lpA = 0.45  // one-pole low-pass at ~4 kHz
	)
	var sum float64
	for _, v := range s {
		x := float64(v) / 32768
		hp := hpA * (d.hpPrevOut + x - d.hpPrevIn)
		d.hpPrevIn, d.hpPrevOut = x, hp
		d.lpPrev += lpA * (hp - d.lpPrev)
		sum += d.lpPrev * d.lpPrev
	}
	return 10 * math.Log10(sum/float64(len(s))+1e-12)
}

// Push takes the next frame and returns an event when the frame changes
// the state. The frame's samples are copied; the caller may reuse them.
func (d *Detector) Push(f speech.Frame) (Event, bool) {
	e := d.energy(f.Samples)
	d.frames++
	d.lastLevel = e
	d.recent[d.recentN%len(d.recent)] = e
	d.recentN++
	// The smoothed level (100 ms) decides the end: babble and syllable gaps
	// flicker frame to frame, a finished sentence does not.
	d.smooth[d.frames%len(d.smooth)] = math.Pow(10, e/10)
	var sp float64
	for _, v := range d.smooth {
		sp += v
	}
	es := 10 * math.Log10(sp/float64(len(d.smooth))+1e-12)

	d.track(e)
	d.lastFloor = d.floor
	spread := math.Max(0, d.spread)
	startThr := d.floor + math.Max(d.cfg.StartDB, 3+2.5*spread)
	keepThr := d.floor + math.Max(d.cfg.KeepDB, 1+2.5*spread)
	loud := e > startThr && e > d.cfg.MinLevelDB
	keep := es > keepThr && es > d.cfg.MinLevelDB
	voiced := e > keepThr && e > d.cfg.MinLevelDB // this frame itself, unsmoothed

	if !d.inSpeech {
		d.remember(f)
		if !loud {
			d.loudRun = 0
			return Event{}, false
		}
		d.loudRun++
		if d.loudRun < d.cfg.StartFrames {
			return Event{}, false
		}
		d.inSpeech, d.silentRun, d.speechRun, d.noiseSince = true, 0, d.loudRun, 0
		// The utterance starts with the pre-roll, the start frames included.
		d.utt = d.utt[:0]
		n := len(d.pre)
		for i := 0; i < n; i++ {
			j := (d.preNext + i) % n
			if d.preAt[j].IsZero() {
				continue
			}
			if len(d.utt) == 0 {
				d.uttStart = d.preAt[j]
			}
			d.utt = append(d.utt, d.pre[j]...)
		}
		d.started = f.At.Add(-time.Duration(d.loudRun-1) * speech.FrameDuration)
		clear(d.preAt)
		return d.confirm()
	}

	d.utt = append(d.utt, f.Samples...)
	// Speech time counts loud frames, not the smoothed level, which
	// lingers 100 ms after a cough and would make it long enough to count.
	if voiced {
		d.speechRun++
	}
	if keep {
		d.silentRun = 0
	} else {
		d.silentRun++
	}
	maxFrames := int(d.cfg.MaxUtterance / speech.FrameDuration)
	truncated := len(d.utt)/speech.FrameSamples >= maxFrames
	if d.steadyNoise() {
		// A level that has not moved for a second is a machine, not a
		// voice: take it as the new floor and drop what it started.
		d.floor = e
		was := d.confirmed
		d.Reset()
		if was {
			return Event{Kind: SpeechDiscarded, At: f.At}, true
		}
		return Event{}, false
	}
	if d.silentRun*int(speech.FrameDuration) < int(d.cfg.EndSilence) && !truncated {
		if !d.confirmed && voiced {
			return d.confirm()
		}
		return Event{}, false
	}
	if !d.confirmed {
		// Too short to be a question: a cough, a door, a click. Nothing was
		// reported, so nothing is taken back.
		d.Reset()
		return Event{}, false
	}
	d.inSpeech, d.confirmed = false, false
	// Keep a little of the trailing silence; recognisers like a clean ending.
	drop := d.silentRun - int(d.cfg.TailKeep/speech.FrameDuration)
	if drop > 0 && !truncated {
		d.utt = d.utt[:len(d.utt)-drop*speech.FrameSamples]
	}
	u := speech.Utterance{PCM: d.utt, Start: d.uttStart, End: f.At.Add(speech.FrameDuration), Truncated: truncated}
	d.utt = nil
	d.silentRun, d.speechRun = 0, 0
	return Event{Kind: SpeechEnd, At: f.At, Utterance: u}, true
}

// confirm reports SpeechStart once the sound has lasted MinSpeech.
func (d *Detector) confirm() (Event, bool) {
	if d.confirmed || time.Duration(d.speechRun)*speech.FrameDuration < d.cfg.MinSpeech {
		return Event{}, false
	}
	d.confirmed = true
	so := speech.Utterance{PCM: append([]int16(nil), d.utt...), Start: d.uttStart}
	return Event{Kind: SpeechStart, At: d.started, Utterance: so}, true
}

// track follows the noise: an average of the frames that are not speech,
// falling fast to quieter frames and rising slowly, and the spread of those
// frames around it, so that a fluctuating noise (babble) raises the
// thresholds instead of posing as speech.
func (d *Detector) track(e float64) {
	if d.frames == 1 {
		d.floor, d.spread = e, 1
		return
	}
	// In dB, not power: one loud frame must not drag the floor up.
	switch {
	case d.frames <= 15:
		d.floor += 0.3 * (e - d.floor) // settle on the room at start-up
	case e < d.floor:
		// Down faster than up, but not at once: babble has deep dips
		// that are not the room's level.
		d.floor += 0.08 * (e - d.floor)
	case d.inSpeech || d.loudRun > 0:
		d.floor += math.Min(0.002*(e-d.floor), 0.01) // the speech must not become the floor
	case e < d.floor+d.cfg.KeepDB+2*d.spread:
		d.floor += math.Min(0.05*(e-d.floor), 0.1) // a quiet room drifts: follow it, ≤ 5 dB/s
	default:
		d.floor += math.Min(0.01*(e-d.floor), 0.05) // a louder room: slowly, ≤ 2.5 dB/s
	}
	if !d.inSpeech && d.loudRun == 0 && e < d.floor+d.cfg.StartDB+3*d.spread {
		d.spread += 0.05 * (math.Min(math.Abs(e-d.floor), 12) - d.spread)
	}
}

// steadyNoise reports a level that has stayed within 3 dB for a second
// well into an utterance: speech rises and falls with every syllable.
func (d *Detector) steadyNoise() bool {
	if d.recentN < len(d.recent) || d.speechRun < len(d.recent)+10 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range d.recent {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return hi-lo < 3
}

func (d *Detector) remember(f speech.Frame) {
	copy(d.pre[d.preNext], f.Samples)
	d.preAt[d.preNext] = f.At
	d.preNext = (d.preNext + 1) % len(d.pre)
}

// Run feeds frames to the detector until frames closes or ctx ends, and
// sends each event on the returned channel, which it closes at the end. An
// utterance still open when frames closes is ended there, so that a file
// that stops mid-word still yields its speech.
func (d *Detector) Run(ctx context.Context, frames <-chan speech.Frame) <-chan Event {
	out := make(chan Event, 4)
	go func() {
		defer close(out)
		var last time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case f, ok := <-frames:
				if !ok {
					if d.inSpeech && d.confirmed {
						u := speech.Utterance{PCM: d.utt, Start: d.uttStart, End: last.Add(speech.FrameDuration)}
						d.Reset()
						select {
						case out <- Event{Kind: SpeechEnd, At: last, Utterance: u}:
						case <-ctx.Done():
						}
					}
					return
				}
				last = f.At
				if ev, ok := d.Push(f); ok {
					select {
					case out <- ev:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return out
}
