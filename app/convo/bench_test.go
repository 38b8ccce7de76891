package convo_test

import (
	"context"
	"testing"
	"time"

	"xiaofu/app/convo/convosim"
)

// BenchmarkVoiceTurn measures end of speech to first audio out against the
// simulated endpoints (ASR 300 ms, first token 400 ms then 30 tokens/s, TTS
// first byte 200 ms), streamed and sequential.
func BenchmarkVoiceTurn(b *testing.B) {
	for _, mode := range []struct {
		name       string
		sequential bool
		answer     string
	}{
		{"streamed", false, convosim.SixSentences},
		{"streamed-no-opener", false, convosim.OpenerFree},
		{"sequential", true, convosim.SixSentences},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var all []convosim.Turn
			for b.Loop() {
				_, turns, err := convosim.Run(context.Background(), convosim.Options{Turns: 1, Sequential: mode.sequential, Answer: mode.answer})
				if err != nil {
					b.Fatal(err)
				}
				all = append(all, turns...)
			}
			var fa, ov []time.Duration
			for _, t := range all {
				fa, ov = append(fa, t.FirstAudio), append(ov, t.Overhead)
			}
			b.ReportMetric(float64(median(fa).Milliseconds()), "ms-first-audio-p50")
			b.ReportMetric(float64(p95(ov).Microseconds())/1000, "ms-overhead-p95")
		})
	}
}

// TestVoiceTurnAgainstSimulatedEndpoints runs a few turns through the real
// engine, LLM client and turn engine and checks what a visitor would notice:
// the first sentence they hear, and that streaming starts well before a
// whole-answer-first kiosk would. Budgets are for the benchmark, not here.
func TestVoiceTurnAgainstSimulatedEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds")
	}
	ctx := context.Background()
	streamed, _, err := convosim.Run(ctx, convosim.Options{Turns: 3})
	if err != nil {
		t.Fatal(err)
	}
	if streamed.FirstSentences[0] != "您好，" {
		t.Errorf("first spoken piece %q", streamed.FirstSentences[0])
	}
	seq, _, err := convosim.Run(ctx, convosim.Options{Turns: 1, Sequential: true})
	if err != nil {
		t.Fatal(err)
	}
	if seq.FirstAudioP50 < 2*streamed.FirstAudioP50 {
		t.Errorf("streamed %s vs sequential %s: streaming saves too little", streamed.FirstAudioP50, seq.FirstAudioP50)
	}
	if streamed.FirstAudioP50 < 900*time.Millisecond {
		t.Errorf("first audio %s is faster than the simulated endpoints allow: the measurement is wrong", streamed.FirstAudioP50)
	}
	if streamed.StopP95 > 100*time.Millisecond {
		t.Errorf("interrupt took %s", streamed.StopP95)
	}
	t.Logf("streamed p50 %s (overhead p95 %s), sequential %s", streamed.FirstAudioP50, streamed.OverheadP95, seq.FirstAudioP50)
}

func median(ds []time.Duration) time.Duration { return pick(ds, 0.5) }
func p95(ds []time.Duration) time.Duration    { return pick(ds, 0.95) }

func pick(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[int(p*float64(len(s)-1)+0.5)]
}
