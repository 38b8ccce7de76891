package tts_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/tts"
)

// collect gathers emitted chunks.
type collect struct {
	chunks []speech.Chunk
	first  chan struct{}
}

func newCollect() *collect { return &collect{first: make(chan struct{})} }

func (c *collect) emit(ch speech.Chunk) error {
	if len(c.chunks) == 0 {
		close(c.first)
	}
	c.chunks = append(c.chunks, ch)
	return nil
}

func (c *collect) duration() time.Duration {
	var d time.Duration
	for _, ch := range c.chunks {
		d += ch.Duration()
	}
	return d
}

// streamingWAVHeader is what a streaming server sends first: a WAV header
// whose lengths say "unknown".
func streamingWAVHeader(rate int) []byte {
	h := speech.EncodeWAV(nil, speech.Format{SampleRate: rate, Channels: 1})
	binary.LittleEndian.PutUint32(h[4:], 0xFFFFFFFF)
	binary.LittleEndian.PutUint32(h[40:], 0xFFFFFFFF)
	return h
}

func TestOpenAISpeechPlaysWhileStreaming(t *testing.T) {
	release := make(chan struct{})
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		if r.Header.Get("Authorization") != "Bearer sk-t" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(streamingWAVHeader(24000))
		tone := speech.EncodePCM(nil, speech.Tone(speech.Format{SampleRate: 24000, Channels: 1}, 300, time.Second, 0.4))
		w.Write(tone[:9601]) // 200 ms and an odd byte
		w.(http.Flusher).Flush()
		<-release // the rest only once the client has played the first part
		w.Write(tone[9601:])
	}))
	defer srv.Close()
	c := newCollect()
	go func() {
		select {
		case <-c.first:
		case <-time.After(3 * time.Second):
		}
		close(release)
	}()
	o := &tts.OpenAI{URL: srv.URL + "/v1/audio/speech", APIKey: "sk-t", Model: "tts-1", Voice: "alloy"}
	if err := o.Synthesize(context.Background(), "您好，欢迎。", c.emit); err != nil {
		t.Fatal(err)
	}
	if got["model"] != "tts-1" || got["input"] != "您好，欢迎。" || got["voice"] != "alloy" || got["response_format"] != "wav" || len(got) != 4 {
		t.Errorf("request body %v", got)
	}
	if d := c.duration(); d < 990*time.Millisecond || d > time.Second {
		t.Errorf("played %v, want 1 s", d)
	}
	if len(c.chunks) < 2 || c.chunks[0].Format != (speech.Format{SampleRate: 24000, Channels: 1}) {
		t.Errorf("%d chunks, first %v: want audio before the stream ended, at 24 kHz", len(c.chunks), c.chunks[0].Format)
	}
}

func TestOpenAISpeechRawPCMAtConfiguredRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if body["response_format"] != "pcm" || body["sample_rate"] != 16000.0 {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"want pcm","type":"invalid_request_error"}}`)
			return
		}
		w.Header().Set("Content-Type", "audio/pcm")
		w.Write(speech.EncodePCM(nil, speech.Tone(speech.Capture, 300, 500*time.Millisecond, 0.4)))
	}))
	defer srv.Close()
	c := newCollect()
	err := (&tts.OpenAI{URL: srv.URL, Format: "pcm", PCMRate: 16000, RateField: "sample_rate"}).Synthesize(context.Background(), "好", c.emit)
	if err != nil {
		t.Fatal(err)
	}
	if c.chunks[0].Format.SampleRate != 16000 || c.duration() != 500*time.Millisecond {
		t.Errorf("got %v of %v", c.duration(), c.chunks[0].Format)
	}
}

func TestOpenAISpeechPCMThatIsReallyWAV(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/pcm")
		w.Write(speech.EncodeWAV(speech.Tone(speech.Format{SampleRate: 22050, Channels: 1}, 300, 500*time.Millisecond, 0.3), speech.Format{SampleRate: 22050, Channels: 1}))
	}))
	defer srv.Close()
	c := newCollect()
	if err := (&tts.OpenAI{URL: srv.URL, Format: "pcm", PCMRate: 16000}).Synthesize(context.Background(), "好", c.emit); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ch := range c.chunks {
		n += len(ch.PCM)
	}
	if c.chunks[0].Format.SampleRate != 22050 || n != 11025 {
		t.Errorf("got %v at %v: the WAV header's rate should win over the configured one", c.duration(), c.chunks[0].Format)
	}
}

func TestOpenAISpeechErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
		heard   bool // some audio was emitted before the error
	}{
		{"401", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
		}, speech.ErrAuth, false},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
		}, speech.ErrRateLimited, false},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"message":"internal error","type":"server_error"}}`)
		}, speech.ErrUnavailable, false},
		{"json with 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"error":{"message":"quota"}}`)
		}, speech.ErrBadResponse, false},
		{"garbage audio", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/wav")
			io.WriteString(w, "ID3\x04 this is an mp3, not a wav")
		}, speech.ErrBadWAV, false},
		{"empty body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/wav")
		}, speech.ErrBadResponse, false},
		{"cut mid-stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/wav")
			w.Header().Set("Content-Length", "200000")
			w.Write(streamingWAVHeader(16000))
			w.Write(speech.EncodePCM(nil, speech.Tone(speech.Capture, 300, 300*time.Millisecond, 0.4)))
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, speech.ErrUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := newCollect()
			err := (&tts.OpenAI{URL: srv.URL, APIKey: "sk-secret"}).Synthesize(context.Background(), "你好", c.emit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("key leaked: %v", err)
			}
			if heard := len(c.chunks) > 0; heard != tc.heard {
				t.Errorf("emitted %v of audio before the error; want some: %v", c.duration(), tc.heard)
			}
		})
	}
}

func TestOpenAISpeechSlowServerCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(streamingWAVHeader(16000))
		w.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := (&tts.OpenAI{URL: srv.URL}).Synthesize(ctx, "你好", newCollect().emit)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestOpenAISpeechStallWithoutCallerDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(streamingWAVHeader(16000))
		// Audio flows for a while: slower than the stall timeout overall,
		// but each piece within it.
		for i := 0; i < 4; i++ {
			w.Write(speech.EncodePCM(nil, speech.Tone(speech.Capture, 300, 100*time.Millisecond, 0.3)))
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
		}
		<-r.Context().Done() // then nothing more
	}))
	defer srv.Close()
	c := newCollect()
	start := time.Now()
	err := (&tts.OpenAI{URL: srv.URL, StallTimeout: 300 * time.Millisecond}).Synthesize(context.Background(), "你好", c.emit)
	if !errors.Is(err, speech.ErrUnavailable) || !strings.Contains(err.Error(), "nothing from the endpoint for 300ms") {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if d := c.duration(); d != 400*time.Millisecond {
		t.Errorf("played %v of what arrived before the stall, want 400ms", d)
	}
}
