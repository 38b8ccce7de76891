package tts_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/tts"
)

// The contract every Synthesizer keeps, run against each implementation:
// audio arrives in valid chunks, an error from emit stops synthesis and comes
// back, and a cancelled context ends it promptly with the context's error.
func TestSynthesizerContract(t *testing.T) {
	impls := map[string]func(t *testing.T) tts.Synthesizer{
		"openai": func(t *testing.T) tts.Synthesizer {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "audio/wav")
				w.Write(streamingWAVHeader(24000))
				pcm := speech.EncodePCM(nil, speech.Tone(speech.Format{SampleRate: 24000, Channels: 1}, 300, time.Second, 0.3))
				for off := 0; off < len(pcm); off += 4800 {
					if _, err := w.Write(pcm[off:min(off+4800, len(pcm))]); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					time.Sleep(5 * time.Millisecond)
				}
			}))
			t.Cleanup(srv.Close)
			return &tts.OpenAI{URL: srv.URL}
		},
		"cosyvoice": func(t *testing.T) tts.Synthesizer {
			_, url := startCosy(t, "")
			return &tts.CosyVoice{URL: url, Voice: "v"}
		},
		"espeak": func(t *testing.T) tts.Synthesizer {
			if _, err := exec.LookPath("espeak-ng"); err != nil {
				t.Skip("no espeak-ng")
			}
			return &tts.Espeak{}
		},
	}
	const text = "您好，欢迎来到政务服务中心。"
	for name, newSynth := range impls {
		t.Run(name+"/chunks", func(t *testing.T) {
			s := newSynth(t)
			var total time.Duration
			err := s.Synthesize(context.Background(), text, func(c speech.Chunk) error {
				if !c.Format.Valid() || len(c.PCM) == 0 || len(c.PCM)%c.Format.Channels != 0 {
					t.Errorf("bad chunk: %d samples of %v", len(c.PCM), c.Format)
				}
				total += c.Duration()
				return nil
			})
			if err != nil || total < 500*time.Millisecond {
				t.Fatalf("err %v, %v of audio", err, total)
			}
		})
		t.Run(name+"/emit error stops", func(t *testing.T) {
			s := newSynth(t)
			stop := errors.New("player closed")
			calls := 0
			err := s.Synthesize(context.Background(), text, func(speech.Chunk) error {
				calls++
				return stop
			})
			if !errors.Is(err, stop) || calls != 1 {
				t.Fatalf("err %v after %d emits, want the emit error after 1", err, calls)
			}
		})
		t.Run(name+"/cancelled", func(t *testing.T) {
			s := newSynth(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			start := time.Now()
			err := s.Synthesize(ctx, text, func(speech.Chunk) error {
				t.Error("audio emitted under a cancelled context")
				return nil
			})
			if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
				t.Fatalf("err %v after %v", err, time.Since(start))
			}
		})
	}
}
