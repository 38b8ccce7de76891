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
			sum := convosim.Summarise(all, nil)
			b.ReportMetric(float64(sum.FirstAudioP50.Milliseconds()), "ms-first-audio-p50")
			b.ReportMetric(float64(sum.OverheadP95.Microseconds())/1000, "ms-overhead-p95")
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
