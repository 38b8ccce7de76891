package vad_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/vad"
)

// signal builds 16 kHz audio from pieces: noise at a level, or a syllable-
// like tone burst train over that noise.
type piece struct {
	d      time.Duration
	noise  float64 // amplitude 0..1
	speech float64 // amplitude 0..1 of the voiced bursts; 0 = none
}

func build(rng *rand.Rand, pieces ...piece) []int16 {
	var out []int16
	for _, p := range pieces {
		n := speech.Capture.Samples(p.d)
		for i := 0; i < n; i++ {
			v := p.noise * 32767 * (rng.Float64()*2 - 1)
			if p.speech > 0 {
				// 200 ms syllables with 50 ms gaps, a vowel around 500 Hz.
				if (i/800)%5 != 4 {
					ph := float64(i) / 16000
					v += p.speech * 32767 * (0.6*sin(2*3.14159*220*ph) + 0.4*sin(2*3.14159*660*ph))
				}
			}
			out = append(out, int16(max(-32768, min(32767, v))))
		}
	}
	return out
}

func push(d *vad.Detector, pcm []int16) []vad.Event {
	t0 := time.Unix(0, 0)
	var evs []vad.Event
	for n := 0; (n+1)*speech.FrameSamples <= len(pcm); n++ {
		if ev, ok := d.Push(speech.Frame{Samples: pcm[n*speech.FrameSamples : (n+1)*speech.FrameSamples], At: t0.Add(time.Duration(n) * speech.FrameDuration)}); ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

func TestUtteranceKeepsPreRollAndEndsAfterSilence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := build(rng, piece{d: time.Second, noise: 0.01}, piece{d: 1200 * time.Millisecond, noise: 0.01, speech: 0.2}, piece{d: 1500 * time.Millisecond, noise: 0.01})
	evs := push(vad.New(vad.Config{}), pcm)
	if len(evs) != 2 || evs[0].Kind != vad.SpeechStart || evs[1].Kind != vad.SpeechEnd {
		t.Fatalf("events %v, want one start and one end", evs)
	}
	t0 := time.Unix(0, 0)
	if s := evs[0].At.Sub(t0); s < time.Second || s > 1100*time.Millisecond {
		t.Errorf("speech-start at %v, want just after 1s", s)
	}
	if evs[0].At.After(evs[1].At) {
		t.Errorf("start after end")
	}
	// The start carries the audio so far for a streaming recogniser: the
	// pre-roll and the 200 ms it took to be sure.
	so := evs[0].Utterance
	if d := so.Duration(); d < 450*time.Millisecond || d > 600*time.Millisecond || !so.Start.Equal(evs[1].Utterance.Start) {
		t.Errorf("speech-start carries %v of audio from %v", d, so.Start)
	}
	if n := len(so.PCM); n > len(evs[1].Utterance.PCM) || so.PCM[n-1] != evs[1].Utterance.PCM[n-1] {
		t.Errorf("the audio at the start is not the beginning of the utterance")
	}
	u := evs[1].Utterance
	if s := u.Start.Sub(t0); s > 1000*time.Millisecond-250*time.Millisecond {
		t.Errorf("utterance starts at %v: the 300 ms pre-roll before the 1 s onset is missing", s)
	}
	if end := evs[1].At.Sub(t0); end < 2200*time.Millisecond+600*time.Millisecond || end > 2200*time.Millisecond+800*time.Millisecond {
		t.Errorf("speech-end at %v, want 0.6-0.8 s after the speech stopped at 2.2 s", end)
	}
	if d := u.Duration(); d < 1500*time.Millisecond || d > 1900*time.Millisecond {
		t.Errorf("utterance lasts %v, want pre-roll + 1.2 s + a short tail", d)
	}
}

func TestConfigurableEndSilence(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pcm := build(rng, piece{d: time.Second, noise: 0.01}, piece{d: time.Second, noise: 0.01, speech: 0.2}, piece{d: 2 * time.Second, noise: 0.01})
	evs := push(vad.New(vad.Config{EndSilence: 1200 * time.Millisecond}), pcm)
	if len(evs) != 2 {
		t.Fatalf("got %d events", len(evs))
	}
	if end := evs[1].At.Sub(time.Unix(0, 0)); end < 3200*time.Millisecond {
		t.Errorf("with 1.2 s end silence the turn ended at %v, before 3.2 s", end)
	}
}

func TestMaxUtteranceTruncates(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pcm := build(rng, piece{d: time.Second, noise: 0.01}, piece{d: 5 * time.Second, noise: 0.01, speech: 0.2})
	evs := push(vad.New(vad.Config{MaxUtterance: 2 * time.Second}), pcm)
	var ends []vad.Event
	for _, e := range evs {
		if e.Kind == vad.SpeechEnd {
			ends = append(ends, e)
		}
	}
	if len(ends) == 0 || !ends[0].Utterance.Truncated {
		t.Fatalf("a 5 s monologue with a 2 s cap gave %v", evs)
	}
	if d := ends[0].Utterance.Duration(); d > 2*time.Second+20*time.Millisecond {
		t.Errorf("truncated utterance lasts %v, over the 2 s cap", d)
	}
}

func TestNoiseAloneIsNotSpeech(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name   string
		pieces []piece
		want   []vad.Kind
	}{
		{"steady hiss", []piece{{d: 5 * time.Second, noise: 0.05}}, nil},
		{"quiet room", []piece{{d: 5 * time.Second, noise: 0.0005}}, nil},
		// A sudden steady noise looks like speech at first; it is taken
		// back once its level has not moved for a second.
		{"ventilation switches on", []piece{{d: 2 * time.Second, noise: 0.005}, {d: 8 * time.Second, noise: 0.05}}, []vad.Kind{vad.SpeechStart, vad.SpeechDiscarded}},
		{"a click", []piece{{d: time.Second, noise: 0.005}, {d: 60 * time.Millisecond, noise: 0.5}, {d: 2 * time.Second, noise: 0.005}}, nil},
		{"a cough", []piece{{d: time.Second, noise: 0.005}, {d: 150 * time.Millisecond, noise: 0.005, speech: 0.3}, {d: 2 * time.Second, noise: 0.005}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kinds []vad.Kind
			var discardedAfter time.Duration
			for _, e := range push(vad.New(vad.Config{}), build(rng, tc.pieces...)) {
				kinds = append(kinds, e.Kind)
				if e.Kind == vad.SpeechDiscarded {
					discardedAfter = e.At.Sub(time.Unix(2, 0))
				}
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tc.want) {
				t.Errorf("events %v, want %v", kinds, tc.want)
			}
			if discardedAfter > 2*time.Second {
				t.Errorf("the steady noise was taken back only after %v", discardedAfter)
			}
		})
	}
}

func TestRunEndsOpenUtteranceAtEndOfInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := speech.NewPCMSource(speech.Chunk{PCM: build(rng, piece{d: time.Second, noise: 0.01}, piece{d: time.Second, noise: 0.01, speech: 0.2}), Format: speech.Capture})
	frames, _ := src.Frames(context.Background())
	var kinds []vad.Kind
	for e := range vad.New(vad.Config{}).Run(context.Background(), frames) {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) != 2 || kinds[1] != vad.SpeechEnd {
		t.Fatalf("events %v, want start and end", kinds)
	}
}

func BenchmarkPush(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pcm := build(rng, piece{d: time.Second, noise: 0.01, speech: 0.2})
	d := vad.New(vad.Config{})
	f := speech.Frame{Samples: pcm[:speech.FrameSamples], At: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		d.Push(f)
	}
}

func sin(x float64) float64 { return math.Sin(x) }
