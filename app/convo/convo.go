// Package convo runs a visitor's turn without any UI: recognise what was
// said, answer it from the knowledge base (through the LLM when it is up),
// cut the streamed answer into sentences, synthesise each as soon as it is
// complete and play it while the next is synthesised. It reports what
// happens as Events, which the kiosk renders (only the UI calls fyne.Do),
// and cancels every stage through one context when the visitor interrupts.
package convo

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/health"
	"xiaofu/speech"
	"xiaofu/speech/normalize"
	"xiaofu/speech/sentence"
)

// Recognizer turns an utterance into text. partial, when not nil, receives
// interim text as it is recognised; a recognizer without partials never
// calls it. Recognize returns ctx's error when ctx ends.
type Recognizer interface {
	Recognize(ctx context.Context, u speech.Utterance, partial func(text string)) (string, error)
}

// Synthesizer turns one sentence into audio, calling emit with each chunk as
// it arrives (in order, from the calling goroutine). An error from emit stops
// synthesis and is returned.
type Synthesizer interface {
	Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error
}

// Player queues audio for playback. Play must return promptly, without
// waiting for the audio to be heard, and when ctx ends the audio it queued
// under ctx must stop at once.
type Player interface {
	Play(ctx context.Context, c speech.Chunk) error
}

// Drainer is implemented by players that can say when everything queued has
// been heard (speech.PlayQueue does); a turn then ends when the voice ends.
type Drainer interface {
	Wait(ctx context.Context) error
}

// Answerer answers a question within a visit; *answer.Engine is one.
type Answerer interface {
	Ask(ctx context.Context, s *answer.Session, q string, onDelta func(answer.Delta)) (answer.Answer, error)
}

// EventKind says what happened.
type EventKind int

// Events of a turn, in the order they usually come.
const (
	// EventListening: the kiosk is listening (the visitor started speaking
	// or tapped the microphone); any answer in progress was stopped.
	EventListening EventKind = iota + 1
	// EventPartial: Text is interim recognised text.
	EventPartial
	// EventTranscript: Text is the final question.
	EventTranscript
	// EventThinking: the question is being answered.
	EventThinking
	// EventCaption: Text is the next sentence of the answer, as it will be
	// spoken (no citation marks).
	EventCaption
	// EventRetract: the captions of this answer so far are withdrawn (the
	// streamed answer failed its checks or broke off); the replacement's
	// captions follow.
	EventRetract
	// EventCitations: Answer is the final answer: the card's text, its
	// citations, tier and route.
	EventCitations
	// EventSpeaking: the first audio of the answer went to the player.
	EventSpeaking
	// EventDone: the turn is over; Timing holds its stage times.
	EventDone
	// EventError: Text says what the visitor is told; Err is the cause.
	EventError
	// EventTier: Tier is the answer tier now in force (answer.Tier*).
	EventTier
	// EventTypeInstead: speech recognition is unavailable; Text asks the
	// visitor to tap a question or type.
	EventTypeInstead
	// EventNotHeard: the utterance held no words; Text asks to say it again.
	EventNotHeard
)

var kindNames = map[EventKind]string{
	EventListening: "listening", EventPartial: "partial", EventTranscript: "transcript",
	EventThinking: "thinking", EventCaption: "caption", EventRetract: "retract",
	EventCitations: "citations", EventSpeaking: "speaking", EventDone: "done", EventError: "error",
	EventTier: "tier", EventTypeInstead: "type-instead", EventNotHeard: "not-heard",
}

func (k EventKind) String() string { return kindNames[k] }

// Event is one thing the UI shows.
type Event struct {
	Kind   EventKind
	Turn   uint64 // the turn it belongs to; a UI ignores events of old turns
	Text   string
	Answer *answer.Answer
	Tier   string
	Timing *Timing
	Err    error
}

