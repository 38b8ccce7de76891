package asr_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/asr"
)

// The contract both recognisers keep: text for speech, ErrNoSpeech without
// a request for silence, and the context's error when cancelled.
func TestRecognizerContract(t *testing.T) {
	impls := map[string]func(t *testing.T) asr.Recognizer{
		"openai": func(t *testing.T) asr.Recognizer {
			srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
				fmt.Fprint(w, `{"text":"我想办理营业执照。"}`)
			})
			return &asr.OpenAI{URL: srv.URL}
		},
		"dashscope": func(t *testing.T) asr.Recognizer {
			_, url := startASR(t, "")
			return &asr.DashScope{URL: url}
		},
	}
	for name, newRec := range impls {
		t.Run(name+"/text", func(t *testing.T) {
			got, err := newRec(t).Recognize(context.Background(), voiced(1200*time.Millisecond), nil)
			if err != nil || got != "我想办理营业执照。" {
				t.Fatalf("Recognize = %q, %v", got, err)
			}
		})
		t.Run(name+"/silence", func(t *testing.T) {
			_, err := newRec(t).Recognize(context.Background(), speech.Utterance{PCM: make([]int16, 8000)}, nil)
			if !errors.Is(err, speech.ErrNoSpeech) {
				t.Fatalf("err %v, want ErrNoSpeech", err)
			}
		})
		t.Run(name+"/cancelled", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := newRec(t).Recognize(ctx, voiced(time.Second), nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want canceled", err)
			}
		})
	}
}
