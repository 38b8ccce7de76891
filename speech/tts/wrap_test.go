package tts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"xiaofu/speech"
	"xiaofu/speech/tts"
)

// fakeSynth is a hand-written fake: it records texts and fails as told.
type fakeSynth struct {
	texts  []string
	before error // returned before any audio
	after  error // returned after one chunk
}

func (f *fakeSynth) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	f.texts = append(f.texts, text)
	if f.before != nil {
		return f.before
	}
	if err := emit(speech.Chunk{PCM: make([]int16, 160), Format: speech.Capture}); err != nil {
		return err
	}
	return f.after
}

func TestFallbackToOfflineVoice(t *testing.T) {
	down := fmt.Errorf("synthesize: %w: dial refused", speech.ErrUnavailable)
	for _, tc := range []struct {
		name        string
		primary     *fakeSynth
		wantOffline bool
		wantErr     bool
		wantTripped bool
	}{
		{"remote fine", &fakeSynth{}, false, false, false},
		{"remote down", &fakeSynth{before: down}, true, false, true},
		{"remote key refused", &fakeSynth{before: fmt.Errorf("x: %w", speech.ErrAuth)}, true, false, true},
		{"remote broke mid-sentence", &fakeSynth{after: down}, false, true, false},
		{"caller's own error", &fakeSynth{before: errors.New("player closed")}, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offline := &fakeSynth{}
			var tripped error
			f := &tts.Fallback{Primary: tc.primary, Secondary: offline, OnFallback: func(err error) { tripped = err }}
			err := f.Synthesize(context.Background(), "你好", func(speech.Chunk) error { return nil })
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v", err)
			}
			if (len(offline.texts) > 0) != tc.wantOffline || (tripped != nil) != tc.wantTripped {
				t.Errorf("offline used %v, tripped %v", offline.texts, tripped)
			}
		})
	}
}

func TestSpeakableNormalisesAndSkipsEmpty(t *testing.T) {
	f := &fakeSynth{}
	s := tts.Speakable(f)
	s.Synthesize(context.Background(), "请拨打12345【政务问答-17】", func(speech.Chunk) error { return nil })
	s.Synthesize(context.Background(), "【政务问答-18】", func(speech.Chunk) error { return nil })
	if len(f.texts) != 1 || f.texts[0] != "请拨打一二三四五" {
		t.Errorf("synthesizer got %q", f.texts)
	}
}
