// Package asr holds the speech recognisers the kiosk calls: an
// OpenAI-compatible transcription endpoint (OpenAI, whisper.cpp's server,
// vLLM, LocalAI ...) for whole utterances, and DashScope's real-time
// recogniser over WebSocket for live partial text.
package asr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"xiaofu/speech"
)

// Transcriber is what both recognisers offer for a finished utterance.
type Transcriber interface {
	Transcribe(ctx context.Context, u speech.Utterance) (string, error)
}

// Recognizer is both recognisers in the shape app/convo consumes.
type Recognizer interface {
	Recognize(ctx context.Context, u speech.Utterance, partial func(text string)) (string, error)
}

var (
	_ Transcriber = (*OpenAI)(nil)
	_ Transcriber = (*DashScope)(nil)
	_ Recognizer  = (*OpenAI)(nil)
	_ Recognizer  = (*DashScope)(nil)
)

// minSpeech is the shortest utterance worth sending, and silentPeak the
// level under which it holds nothing a recogniser could hear.
const (
	minSpeech  = 100 * time.Millisecond
	silentPeak = 0.003 // about -50 dBFS
)

// CheckUtterance returns ErrNoSpeech for an utterance that is empty, too
// short or silent, so that no request is spent on it.
func CheckUtterance(u speech.Utterance) error {
	if u.Duration() < minSpeech {
		return fmt.Errorf("transcribe: %w: %v of audio", speech.ErrNoSpeech, u.Duration())
	}
	if p := speech.Peak(u.PCM); p < silentPeak {
		return fmt.Errorf("transcribe: %w: peak %.0f dBFS", speech.ErrNoSpeech, speech.DBFS(p))
	}
	return nil
}

// OpenAI calls an OpenAI-compatible transcription endpoint: a multipart
// POST with the utterance as a WAV file. URL is the full endpoint, e.g.
// https://api.openai.com/v1/audio/transcriptions or whisper.cpp's
// http://127.0.0.1:8080/inference.
type OpenAI struct {
	URL      string
	APIKey   string // sent as a Bearer token when set; never logged
	Model    string // e.g. "whisper-1"; whisper.cpp ignores it
	Language string // ISO code; "zh" when empty
	Prompt   string // optional vocabulary hint (department names ...)
	Client   *http.Client
	// Timeout bounds the whole request, so a hung endpoint cannot hang the
	// turn even when the caller set no deadline; 20 s when zero.
	Timeout time.Duration
}

// Recognize is Transcribe in the shape of the conversation's Recognizer;
// this endpoint gives no partial text, so partial is never called.
func (o *OpenAI) Recognize(ctx context.Context, u speech.Utterance, partial func(text string)) (string, error) {
	return o.Transcribe(ctx, u)
}

// Transcribe sends u and returns the recognised text.
func (o *OpenAI) Transcribe(ctx context.Context, u speech.Utterance) (string, error) {
	if err := CheckUtterance(u); err != nil {
		return "", err
	}
	body, ctype, err := o.form(u)
	if err != nil {
		return "", err
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, o.URL, body)
	if err != nil {
		return "", fmt.Errorf("transcribe: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", o.fault(ctx, rctx, timeout, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", o.fault(ctx, rctx, timeout, fmt.Errorf("reading the response: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("transcribe: %w", speech.HTTPError(resp, raw))
	}
	var out struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Text == nil {
		return "", fmt.Errorf("transcribe: %w: %q", speech.ErrBadResponse, snippet(raw))
	}
	return strings.TrimSpace(*out.Text), nil
}

// fault says why a request failed: the caller's context, the timeout, or
// the endpoint.
func (o *OpenAI) fault(ctx, rctx context.Context, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("transcribe: %w", ctx.Err())
	case rctx.Err() != nil:
		return fmt.Errorf("transcribe: %w: no answer within %v", speech.ErrUnavailable, timeout)
	}
	return fmt.Errorf("transcribe: %w: %v", speech.ErrUnavailable, err)
}

func (o *OpenAI) form(u speech.Utterance) (io.Reader, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	lang := o.Language
	if lang == "" {
		lang = "zh"
	}
	fields := [][2]string{{"model", o.Model}, {"language", lang}, {"response_format", "json"}, {"temperature", "0"}}
	if o.Prompt != "" {
		fields = append(fields, [2]string{"prompt", o.Prompt})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("transcribe: %w", err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="utterance.wav"`)
	h.Set("Content-Type", "audio/wav")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("transcribe: %w", err)
	}
	part.Write(speech.EncodeWAV(u.PCM, speech.Capture))
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("transcribe: %w", err)
	}
	return &buf, w.FormDataContentType(), nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
