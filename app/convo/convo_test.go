package convo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/health"
	"xiaofu/speech"
)

// scriptAnswerer streams deltas with a pause between them.
type scriptAnswerer struct {
	deltas []answer.Delta
	gap    time.Duration
	final  answer.Answer
	mu     sync.Mutex
	end    time.Time
}

func (s *scriptAnswerer) Ask(ctx context.Context, sess *answer.Session, q string, on func(answer.Delta)) (answer.Answer, error) {
	for _, d := range s.deltas {
		select {
		case <-ctx.Done():
			return answer.Answer{}, ctx.Err()
		case <-time.After(s.gap):
		}
		on(d)
	}
	s.mu.Lock()
	s.end = time.Now()
	s.mu.Unlock()
	return s.final, nil
}

// toneSynth makes 16 kHz audio, 100 ms per character, in 40 ms chunks.
type toneSynth struct {
	mu    sync.Mutex
	texts []string
	err   error
	first time.Time
}

func (t *toneSynth) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	t.mu.Lock()
	t.texts = append(t.texts, text)
	err := t.err
	if t.first.IsZero() {
		t.first = time.Now()
	}
	t.mu.Unlock()
	if err != nil {
		return err
	}
	pcm := speech.Tone(speech.Capture, 440, time.Duration(len([]rune(text)))*100*time.Millisecond, 0.3)
	for off := 0; off < len(pcm); off += 640 {
		if err := emit(speech.Chunk{PCM: pcm[off:min(off+640, len(pcm))], Format: speech.Capture}); err != nil {
			return err
		}
	}
	return nil
}

func (t *toneSynth) said() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.texts...)
}

type fakeRecognizer struct {
	text     string
	partials []string
	err      error
	calls    int
}

func (f *fakeRecognizer) Recognize(ctx context.Context, u speech.Utterance, partial func(string)) (string, error) {
	f.calls++
	for _, p := range f.partials {
		partial(p)
	}
	return f.text, f.err
}

type eventLog struct {
	mu sync.Mutex
	ev []convo.Event
}

func (l *eventLog) add(e convo.Event) { l.mu.Lock(); l.ev = append(l.ev, e); l.mu.Unlock() }

func (l *eventLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.ev {
		if len(out) > 0 && out[len(out)-1] == e.Kind.String() {
			continue
		}
		out = append(out, e.Kind.String())
	}
	return out
}

func (l *eventLog) texts(k convo.EventKind) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.ev {
		if e.Kind == k {
			out = append(out, e.Text)
		}
	}
	return out
}

func (l *eventLog) last(k convo.EventKind) *convo.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.ev) - 1; i >= 0; i-- {
		if l.ev[i].Kind == k {
			e := l.ev[i]
			return &e
		}
	}
	return nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func threeSentences() *scriptAnswerer {
	return &scriptAnswerer{
		gap: 60 * time.Millisecond,
		deltas: []answer.Delta{{Text: "您好，"}, {Text: "食品经营许可证"}, {Text: "在一楼八号窗口办理。"},
			{Text: "需要带营业执照复印件。"}, {Text: "承诺十个工作日办结。"}},
		final: answer.Answer{Text: "您好，食品经营许可证在一楼八号窗口办理[1]。需要带营业执照复印件[1]。承诺十个工作日办结[1]。",
			Grounded: true, Tier: answer.TierOnline, Citations: []answer.Citation{{ID: "G1", Kind: "guide", Title: "食品经营许可证核发"}}},
	}
}

