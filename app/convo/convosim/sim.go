// Package convosim measures a voice turn against simulated endpoints on
// loopback: real HTTP servers speaking the OpenAI-compatible wire formats
// (audio/transcriptions, chat/completions with SSE, audio/speech) with the
// latencies DESIGN.md budgets against. It drives the real answer engine,
// LLM client, speech clients (speech/asr, speech/tts) and turn engine; only
// the remote models are simulated. Both the Go benchmark in app/convo and
// `xiaofu bench` use it.
package convosim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Latencies of the simulated endpoints.
type Latencies struct {
	ASR        time.Duration // request to transcript
	FirstToken time.Duration // chat request to first token
	TokenRate  float64       // tokens per second after the first
	TTSFirst   time.Duration // speech request to first audio byte
}

// Budgeted are the latencies DESIGN.md states its voice budgets for.
var Budgeted = Latencies{ASR: 300 * time.Millisecond, FirstToken: 400 * time.Millisecond, TokenRate: 30,
	TTSFirst: 200 * time.Millisecond}

// record is what the servers saw during one turn, on the shared clock.
type record struct {
	mu        sync.Mutex
	asrHold   time.Duration
	llmStart  time.Time
	tokenSent []time.Time
	ttsHold   time.Duration // of the first speech request of the turn
	ttsSeen   bool
}

func (r *record) reset() {
	r.mu.Lock()
	r.asrHold, r.llmStart, r.tokenSent, r.ttsHold, r.ttsSeen = 0, time.Time{}, nil, 0, false
	r.mu.Unlock()
}

// endpoints are the three simulated servers.
type endpoints struct {
	asr, llm, tts *httptest.Server
	lat           Latencies
	tokens        []string
	rec           record
	ttsRate       int // sample rate of the PCM the TTS returns
}

// tokenize splits an answer into tokens of one and two characters in turn,
// about what a Chinese tokenizer averages (~1.5 characters a token).
func tokenize(s string) []string {
	r := []rune(s)
	var out []string
	for i, n := 0, 1; i < len(r); n = 3 - n {
		end := min(i+n, len(r))
		out = append(out, string(r[i:end]))
		i = end
	}
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func startEndpoints(lat Latencies, answerText, transcript string) *endpoints {
	e := &endpoints{lat: lat, tokens: tokenize(answerText), ttsRate: 24000}
	e.asr = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"bad multipart","type":"invalid_request_error"}}`)
			return
		}
		if !sleepCtx(r.Context(), lat.ASR) {
			return
		}
		// Times are taken just before the bytes go out: the client may act
		// on them before this handler runs another line.
		e.rec.mu.Lock()
		e.rec.asrHold = time.Since(start)
		e.rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"text": transcript})
	}))
	e.llm = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		io.Copy(io.Discard, r.Body)
		e.rec.mu.Lock()
		e.rec.llmStart = start
		e.rec.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		interval := time.Duration(float64(time.Second) / lat.TokenRate)
		next := start.Add(lat.FirstToken)
		for _, tok := range e.tokens {
			if !sleepCtx(r.Context(), time.Until(next)) {
				return
			}
			c, _ := json.Marshal(tok)
			e.rec.mu.Lock()
			e.rec.tokenSent = append(e.rec.tokenSent, time.Now())
			e.rec.mu.Unlock()
			fmt.Fprintf(w, "data: {\"id\":\"chatcmpl-sim\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen-plus\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%s},\"finish_reason\":null}],\"usage\":null}\n\n", c)
			w.(http.Flusher).Flush()
			next = next.Add(interval)
		}
		io.WriteString(w, "data: {\"id\":\"chatcmpl-sim\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n")
		io.WriteString(w, "data: {\"id\":\"chatcmpl-sim\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":90,\"total_tokens\":590}}\n\ndata: [DONE]\n\n")
	}))
	e.tts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var req struct {
			Input          string `json:"input"`
			ResponseFormat string `json:"response_format"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Input == "" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"input required","type":"invalid_request_error"}}`)
			return
		}
		if !sleepCtx(r.Context(), lat.TTSFirst) {
			return
		}
		// 200 ms of audio per character, sent 40 ms at a time as fast as
		// the connection takes it, as cloud voices stream.
		samples := len([]rune(req.Input)) * e.ttsRate / 5
		chunk := make([]byte, e.ttsRate/25*2)
		w.Header().Set("Content-Type", "audio/pcm")
		e.rec.mu.Lock()
		if !e.rec.ttsSeen {
			e.rec.ttsSeen, e.rec.ttsHold = true, time.Since(start)
		}
		e.rec.mu.Unlock()
		for sent := 0; sent < samples; sent += len(chunk) / 2 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	return e
}

func (e *endpoints) close() {
	e.asr.Close()
	e.llm.Close()
	e.tts.Close()
}

// simulated is the part of a first-audio time that the endpoints spent: the
// recogniser's hold, the model's time up to the token that completed the
// first sentence, and the voice's time to its first byte.
func (e *endpoints) simulated(firstSentence time.Time) time.Duration {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	var last time.Time
	for _, t := range e.rec.tokenSent {
		if !t.After(firstSentence) {
			last = t
		}
	}
	llm := time.Duration(0)
	if !last.IsZero() {
		llm = last.Sub(e.rec.llmStart)
	}
	return e.rec.asrHold + llm + e.rec.ttsHold
}
