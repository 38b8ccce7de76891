package convosim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/llm"
	"xiaofu/localkb"
	"xiaofu/speech"
	"xiaofu/speech/asr"
	"xiaofu/speech/tts"
)

// SixSentences is the benchmark's answer: six spoken sentences citing the
// retrieved guide, opening with a short greeting as the system prompt's
// style asks. OpenerFree is the same answer without the greeting, whose
// first sentence is a full clause.
const (
	SixSentences = "您好，食品经营许可证在区政务服务中心一楼八号窗口办理[1]。需要带上申请书、营业执照复印件和食品安全管理制度[1]。" +
		"材料齐全的话，承诺十个工作日内办结[1]。办理不收费[1]。您也可以先在网上预约，再到窗口提交材料[1]。还有不清楚的，可以拨打窗口电话咨询[1]。"
	OpenerFree = "食品经营许可证在区政务服务中心一楼八号窗口办理[1]。需要带上申请书、营业执照复印件和食品安全管理制度[1]。" +
		"材料齐全的话，承诺十个工作日内办结[1]。办理不收费[1]。您也可以先在网上预约，再到窗口提交材料[1]。还有不清楚的，可以拨打窗口电话咨询[1]。"
)

// Options choose what a run measures.
type Options struct {
	Turns      int
	Sequential bool   // whole answer first, then speech
	Answer     string // the model's scripted answer; SixSentences when empty
	Latencies  Latencies
	// KB is searched for the transcript; nil uses a fixed one-record KB, so
	// that retrieval costs nothing and the figure is the pipeline's own.
	KB answer.Searcher
}

// Turn is one measured turn.
type Turn struct {
	FirstAudio time.Duration // end of speech to first audio out
	Simulated  time.Duration // of that, time spent inside the simulated endpoints
	Overhead   time.Duration // FirstAudio - Simulated: the kiosk's own
	Stop       time.Duration // Interrupt to the turn returning
}

// Summary is the medians and 95th percentiles of a run.
type Summary struct {
	Turns          int
	FirstAudioP50  time.Duration
	FirstAudioP95  time.Duration
	OverheadP50    time.Duration
	OverheadP95    time.Duration
	StopP95        time.Duration
	SimulatedP50   time.Duration
	FirstSentences []string
}

type fixedKB struct{}

var benchGuide = localkb.Record{ID: "11440100MB2C91012Q001", Kind: localkb.KindGuide, Title: "食品经营许可证核发",
	Department: "区市场监督管理局", Body: "在本区从事食品销售和餐饮服务的经营者申请食品经营许可。",
	Guide: &localkb.Guide{Materials: []string{"申请书", "营业执照复印件", "食品安全管理制度"}, PromisedDays: 10,
		Place: "区政务服务中心一楼", Window: "八号窗口"}}

func (fixedKB) Search(ctx context.Context, q string, _ localkb.SearchOptions) ([]localkb.Hit, error) {
	return []localkb.Hit{{Record: benchGuide, Score: 10, Confidence: 0.8, Grounded: true}}, nil
}

// firstAudioSink records when audio first reaches the player and returns at
// once, like a play queue.
type firstAudioSink struct{}

func (firstAudioSink) Play(ctx context.Context, c speech.Chunk) error { return ctx.Err() }

