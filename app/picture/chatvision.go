package picture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ChatVision is a Vision that speaks OpenAI-compatible Chat Completions:
// Qwen-VL on DashScope compatible mode, vLLM, Ollama, llama.cpp. The picture
// goes as an image_url content part holding the data URL.
type ChatVision struct {
	BaseURL string // e.g. "https://dashscope.aliyuncs.com/compatible-mode/v1"
	APIKey  string // never logged
	Model   string // e.g. "qwen-vl-max"
	// Stream asks for an SSE stream and joins its deltas; some gateways time
	// out a long silent non-streamed request, a stream keeps bytes flowing.
	Stream bool
	// Extra is merged into the top level of each request body, e.g.
	// {"enable_thinking": false} for Qwen on DashScope.
	Extra map[string]any
	// MaxTokens bounds the reply (default 1024; a licence needs ~400).
	MaxTokens int
	// Timeout bounds the whole call (default 60 s).
	Timeout time.Duration
	// HTTPClient is used when set (tests, proxies).
	HTTPClient *http.Client
}

// Describe implements Vision.
func (c *ChatVision) Describe(ctx context.Context, system, prompt, imageDataURL string) (string, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cfg := openai.DefaultConfig(c.APIKey)
	cfg.BaseURL = strings.TrimRight(c.BaseURL, "/")
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	if len(c.Extra) > 0 {
		inner := hc.Transport
		if inner == nil {
			inner = http.DefaultTransport
		}
		hc = &http.Client{Transport: extraFields{next: inner, extra: c.Extra}, Timeout: hc.Timeout}
	}
	cfg.HTTPClient = hc
	client := openai.NewClientWithConfig(cfg)

	maxTokens := c.MaxTokens
	if maxTokens <= 0 {
		maxTokens = 1024
	}
	req := openai.ChatCompletionRequest{
		Model:     c.Model,
		MaxTokens: maxTokens,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: imageDataURL, Detail: openai.ImageURLDetailHigh}},
				{Type: openai.ChatMessagePartTypeText, Text: prompt},
			}},
		},
	}
	if !c.Stream {
		resp, err := client.CreateChatCompletion(ctx, req)
		if err != nil {
			return "", fmt.Errorf("vision: %w", err)
		}
		if len(resp.Choices) == 0 {
			return "", fmt.Errorf("vision: no choices: %w", ErrBadReply)
		}
		return resp.Choices[0].Message.Content, nil
	}

	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", fmt.Errorf("vision: %w", err)
	}
	defer stream.Close()
	var b strings.Builder
	finished := false
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("vision: stream: %w", err)
		}
		// The usage-only last chunk has no choices.
		for _, ch := range chunk.Choices {
			b.WriteString(ch.Delta.Content)
			if ch.FinishReason != "" {
				finished = true
			}
		}
		if b.Len() > maxReply {
			return "", fmt.Errorf("vision: reply over %d bytes: %w", maxReply, ErrBadReply)
		}
	}
	if !finished {
		return "", fmt.Errorf("vision: stream ended without finish_reason: %w", ErrBadReply)
	}
	return b.String(), nil
}

// extraFields adds vendor parameters (enable_thinking) that the client
// library has no field for to the top level of each JSON request body.
type extraFields struct {
	next  http.RoundTripper
	extra map[string]any
}

func (t extraFields) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Method != http.MethodPost {
		return t.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("vision: read request: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err == nil {
		for k, v := range t.extra {
			if raw, err := json.Marshal(v); err == nil {
				m[k] = raw
			}
		}
		if nb, err := json.Marshal(m); err == nil {
			body = nb
		}
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(r2)
}
