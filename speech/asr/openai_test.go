package asr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/asr"
)

// voiced returns an utterance of d with something to hear in it.
func voiced(d time.Duration) speech.Utterance {
	return speech.Utterance{PCM: speech.Tone(speech.Capture, 220, d, 0.3)}
}

// transcriptionServer speaks the OpenAI transcription wire format: it checks
// the multipart form the way the real endpoint would and answers with reply.
func transcriptionServer(t *testing.T, reply func(w http.ResponseWriter, r *http.Request, audio time.Duration)) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"message":"bad form: %v","type":"invalid_request_error"}}`, err)
			return
		}
		f, hdr, err := r.FormFile("file")
		if err != nil || !strings.HasSuffix(hdr.Filename, ".wav") {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"message":"file with a .wav name required","type":"invalid_request_error"}}`)
			return
		}
		defer f.Close()
		pcm, format, err := speech.ReadWAV(f.(io.ReadSeeker))
		if err != nil || format != speech.Capture {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"message":"unreadable audio: %v %v","type":"invalid_request_error"}}`, err, format)
			return
		}
		if r.FormValue("language") != "zh" || r.FormValue("response_format") != "json" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"message":"want language=zh response_format=json","type":"invalid_request_error"}}`)
			return
		}
		reply(w, r, format.Duration(len(pcm)))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestOpenAITranscribes(t *testing.T) {
	srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, audio time.Duration) {
		if r.Header.Get("Authorization") != "Bearer sk-test" || r.FormValue("model") != "whisper-1" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		fmt.Fprintf(w, `{"text":" 营业执照怎么办理？（%d ms）"}`, audio.Milliseconds())
	})
	o := &asr.OpenAI{URL: srv.URL + "/v1/audio/transcriptions", APIKey: "sk-test", Model: "whisper-1"}
	got, err := o.Transcribe(context.Background(), voiced(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if got != "营业执照怎么办理？（1500 ms）" {
		t.Errorf("Transcribe = %q", got)
	}
}

func TestWhisperCppInferenceShape(t *testing.T) {
	srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
		if r.URL.Path != "/inference" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "{\"text\":\"\\n 社保怎么缴纳\\n\"}\n")
	})
	o := &asr.OpenAI{URL: srv.URL + "/inference"}
	got, err := o.Transcribe(context.Background(), voiced(time.Second))
	if err != nil || got != "社保怎么缴纳" {
		t.Fatalf("Transcribe = %q, %v", got, err)
	}
}

func TestOpenAIErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
		msg    string
	}{
		{"bad key", 401, `{"error":{"message":"Incorrect API key provided: sk-****","type":"invalid_request_error","code":"invalid_api_key"}}`, speech.ErrAuth, "Incorrect API key"},
		{"rate limit", 429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, speech.ErrRateLimited, "Rate limit reached"},
		{"server error", 500, `{"error":{"message":"The server had an error","type":"server_error"}}`, speech.ErrUnavailable, "server had an error"},
		{"whisper.cpp error", 500, `{"error":"failed to read WAV file"}`, speech.ErrUnavailable, "failed to read WAV"},
		{"proxy html", 502, `<html><body>Bad Gateway</body></html>`, speech.ErrUnavailable, "Bad Gateway"},
		{"garbage 200", 200, `<html>captive portal</html>`, speech.ErrBadResponse, "captive portal"},
		{"json without text", 200, `{"task":"transcribe"}`, speech.ErrBadResponse, "transcribe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := (&asr.OpenAI{URL: srv.URL, APIKey: "sk-secret-key"}).Transcribe(context.Background(), voiced(time.Second))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "transcribe: ") {
				t.Errorf("err %q should start with the stage and carry %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "sk-secret-key") {
				t.Errorf("the key leaked into the error: %v", err)
			}
		})
	}
}

func TestOpenAISlowAndCut(t *testing.T) {
	t.Run("slow server, caller's deadline", func(t *testing.T) {
		srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := (&asr.OpenAI{URL: srv.URL}).Transcribe(ctx, voiced(time.Second))
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
			t.Fatalf("err = %v after %v, want the deadline at 200ms", err, time.Since(start))
		}
	})
	t.Run("connection cut mid-response", func(t *testing.T) {
		srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			io.WriteString(w, `{"text":"营业`)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		})
		_, err := (&asr.OpenAI{URL: srv.URL}).Transcribe(context.Background(), voiced(time.Second))
		if !errors.Is(err, speech.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := (&asr.OpenAI{URL: url}).Transcribe(context.Background(), voiced(time.Second))
		if !errors.Is(err, speech.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestSilentUtteranceIsNotSent(t *testing.T) {
	srv, calls := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) { io.WriteString(w, `{"text":"?"}`) })
	o := &asr.OpenAI{URL: srv.URL}
	for name, u := range map[string]speech.Utterance{
		"empty":  {},
		"short":  voiced(40 * time.Millisecond),
		"silent": {PCM: make([]int16, 16000)},
	} {
		if _, err := o.Transcribe(context.Background(), u); !errors.Is(err, speech.ErrNoSpeech) {
			t.Errorf("%s: err = %v, want ErrNoSpeech", name, err)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests spent on silence", calls.Load())
	}
}

func TestOpenAIHungEndpointWithoutCallerDeadline(t *testing.T) {
	srv, _ := transcriptionServer(t, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	_, err := (&asr.OpenAI{URL: srv.URL, Timeout: 300 * time.Millisecond}).Transcribe(context.Background(), voiced(time.Second))
	if !errors.Is(err, speech.ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 300ms") || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v, want ErrUnavailable at 300ms", err, time.Since(start))
	}
}
