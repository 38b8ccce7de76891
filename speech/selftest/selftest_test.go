package selftest_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/selftest"
)

func source(pcm []int16) *speech.WAVSource {
	return speech.NewPCMSource(speech.Chunk{PCM: pcm, Format: speech.Capture})
}

func noisy(d time.Duration, amp float64, rng *rand.Rand) []int16 {
	out := make([]int16, speech.Capture.Samples(d))
	for i := range out {
		out[i] = int16(amp * 32767 * (rng.Float64()*2 - 1))
	}
	return out
}

func TestRecordMeasuresWhatTheMicHears(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := noisy(time.Second, 0.003, rng)
	voice := speech.Tone(speech.Capture, 220, 800*time.Millisecond, 0.3)
	for i := range voice {
		voice[i] += int16(0.003 * 32767 * (rng.Float64()*2 - 1))
	}
	pcm = append(pcm, voice...)
	pcm = append(pcm, noisy(1500*time.Millisecond, 0.003, rng)...)
	rec, err := selftest.Record(context.Background(), source(pcm), 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Duration < 3*time.Second || rec.PeakDB < -11 || rec.PeakDB > -10 || rec.Utterances != 1 {
		t.Errorf("recording %+v: want 3.3 s, peak about -10.5 dBFS, one utterance", rec)
	}
	if rec.FloorDB > -50 || rec.FloorDB < -70 {
		t.Errorf("noise floor %.1f dBFS for hiss at about -55", rec.FloorDB)
	}
	if adv := rec.Advice(); len(adv) != 0 {
		t.Errorf("a good recording got advice %q", adv)
	}
}

func TestRecordCountsSpeechStillGoingAtTheEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pcm := append(noisy(time.Second, 0.003, rng), speech.Tone(speech.Capture, 220, time.Second, 0.3)...)
	rec, err := selftest.Record(context.Background(), source(pcm), 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Utterances != 1 || rec.SpeechTime < 900*time.Millisecond {
		t.Errorf("speech running into the end of the recording: %d stretches, %v", rec.Utterances, rec.SpeechTime)
	}
}

func TestAdviceForABadMicrophone(t *testing.T) {
	for _, tc := range []struct {
		name string
		pcm  []int16
		want string
	}{
		{"muted", make([]int16, 16000), "silent"},
		{"clipping", speech.Tone(speech.Capture, 200, time.Second, 1.2), "clipped"},
		{"noisy room", noisy(2*time.Second, 0.3, rand.New(rand.NewPCG(3, 4))), "noise is high"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := selftest.Record(context.Background(), source(tc.pcm), 5*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			if adv := strings.Join(rec.Advice(), "; "); !strings.Contains(adv, tc.want) {
				t.Errorf("advice %q, want it to mention %q", adv, tc.want)
			}
		})
	}
}

func TestTonePlaysThroughTheLevelTap(t *testing.T) {
	var levels []float64
	sink := &speech.MemorySink{OnLevel: func(l float64) { levels = append(levels, l) }}
	if err := selftest.Tone(context.Background(), sink, 440, time.Second); err != nil {
		t.Fatal(err)
	}
	if d := speech.Capture.Duration(len(sink.PCM())); d < 990*time.Millisecond || d > 1010*time.Millisecond {
		t.Errorf("played %v", d)
	}
	if len(levels) < 50 || len(levels) > 51 || levels[25] < 0.2 {
		t.Errorf("%d levels, middle %.2f: want 50, about 0.21", len(levels), levels[25])
	}
}