// Lines the kiosk says in these situations.
const (
	TypeInstead = "语音识别暂时不可用，请点按屏幕上的问题，或用键盘输入。"
	NotHeard    = "不好意思，我没听清，请再说一遍。"
	Trouble     = "抱歉，我这边出了点问题，请稍后再问，或到综合咨询窗口咨询。"
)

// Config wires a Conversation. Answerer and Player are required.
type Config struct {
	Answerer Answerer
	Player   Player
	// Recognizer is the speech recogniser; nil means voice input is off.
	Recognizer Recognizer
	// Synthesizer is the preferred (remote) voice; Offline is the local one
	// used when it fails or its breaker is open. Either may be nil.
	Synthesizer Synthesizer
	Offline     Synthesizer
	// Health holds the ASR and TTS breakers (health.ASR, health.TTS); nil
	// means no breakers: every turn tries the remote endpoints.
	Health *health.Monitor
	// Events receives what the UI shows. It is called from the turn's
	// goroutines and must not block (hand off with fyne.Do).
	Events func(Event)
	// FirstRunes lets the first sentence end at a comma once it has this
	// many runes, so the voice starts on a short opening clause (default 2).
	FirstRunes int
	// Sequential waits for the whole answer before speaking it in one
	// piece: only for measuring what streaming saves.
	Sequential bool
	Logger     *slog.Logger
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// Conversation runs one visitor's turns, one at a time. Its methods are
// safe for concurrent use: Interrupt from the UI while a turn runs in
// another goroutine.
type Conversation struct {
	cfg     Config
	session *answer.Session
	log     *slog.Logger

	mu       sync.Mutex
	cancel   context.CancelFunc
	running  chan struct{}
	lastTier string
	asrTold  bool    // the visitor was already told aloud that voice input is down
	last     *Timing // the stage times of the last turn that ended

	turns atomic.Uint64
}

// New makes a conversation with a fresh visit.
func New(cfg Config) *Conversation {
	c := &Conversation{cfg: cfg, session: answer.NewSession(), log: cfg.Logger}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	if c.cfg.FirstRunes <= 0 {
		c.cfg.FirstRunes = 2
	}
	return c
}

// Session is the visit's conversation memory.
func (c *Conversation) Session() *answer.Session { return c.session }

func (c *Conversation) emit(e Event) {
	if c.cfg.Events != nil {
		c.cfg.Events(e)
	}
}

// begin stops any turn in progress and starts a new one.
func (c *Conversation) begin(parent context.Context) (context.Context, uint64, func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	c.mu.Lock()
	prevCancel, prevDone := c.cancel, c.running
	c.cancel, c.running = cancel, done
	c.mu.Unlock()
	if prevCancel != nil {
		prevCancel()
		// Let the old turn's player let go before the new one speaks; its
		// stages all return promptly on cancel.
		select {
		case <-prevDone:
		case <-time.After(300 * time.Millisecond):
		}
	}
	id := c.turns.Add(1)
	return ctx, id, func() {
		cancel()
		close(done)
		c.mu.Lock()
		if c.running == done {
			c.cancel, c.running = nil, nil
		}
		c.mu.Unlock()
	}
}

// Interrupt stops the turn in progress, if any: recognition, the model's
// stream, synthesis and playback all end through the turn's context. It does
// not wait for them (it returns at once); the turn's Voice or Text call
// returns context.Canceled shortly after.
func (c *Conversation) Interrupt() {
	c.mu.Lock()
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Listening tells the conversation the visitor has started to speak (or
// tapped the microphone): whatever the kiosk was saying stops.
func (c *Conversation) Listening() {
	c.Interrupt()
	c.emit(Event{Kind: EventListening, Turn: c.turns.Load() + 1})
}

// Reset ends the visit: stops any turn and forgets the conversation.
func (c *Conversation) Reset() {
	c.Interrupt()
	c.session.Reset()
	c.mu.Lock()
	c.asrTold = false
	c.mu.Unlock()
}

func (c *Conversation) breaker(name string) *health.Breaker {
	if c.cfg.Health == nil {
		return nil
	}
	return c.cfg.Health.Breaker(name)
}

// Voice runs a spoken turn: u is the utterance the VAD cut out. It returns
// when the answer has been spoken, or ctx's error when interrupted.
func (c *Conversation) Voice(ctx context.Context, u speech.Utterance) error {
	ctx, id, end := c.begin(ctx)
	defer end()
	tm := &Timing{EndOfSpeech: u.End}
	if tm.EndOfSpeech.IsZero() {
		tm.EndOfSpeech = c.cfg.Now()
	}
	b := c.breaker(health.ASR)
	if c.cfg.Recognizer == nil || (b != nil && !b.Allow()) {
		return c.typeInstead(ctx, id, tm, nil)
	}
	text, err := c.cfg.Recognizer.Recognize(ctx, u, func(p string) {
		c.emit(Event{Kind: EventPartial, Turn: id, Text: p})
	})
	if errors.Is(err, speech.ErrNoSpeech) {
		// Silence or a cough: nothing was sent, and the recogniser is fine.
		err, text = nil, ""
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if b != nil {
			b.Failure(err)
		}
		return c.typeInstead(ctx, id, tm, err)
	}
	if b != nil {
		b.Success()
	}
	c.mu.Lock()
	c.asrTold = false
	c.mu.Unlock()
	tm.Transcript = c.cfg.Now()
	text = strings.TrimSpace(text)
	if !hasWords(text) {
		c.emit(Event{Kind: EventNotHeard, Turn: id, Text: NotHeard})
		return c.speakLine(ctx, id, tm, NotHeard)
	}
	c.emit(Event{Kind: EventTranscript, Turn: id, Text: text})
	return c.answer(ctx, id, text, tm)
}

// Text runs a typed or tapped question; the answer is spoken as well as
// shown.
func (c *Conversation) Text(ctx context.Context, q string) error {
	ctx, id, end := c.begin(ctx)
	defer end()
	now := c.cfg.Now()
	tm := &Timing{EndOfSpeech: now, Transcript: now}
	c.emit(Event{Kind: EventTranscript, Turn: id, Text: q})
	return c.answer(ctx, id, q, tm)
}

func hasWords(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(" \t\n，。！？、,.!?…", r) {
			return true
		}
	}
	return false
}

// typeInstead tells the visitor voice input is down: in writing every time,
// aloud only the first time, so a broken recogniser does not nag.
func (c *Conversation) typeInstead(ctx context.Context, id uint64, tm *Timing, cause error) error {
	if cause != nil {
		c.log.Warn("recognition failed", "turn", id, "err", cause)
	}
	c.emit(Event{Kind: EventTypeInstead, Turn: id, Text: TypeInstead, Err: cause})
	c.mu.Lock()
	told := c.asrTold
	c.asrTold = true
	c.mu.Unlock()
	if told {
		c.emit(Event{Kind: EventDone, Turn: id, Timing: tm})
		return nil
	}
	return c.speakLine(ctx, id, tm, TypeInstead)
}

// speakLine says one of the kiosk's own lines.
func (c *Conversation) speakLine(ctx context.Context, id uint64, tm *Timing, line string) error {
	sp := c.newSpeaker(ctx, id, tm)
	c.emit(Event{Kind: EventCaption, Turn: id, Text: line})
	sp.say(line)
	sp.close()
	err := sp.wait()
	return c.finish(ctx, id, tm, err)
}

// answer gets the answer streamed and spoken.
func (c *Conversation) answer(ctx context.Context, id uint64, q string, tm *Timing) error {
	c.emit(Event{Kind: EventThinking, Turn: id})
	cut := sentence.New()
	cut.FirstRunes = c.cfg.FirstRunes
	sp := c.newSpeaker(ctx, id, tm)
	onSentence := func(s string) {
		if tm.FirstSentence.IsZero() {
			tm.FirstSentence = c.cfg.Now()
		}
		c.emit(Event{Kind: EventCaption, Turn: id, Text: s})
		sp.say(s)
	}
	onDelta := func(d answer.Delta) {
		if tm.FirstToken.IsZero() {
			tm.FirstToken = c.cfg.Now()
		}
		if c.cfg.Sequential {
			return
		}
		if d.Restart {
			cut.Flush()
			sp.abort()
			sp = c.newSpeaker(ctx, id, tm)
			c.emit(Event{Kind: EventRetract, Turn: id})
		}
		for _, s := range cut.Push(d.Text) {
			onSentence(s)
		}
	}
	a, err := c.cfg.Answerer.Ask(ctx, c.session, q, onDelta)
	if err != nil {
		sp.abort()
		if ctx.Err() != nil {
			return c.finish(ctx, id, tm, ctx.Err())
		}
		c.emit(Event{Kind: EventError, Turn: id, Text: Trouble, Err: err})
		sp = c.newSpeaker(ctx, id, tm)
		sp.say(Trouble)
		sp.close()
		sp.wait()
		return c.finish(ctx, id, tm, err)
	}
	if c.cfg.Sequential {
		onSentence(a.Speech)
	} else if s := cut.Flush(); s != "" {
		onSentence(s)
	}
	c.emit(Event{Kind: EventCitations, Turn: id, Answer: &a})
	c.mu.Lock()
	changed := a.Tier != c.lastTier
	c.lastTier = a.Tier
	c.mu.Unlock()
	if changed {
		c.emit(Event{Kind: EventTier, Turn: id, Tier: a.Tier})
	}
	sp.close()
	return c.finish(ctx, id, tm, sp.wait())
}

// finish logs the stage times and reports the end of the turn.
func (c *Conversation) finish(ctx context.Context, id uint64, tm *Timing, err error) error {
	tm.Done = c.cfg.Now()
	c.mu.Lock()
	cp := *tm
	c.last = &cp
	c.mu.Unlock()
	for _, st := range tm.Stages() {
		c.log.Info("turn stage", "turn", id, "stage", st.Name, "ms", st.Since.Milliseconds())
	}
	if err != nil && ctx.Err() != nil {
		c.log.Info("turn interrupted", "turn", id)
		return ctx.Err()
	}
	c.emit(Event{Kind: EventDone, Turn: id, Timing: tm, Err: err})
	return err
}

// LastTiming is the stage times of the last turn that ended, interrupted
// or not; nil before the first.
func (c *Conversation) LastTiming() *Timing {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil
	}
	cp := *c.last
	return &cp
}

// Timing is when each stage of a turn happened; zero when it did not.
type Timing struct {
	EndOfSpeech   time.Time // the VAD decided speech had ended (or the question was typed)
	Transcript    time.Time // the final transcript arrived
	FirstToken    time.Time // the first text of the answer arrived
	FirstSentence time.Time // the first sentence was complete
	FirstAudio    time.Time // the first audio went to the player
	Done          time.Time // the turn ended
}

// Stage is one stage time relative to the end of speech.
type Stage struct {
	Name  string
	At    time.Time
	Since time.Duration
}

// Stages lists the stages that happened, in order, for logs and benchmarks.
func (t *Timing) Stages() []Stage {
	var out []Stage
	for _, s := range []struct {
		name string
		at   time.Time
	}{
		{"transcript", t.Transcript}, {"first_token", t.FirstToken}, {"first_sentence", t.FirstSentence},
		{"first_audio", t.FirstAudio}, {"done", t.Done},
	} {
		if !s.at.IsZero() && !t.EndOfSpeech.IsZero() {
			out = append(out, Stage{Name: s.name, At: s.at, Since: s.at.Sub(t.EndOfSpeech)})
		}
	}
	return out
}

// FirstAudioLatency is end of speech to first audio out; 0 when no audio.
func (t *Timing) FirstAudioLatency() time.Duration {
	if t.FirstAudio.IsZero() || t.EndOfSpeech.IsZero() {
		return 0
	}
	return t.FirstAudio.Sub(t.EndOfSpeech)
}

// speaker synthesises sentences in order and plays the audio, one sentence
// synthesising while the one before it plays.
type speaker struct {
	c      *Conversation
	id     uint64
	tm     *Timing
	ctx    context.Context
	cancel context.CancelFunc
	texts  chan string
	once   sync.Once
	done   chan struct{}
	err    error // set before done closes
}

func (c *Conversation) newSpeaker(turn context.Context, id uint64, tm *Timing) *speaker {
	ctx, cancel := context.WithCancel(turn)
	sp := &speaker{c: c, id: id, tm: tm, ctx: ctx, cancel: cancel,
		texts: make(chan string, 64), done: make(chan struct{})}
	chunks := make(chan speech.Chunk, 256)
	var synthErr error
	synthDone := make(chan struct{})
	go func() {
		defer close(synthDone)
		defer close(chunks)
		for text := range sp.texts {
			if err := c.synthesize(ctx, id, text, func(ch speech.Chunk) error {
				select {
				case chunks <- ch:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}); err != nil {
				synthErr = err
				if ctx.Err() != nil {
					return
				}
			}
		}
	}()
	go func() {
		defer close(sp.done)
		var playErr error
		for ch := range chunks {
			if playErr != nil {
				continue // drain so the synthesiser never blocks
			}
			if tm.FirstAudio.IsZero() {
				tm.FirstAudio = c.cfg.Now()
				c.emit(Event{Kind: EventSpeaking, Turn: id})
			}
			if err := c.cfg.Player.Play(ctx, ch); err != nil {
				playErr = err
			}
		}
		<-synthDone
		if d, ok := c.cfg.Player.(Drainer); ok && playErr == nil && ctx.Err() == nil {
			playErr = d.Wait(ctx)
		}
		switch {
		case ctx.Err() != nil:
			sp.err = ctx.Err()
		case playErr != nil:
			sp.err = playErr
		case errors.Is(synthErr, errNoVoice):
			// No voice at all: the captions carry the answer. Not a failed turn.
			c.log.Warn("answer shown without voice", "turn", id, "err", synthErr)
		default:
			sp.err = synthErr
		}
	}()
	return sp
}

func (sp *speaker) say(text string) {
	select {
	case sp.texts <- text:
	case <-sp.ctx.Done():
	}
}

func (sp *speaker) close() { sp.once.Do(func() { close(sp.texts) }) }

// abort stops this speaker's synthesis and playback and waits for both.
func (sp *speaker) abort() {
	sp.cancel()
	sp.close()
	<-sp.done
}

func (sp *speaker) wait() error {
	<-sp.done
	return sp.err
}

// errNoVoice: neither synthesizer could speak; captions still show.
var errNoVoice = errors.New("speech: no synthesizer available")

// synthesize speaks one sentence with the remote voice, falling back to the
// offline one when the remote fails or its breaker is open.
func (c *Conversation) synthesize(ctx context.Context, id uint64, text string, emit func(speech.Chunk) error) error {
	text = normalize.Speech(text)
	if !hasWords(text) {
		return nil
	}
	b := c.breaker(health.TTS)
	if c.cfg.Synthesizer != nil && (b == nil || b.Allow()) {
		emitted := 0
		err := c.cfg.Synthesizer.Synthesize(ctx, text, func(ch speech.Chunk) error { emitted++; return emit(ch) })
		if err == nil {
			if b != nil {
				b.Success()
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if b != nil {
			b.Failure(err)
		}
		c.log.Warn("synthesis failed, using the offline voice", "turn", id, "err", err)
		if emitted > 0 {
			return nil // half the sentence was heard; repeating it would be worse than the gap
		}
	}
	if c.cfg.Offline == nil {
		return errNoVoice
	}
	if err := c.cfg.Offline.Synthesize(ctx, text, emit); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.Join(errNoVoice, err)
	}
	return nil
}