func TestVoiceTurnStreamsSentenceBySentence(t *testing.T) {
	ans := threeSentences()
	syn := &toneSynth{}
	sink := &speech.MemorySink{}
	events := &eventLog{}
	var logs bytes.Buffer
	c := convo.New(convo.Config{Answerer: ans, Player: sink, Synthesizer: syn,
		Recognizer: &fakeRecognizer{text: "食品经营许可证在哪办", partials: []string{"食品", "食品经营许可"}},
		Events:     events.add, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	u := speech.Utterance{PCM: make([]int16, 16000), End: time.Now()}
	if err := c.Voice(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	want := "partial transcript thinking caption speaking caption citations tier done"
	if got := strings.Join(events.kinds(), " "); !strings.HasPrefix(got, "partial transcript thinking caption") || !strings.HasSuffix(got, "citations tier done") || !strings.Contains(got, "speaking") {
		t.Errorf("events %q, want like %q", got, want)
	}
	caps := events.texts(convo.EventCaption)
	if strings.Join(caps, "|") != "您好，|食品经营许可证在一楼八号窗口办理。|需要带营业执照复印件。|承诺十个工作日办结。" {
		t.Errorf("captions %q", caps)
	}
	// The first sentence was being synthesised while the model still talked.
	if !syn.first.Before(ans.end) {
		t.Error("synthesis waited for the whole answer")
	}
	if sink.Chunks() == 0 {
		t.Fatal("nothing played")
	}
	done := events.last(convo.EventDone)
	if done == nil || done.Timing.FirstAudioLatency() <= 0 || done.Timing.FirstSentence.IsZero() || done.Timing.Transcript.IsZero() {
		t.Fatalf("timing %+v", done)
	}
	if ev := events.last(convo.EventCitations); ev.Answer.Citations[0].ID != "G1" {
		t.Errorf("citations event %+v", ev)
	}
	for _, stage := range []string{"stage=transcript", "stage=first_token", "stage=first_sentence", "stage=first_audio", "stage=done"} {
		if !strings.Contains(logs.String(), stage) {
			t.Errorf("log lacks %s:\n%s", stage, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "turn=1") || !strings.Contains(logs.String(), "ms=") {
		t.Errorf("log keys missing:\n%s", logs.String())
	}
}

func TestInterruptStopsEverythingWithin100ms(t *testing.T) {
	ans := threeSentences()
	sink := &speech.MemorySink{Realtime: true}
	events := &eventLog{}
	c := convo.New(convo.Config{Answerer: ans, Player: sink, Synthesizer: &toneSynth{}, Events: events.add, Logger: quiet()})
	errc := make(chan error, 1)
	go func() { errc <- c.Text(context.Background(), "食品经营许可证在哪办") }()
	deadline := time.Now().Add(3 * time.Second)
	for events.last(convo.EventSpeaking) == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if events.last(convo.EventSpeaking) == nil {
		t.Fatal("never started speaking")
	}
	start := time.Now()
	c.Interrupt()
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Interrupt took %s", d)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("turn returned %v", err)
		}
	case <-time.After(100 * time.Millisecond):
		t.Fatal("turn still running 100 ms after the interrupt")
	}
	heard := len(sink.PCM())
	time.Sleep(150 * time.Millisecond)
	if len(sink.PCM()) != heard {
		t.Error("audio kept playing after the interrupt")
	}
	if events.last(convo.EventDone) != nil {
		t.Error("an interrupted turn reported done")
	}
}

func TestRestartDropsRetractedSpeech(t *testing.T) {
	ans := &scriptAnswerer{gap: 10 * time.Millisecond, deltas: []answer.Delta{
		{Text: "您好，"}, {Text: "当天就能拿证"},
		{Text: "以下答复来自离线知识库。请到一楼八号窗口办理。", Restart: true},
	}, final: answer.Answer{Text: "请到一楼八号窗口办理。", Tier: answer.TierOffline, Grounded: true}}
	syn := &toneSynth{}
	events := &eventLog{}
	c := convo.New(convo.Config{Answerer: ans, Player: &speech.MemorySink{}, Synthesizer: syn, Events: events.add, Logger: quiet()})
	if err := c.Text(context.Background(), "q"); err != nil {
		t.Fatal(err)
	}
	for _, s := range syn.said() {
		if strings.Contains(s, "当天") {
			t.Errorf("retracted text was synthesised: %q", s)
		}
	}
	caps := events.texts(convo.EventCaption)
	if caps[len(caps)-1] != "请到一楼八号窗口办理。" || events.last(convo.EventRetract) == nil {
		t.Errorf("captions %q", caps)
	}
	if ev := events.last(convo.EventTier); ev == nil || ev.Tier != answer.TierOffline {
		t.Errorf("tier event %+v", ev)
	}
}

func TestRecognizerDownAsksToTypeOnceAloud(t *testing.T) {
	mon := health.NewMonitor()
	mon.Logger = quiet()
	mon.MinBackoff = time.Hour
	mon.Add(health.ASR, nil)
	rec := &fakeRecognizer{err: errors.New("transcribe: http 503")}
	syn := &toneSynth{}
	events := &eventLog{}
	c := convo.New(convo.Config{Answerer: threeSentences(), Player: &speech.MemorySink{}, Synthesizer: syn,
		Recognizer: rec, Health: mon, Events: events.add, Logger: quiet()})
	u := speech.Utterance{PCM: make([]int16, 3200), End: time.Now()}
	for range 2 {
		if err := c.Voice(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(events.texts(convo.EventTypeInstead)); n != 2 {
		t.Errorf("type-instead shown %d times, want every time", n)
	}
	if said := syn.said(); len(said) != 1 {
		t.Errorf("spoken %q, want the notice once", said)
	}
	if rec.calls != 1 {
		t.Errorf("recogniser called %d times although its breaker is open", rec.calls)
	}
}

func TestSynthesizerDownFallsBackToOfflineVoice(t *testing.T) {
	mon := health.NewMonitor()
	mon.Logger = quiet()
	mon.MinBackoff = time.Hour
	mon.Add(health.TTS, nil)
	remote := &toneSynth{err: errors.New("speech: http 500")}
	offline := &toneSynth{}
	sink := &speech.MemorySink{}
	c := convo.New(convo.Config{Answerer: threeSentences(), Player: sink, Synthesizer: remote, Offline: offline,
		Health: mon, Logger: quiet()})
	if err := c.Text(context.Background(), "q"); err != nil {
		t.Fatal(err)
	}
	if len(remote.said()) != 1 {
		t.Errorf("remote tried %d times; its breaker should stop it after the first failure", len(remote.said()))
	}
	if len(offline.said()) != 4 || sink.Chunks() == 0 {
		t.Errorf("offline voice said %q", offline.said())
	}
}

func TestEmptyUtteranceIsNotHeard(t *testing.T) {
	events := &eventLog{}
	ans := threeSentences()
	c := convo.New(convo.Config{Answerer: ans, Player: &speech.MemorySink{}, Synthesizer: &toneSynth{},
		Recognizer: &fakeRecognizer{text: " 。"}, Events: events.add, Logger: quiet()})
	if err := c.Voice(context.Background(), speech.Utterance{End: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if events.last(convo.EventNotHeard) == nil || events.last(convo.EventThinking) != nil {
		t.Errorf("events %v", events.kinds())
	}
}

func TestSilentUtteranceDoesNotTripTheRecognizer(t *testing.T) {
	mon := health.NewMonitor()
	mon.Logger = quiet()
	mon.Add(health.ASR, nil)
	events := &eventLog{}
	rec := &fakeRecognizer{err: fmt.Errorf("transcribe: %w: peak -70 dBFS", speech.ErrNoSpeech)}
	c := convo.New(convo.Config{Answerer: threeSentences(), Player: &speech.MemorySink{}, Synthesizer: &toneSynth{},
		Recognizer: rec, Health: mon, Events: events.add, Logger: quiet()})
	if err := c.Voice(context.Background(), speech.Utterance{End: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if events.last(convo.EventNotHeard) == nil || events.last(convo.EventTypeInstead) != nil {
		t.Errorf("events %v", events.kinds())
	}
	if !mon.Snapshot().Up(health.ASR) {
		t.Error("silence tripped the recogniser's breaker")
	}
}

func TestNewTurnStopsThePreviousOne(t *testing.T) {
	sink := &speech.MemorySink{Realtime: true}
	c := convo.New(convo.Config{Answerer: threeSentences(), Player: sink, Synthesizer: &toneSynth{}, Logger: quiet()})
	first := make(chan error, 1)
	go func() { first <- c.Text(context.Background(), "一") }()
	time.Sleep(200 * time.Millisecond)
	c.Listening()
	select {
	case err := <-first:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("first turn: %v", err)
		}
	case <-time.After(200 * time.Millisecond):
		t.Fatal("barge-in did not stop the turn")
	}
}

type failingAnswerer struct{}

func (failingAnswerer) Ask(ctx context.Context, s *answer.Session, q string, on func(answer.Delta)) (answer.Answer, error) {
	return answer.Answer{}, errors.New("answer: search: database is locked")
}

func TestAnswerFailureIsSaidNotSwallowed(t *testing.T) {
	syn := &toneSynth{}
	events := &eventLog{}
	c := convo.New(convo.Config{Answerer: failingAnswerer{}, Player: &speech.MemorySink{}, Synthesizer: syn, Events: events.add, Logger: quiet()})
	err := c.Text(context.Background(), "q")
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("err %v", err)
	}
	if ev := events.last(convo.EventError); ev == nil || ev.Text != convo.Trouble {
		t.Errorf("error event %+v", ev)
	}
	if said := syn.said(); len(said) != 1 || !strings.Contains(said[0], "出了点问题") {
		t.Errorf("spoken %q", said)
	}
	if strings.Contains(strings.Join(events.texts(convo.EventCaption), ""), "database") {
		t.Error("internal error shown to the visitor")
	}
}
