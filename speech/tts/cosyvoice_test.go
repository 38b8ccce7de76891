package tts_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"xiaofu/speech"
	"xiaofu/speech/tts"
)

// fakeCosyVoice speaks DashScope's CosyVoice protocol: run-task, then for
// every continue-task 100 ms of 22.05 kHz PCM per character, in binary
// frames, then task-finished after finish-task.
type fakeCosyVoice struct {
	mode  string // "", "401", "fail-start", "fail-mid", "cut", "garbage"
	mu    sync.Mutex
	run   map[string]any
	texts []string
}

func (f *fakeCosyVoice) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.mode == "401" {
		w.WriteHeader(401)
		w.Write([]byte(`{"code":"InvalidApiKey","message":"Invalid API-key provided."}`))
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	event := func(id, ev string, extra ...string) {
		h := map[string]any{"task_id": id, "event": ev, "attributes": map[string]any{}}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		b, _ := json.Marshal(map[string]any{"header": h, "payload": map[string]any{}})
		c.Write(ctx, websocket.MessageText, b)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var cmd struct {
			Header  map[string]string `json:"header"`
			Payload struct {
				TaskGroup  string         `json:"task_group"`
				Task       string         `json:"task"`
				Function   string         `json:"function"`
				Model      string         `json:"model"`
				Parameters map[string]any `json:"parameters"`
				Input      map[string]any `json:"input"`
			} `json:"payload"`
		}
		json.Unmarshal(b, &cmd)
		id := cmd.Header["task_id"]
		switch cmd.Header["action"] {
		case "run-task":
			f.mu.Lock()
			f.run = map[string]any{"streaming": cmd.Header["streaming"], "task_group": cmd.Payload.TaskGroup, "task": cmd.Payload.Task,
				"function": cmd.Payload.Function, "model": cmd.Payload.Model, "parameters": cmd.Payload.Parameters}
			f.mu.Unlock()
			if f.mode == "fail-start" {
				event(id, "task-failed", "error_code", "InvalidParameter", "error_message", "voice not found: nobody")
				return
			}
			event(id, "task-started")
		case "continue-task":
			text, _ := cmd.Payload.Input["text"].(string)
			f.mu.Lock()
			f.texts = append(f.texts, text)
			n := len(f.texts)
			f.mu.Unlock()
			if f.mode == "fail-mid" && n == 2 {
				event(id, "task-failed", "error_code", "InternalError", "error_message", "synthesis engine error")
				return
			}
			pcm := speech.Tone(speech.Format{SampleRate: 22050, Channels: 1}, 200, time.Duration(len([]rune(text)))*100*time.Millisecond, 0.3)
			raw := speech.EncodePCM(nil, pcm)
			for off := 0; off < len(raw); off += 3333 { // odd-sized frames, as a network delivers them
				c.Write(ctx, websocket.MessageBinary, raw[off:min(off+3333, len(raw))])
			}
			switch f.mode {
			case "cut":
				c.CloseNow()
				return
			case "garbage":
				c.Write(ctx, websocket.MessageText, []byte(`{"unexpected": tru`))
			}
		case "finish-task":
			event(id, "task-finished")
			c.Close(websocket.StatusNormalClosure, "")
			return
		}
	}
}

func startCosy(t *testing.T, mode string) (*fakeCosyVoice, string) {
	f := &fakeCosyVoice{mode: mode}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestCosyVoiceStreamsTextInAndAudioOut(t *testing.T) {
	f, url := startCosy(t, "")
	cv := &tts.CosyVoice{URL: url, APIKey: "sk-ds", Voice: "longxiaochun_v2"}
	pieces := make(chan string)
	c := newCollect()
	done := make(chan error, 1)
	go func() { done <- cv.Stream(context.Background(), pieces, c.emit) }()
	pieces <- "您好，"
	// The first piece's audio comes back before the next piece is written.
	select {
	case <-c.first:
	case <-time.After(3 * time.Second):
		t.Fatal("no audio for the first piece while the text was still streaming")
	}
	pieces <- "欢迎光临。"
	close(pieces)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := c.duration(); d < 790*time.Millisecond || d > 810*time.Millisecond {
		t.Errorf("got %v of audio, want 800ms (8 characters)", d)
	}
	if c.chunks[0].Format != (speech.Format{SampleRate: 22050, Channels: 1}) {
		t.Errorf("format %v", c.chunks[0].Format)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	params, _ := json.Marshal(f.run["parameters"])
	if f.run["streaming"] != "duplex" || f.run["task_group"] != "audio" || f.run["task"] != "tts" || f.run["function"] != "SpeechSynthesizer" ||
		f.run["model"] != "cosyvoice-v2" || string(params) != `{"format":"pcm","sample_rate":22050,"text_type":"PlainText","voice":"longxiaochun_v2"}` {
		t.Errorf("run-task %v %s", f.run, params)
	}
	if strings.Join(f.texts, "|") != "您好，|欢迎光临。" {
		t.Errorf("continue-task texts %q", f.texts)
	}
}

func TestCosyVoiceFailures(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		want  error
		msg   string
		heard bool
	}{
		{"401", speech.ErrAuth, "401", false},
		{"fail-start", speech.ErrRejected, "voice not found", false},
		{"fail-mid", speech.ErrUnavailable, "synthesis engine error", true},
		{"cut", speech.ErrUnavailable, "synthesize", true},
		{"garbage", speech.ErrBadResponse, "unexpected", true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			_, url := startCosy(t, tc.mode)
			pieces := make(chan string, 3)
			pieces <- "第一句。"
			pieces <- "第二句。"
			close(pieces)
			c := newCollect()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := (&tts.CosyVoice{URL: url, APIKey: "sk-secret", Voice: "v"}).Stream(ctx, pieces, c.emit)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v with %q", err, tc.want, tc.msg)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("key leaked: %v", err)
			}
			if heard := len(c.chunks) > 0; heard != tc.heard {
				t.Errorf("heard %v before the failure, want some: %v", c.duration(), tc.heard)
			}
		})
	}
}

func TestCosyVoiceCancelStopsAtOnce(t *testing.T) {
	_, url := startCosy(t, "")
	pieces := make(chan string) // the LLM is still thinking
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&tts.CosyVoice{URL: url}).Stream(ctx, pieces, newCollect().emit) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Stream did not stop on cancel")
	}
}

func TestCosyVoiceSilentServerWithoutCallerDeadline(t *testing.T) {
	// The server never answers the run-task.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Read(r.Context())
		<-r.Context().Done()
	}))
	defer srv.Close()
	start := time.Now()
	err := (&tts.CosyVoice{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), StallTimeout: 300 * time.Millisecond}).Synthesize(context.Background(), "你好", newCollect().emit)
	if !errors.Is(err, speech.ErrUnavailable) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v, want ErrUnavailable after 300ms", err, time.Since(start))
	}
}