// Run measures opts.Turns voice turns, one after another, and summarises.
// Each turn is interrupted once its first audio is out (what follows does
// not change the figure), which also measures how fast an interrupt stops it.
func Run(ctx context.Context, opts Options) (Summary, []Turn, error) {
	if opts.Turns <= 0 {
		opts.Turns = 10
	}
	if opts.Answer == "" {
		opts.Answer = SixSentences
	}
	if opts.Latencies == (Latencies{}) {
		opts.Latencies = Budgeted
	}
	if opts.KB == nil {
		opts.KB = fixedKB{}
	}
	const transcript = "食品经营许可证在哪里办"
	ep := startEndpoints(opts.Latencies, opts.Answer, transcript)
	defer ep.close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	off := false
	chat, err := llm.New(llm.Config{BaseURL: ep.llm.URL + "/v1", Model: "qwen-plus", EnableThinking: &off, HTTPClient: hc})
	if err != nil {
		return Summary{}, nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng := &answer.Engine{KB: opts.KB, LLM: chat, Logger: quiet}

	var mu sync.Mutex
	var firstAudio, firstSentence chan struct{}
	var captions []string
	conv := convo.New(convo.Config{
		Answerer:   eng,
		Player:     firstAudioSink{},
		Recognizer: &asr.OpenAI{URL: ep.asr.URL + "/v1/audio/transcriptions", Model: "whisper-1", Client: hc},
		Synthesizer: &tts.OpenAI{URL: ep.tts.URL + "/v1/audio/speech", Model: "tts-1", Voice: "alloy",
			Format: "pcm", PCMRate: ep.ttsRate, Client: hc},
		Sequential: opts.Sequential,
		Logger:     quiet,
		Events: func(e convo.Event) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Kind {
			case convo.EventCaption:
				if len(captions) == 0 {
					captions = append(captions, e.Text)
					close(firstSentence)
				}
			case convo.EventSpeaking:
				close(firstAudio)
			}
		},
	})
	pcm := speech.Tone(speech.Capture, 300, 1500*time.Millisecond, 0.2)
	var turns []Turn
	var firsts []string
	for i := 0; i < opts.Turns; i++ {
		ep.rec.reset()
		mu.Lock()
		firstAudio, firstSentence, captions = make(chan struct{}), make(chan struct{}), nil
		fa := firstAudio
		mu.Unlock()
		u := speech.Utterance{PCM: pcm, End: time.Now()}
		var tm *convo.Timing
		done := make(chan error, 1)
		go func() { done <- conv.Voice(ctx, u) }()
		select {
		case <-fa:
		case err := <-done:
			return Summary{}, nil, fmt.Errorf("turn %d ended before any audio: %v", i, err)
		case <-time.After(30 * time.Second):
			conv.Interrupt()
			return Summary{}, nil, errors.New("turn produced no audio within 30 s")
		}
		stopAt := time.Now()
		conv.Interrupt()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return Summary{}, nil, fmt.Errorf("turn %d: %w", i, err)
		}
		stop := time.Since(stopAt)
		tm = conv.LastTiming()
		if tm == nil || tm.FirstAudio.IsZero() {
			return Summary{}, nil, fmt.Errorf("turn %d: no timing", i)
		}
		mu.Lock()
		if len(captions) > 0 {
			firsts = append(firsts, captions[0])
		}
		mu.Unlock()
		t := Turn{FirstAudio: tm.FirstAudioLatency(), Simulated: ep.simulated(tm.FirstSentence), Stop: stop}
		t.Overhead = t.FirstAudio - t.Simulated
		turns = append(turns, t)
		// Let the interrupted turn's requests close before the next turn.
		time.Sleep(20 * time.Millisecond)
	}
	return Summarise(turns, firsts), turns, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

// Summarise computes the medians and 95th percentiles of turns; firsts are
// the first spoken pieces, kept as they are.
func Summarise(turns []Turn, firsts []string) Summary {
	var fa, ov, st, sim []time.Duration
	for _, t := range turns {
		fa, ov, st, sim = append(fa, t.FirstAudio), append(ov, t.Overhead), append(st, t.Stop), append(sim, t.Simulated)
	}
	return Summary{Turns: len(turns), FirstAudioP50: pct(fa, 0.5), FirstAudioP95: pct(fa, 0.95),
		OverheadP50: pct(ov, 0.5), OverheadP95: pct(ov, 0.95), StopP95: pct(st, 0.95), SimulatedP50: pct(sim, 0.5),
		FirstSentences: firsts}
}
