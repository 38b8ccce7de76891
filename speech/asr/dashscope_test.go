package asr_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"xiaofu/speech"
	"xiaofu/speech/asr"
)

// fakeASR is a loopback DashScope real-time ASR server. It checks the
// run-task command field by field, counts the audio it is sent, and answers
// with a partial result per 300 ms of audio and a final sentence on
// finish-task. mode switches in the failure shapes.
type fakeASR struct {
	t       *testing.T
	mode    string // "", "fail-start", "fail-mid", "cut", "garbage", "slow-start", "no-end"
	mu      sync.Mutex
	audio   int // bytes received
	run     map[string]any
	auth    string
	batches int
}

func (f *fakeASR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.auth = r.Header.Get("Authorization")
	f.mu.Unlock()
	if f.mode == "401" {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":"InvalidApiKey","message":"Invalid API-key provided."}`))
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	send := func(taskID, event string, payload any, extra ...string) {
		h := map[string]any{"task_id": taskID, "event": event, "attributes": map[string]any{}}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		b, _ := json.Marshal(map[string]any{"header": h, "payload": payload})
		c.Write(ctx, websocket.MessageText, b)
	}
	result := func(taskID, text string, end bool) {
		send(taskID, "result-generated", map[string]any{"output": map[string]any{"sentence": map[string]any{
			"begin_time": 0, "end_time": nil, "text": text, "sentence_end": end, "heartbeat": false}}, "usage": nil})
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		return
	}
	var cmd struct {
		Header  map[string]string `json:"header"`
		Payload map[string]any    `json:"payload"`
	}
	if json.Unmarshal(b, &cmd) != nil {
		return
	}
	id := cmd.Header["task_id"]
	f.mu.Lock()
	f.run = map[string]any{"action": cmd.Header["action"], "streaming": cmd.Header["streaming"], "task_group": cmd.Payload["task_group"],
		"task": cmd.Payload["task"], "function": cmd.Payload["function"], "model": cmd.Payload["model"], "parameters": cmd.Payload["parameters"]}
	f.mu.Unlock()
	switch f.mode {
	case "fail-start":
		send(id, "task-failed", map[string]any{}, "error_code", "InvalidParameter", "error_message", "Model not found: paraformer-x")
		return
	case "slow-start":
		time.Sleep(3 * time.Second)
	}
	send(id, "task-started", map[string]any{})
	words := []string{"我想", "我想办理", "我想办理营业执照"}
	sent := 0
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			f.mu.Lock()
			f.audio += len(b)
			f.batches++
			n := f.audio / 9600 // a partial per 300 ms
			f.mu.Unlock()
			for sent < n && sent < len(words) {
				result(id, words[sent], false)
				sent++
				switch {
				case f.mode == "fail-mid" && sent == 2:
					send(id, "task-failed", map[string]any{}, "error_code", "Throttling.AllocationQuota", "error_message", "Allocated quota exceeded")
					return
				case f.mode == "cut" && sent == 2:
					c.CloseNow()
					return
				case f.mode == "garbage" && sent == 2:
					c.Write(ctx, websocket.MessageText, []byte("<html>502 Bad Gateway</html>"))
				}
			}
			continue
		}
		if !strings.Contains(string(b), `"finish-task"`) {
			continue
		}
		if f.mode != "no-end" {
			result(id, "我想办理营业执照。", true)
		} else {
			result(id, "我想办理营业执", false)
		}
		send(id, "task-finished", map[string]any{"output": map[string]any{}})
		c.Close(websocket.StatusNormalClosure, "")
		return
	}
}

func startASR(t *testing.T, mode string) (*fakeASR, string) {
	f := &fakeASR{t: t, mode: mode}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestDashScopeLivePartialText(t *testing.T) {
	f, url := startASR(t, "")
	var partials []string
	d := &asr.DashScope{URL: url, APIKey: "sk-ds", Model: "paraformer-realtime-v2"}
	src := speech.NewPCMSource(speech.Chunk{PCM: speech.Tone(speech.Capture, 220, 1200*time.Millisecond, 0.3), Format: speech.Capture})
	frames, _ := src.Frames(context.Background())
	text, err := d.Stream(context.Background(), frames, func(text string) { partials = append(partials, text) })
	if err != nil {
		t.Fatal(err)
	}
	if text != "我想办理营业执照。" {
		t.Errorf("text %q", text)
	}
	want := []string{"我想", "我想办理", "我想办理营业执照", "我想办理营业执照。"}
	if fmt.Sprint(partials) != fmt.Sprint(want) {
		t.Errorf("partials %q, want %q", partials, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.audio != 1200*32 {
		t.Errorf("server got %d bytes of PCM, want %d (1.2 s at 16 kHz 16-bit)", f.audio, 1200*32)
	}
	if f.batches != 12 {
		t.Errorf("audio went in %d messages, want 12 of 100 ms", f.batches)
	}
	if f.auth != "bearer sk-ds" {
		t.Errorf("authorization %q", f.auth)
	}
	params, _ := json.Marshal(f.run["parameters"])
	if f.run["action"] != "run-task" || f.run["streaming"] != "duplex" || f.run["task_group"] != "audio" || f.run["task"] != "asr" ||
		f.run["function"] != "recognition" || f.run["model"] != "paraformer-realtime-v2" || string(params) != `{"format":"pcm","sample_rate":16000}` {
		t.Errorf("run-task %v params %s", f.run, params)
	}
}

func TestDashScopeTranscribeUtterance(t *testing.T) {
	_, url := startASR(t, "no-end")
	text, err := (&asr.DashScope{URL: url}).Transcribe(context.Background(), voiced(time.Second))
	if err != nil || text != "我想办理营业执" {
		t.Fatalf("Transcribe = %q, %v; an unfinished last sentence still counts", text, err)
	}
}

func TestDashScopeFailures(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want error
		msg  string
	}{
		{"401", speech.ErrAuth, "401"},
		{"fail-start", speech.ErrRejected, "Model not found"},
		{"fail-mid", speech.ErrRateLimited, "Allocated quota exceeded"},
		{"cut", speech.ErrUnavailable, "recognize"},
		{"garbage", speech.ErrBadResponse, "502 Bad Gateway"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			_, url := startASR(t, tc.mode)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := (&asr.DashScope{URL: url, APIKey: "sk-secret"}).Transcribe(ctx, voiced(2*time.Second))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v with %q", err, tc.want, tc.msg)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("key leaked: %v", err)
			}
		})
	}
	t.Run("slow start, caller's deadline", func(t *testing.T) {
		_, url := startASR(t, "slow-start")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := (&asr.DashScope{URL: url}).Transcribe(ctx, voiced(time.Second))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline", err)
		}
	})
}

func TestDashScopeSilentServerWithoutCallerDeadline(t *testing.T) {
	_, url := startASR(t, "slow-start")
	start := time.Now()
	_, err := (&asr.DashScope{URL: url, StallTimeout: 300 * time.Millisecond}).Transcribe(context.Background(), voiced(time.Second))
	if !errors.Is(err, speech.ErrUnavailable) || !strings.Contains(err.Error(), "nothing from the server") || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v, want ErrUnavailable after 300ms", err, time.Since(start))
	}
}
