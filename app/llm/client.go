// Package llm is the kiosk's client for OpenAI-compatible Chat Completions
// with SSE streaming and image content parts. It talks to Qwen on DashScope
// compatible mode, vLLM, Ollama, llama.cpp and LocalAI.
//
// It is hand-written rather than built on github.com/sashabaranov/go-openai
// (which go.mod already carries) because that library cannot put an extra
// top-level field such as DashScope's "enable_thinking" into a chat request
// (its ChatTemplateKwargs nests it, which only vLLM reads), has no timeout
// between chunks, and decodes only the OpenAI error shape, losing DashScope's
// {"code","message","request_id"}, Retry-After and proxy HTML. The wire format
// is small enough that a careful SSE reader is less code than the workarounds.
package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Config says where the model is and how patient to be with it. The zero
// timeouts take the defaults below.
type Config struct {
	// BaseURL is the API root, e.g. https://dashscope.aliyuncs.com/compatible-mode/v1,
	// http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama).
	// A URL already ending in /chat/completions is used as is.
	BaseURL string
	Model   string
	// APIKey is sent as a bearer token; never logged and removed from errors.
	APIKey string
	// EnableThinking, when set, is sent as the top-level "enable_thinking"
	// field. Qwen3 on DashScope needs false for a streamed, non-reasoning answer.
	EnableThinking *bool
	// Extra fields merged into the request body at the top level
	// (e.g. {"chat_template_kwargs":{"enable_thinking":false}} for vLLM).
	Extra map[string]any
	// ConnectTimeout bounds the wait for response headers (default 5 s).
	ConnectTimeout time.Duration
	// IdleTimeout bounds the wait for the first chunk and between chunks
	// (default 10 s).
	IdleTimeout time.Duration
	// MaxTokens caps the answer (default 400: a few spoken sentences).
	MaxTokens   int
	Temperature float64
	// HTTPClient is used if set; its Timeout should be zero because streams
	// are long-lived and bounded by the two timeouts above instead.
	HTTPClient *http.Client
}

// Default timeouts.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultIdleTimeout    = 10 * time.Second
	DefaultMaxTokens      = 400
)

// Message is one chat message. Images are data URLs ("data:image/jpeg;base64,...")
// or http(s) URLs; when present the content is sent as content parts.
type Message struct {
	Role   string
	Text   string
	Images []string
}

// Usage is the token count a server reports in its usage chunk.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Result is what a finished stream produced.
type Result struct {
	Text         string // the whole answer as received
	FinishReason string // "stop", "length", ...
	Usage        *Usage // nil when the server sent none
}

// Client streams chat completions. It is safe for concurrent use.
type Client struct {
	cfg     Config
	chatURL string
	rootURL string
	http    *http.Client
}

// New makes a client; it does not contact the endpoint.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("llm: no endpoint URL")
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("llm: endpoint URL must start with http:// or https://")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	c := &Client{cfg: cfg, http: cfg.HTTPClient}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if strings.HasSuffix(base, "/chat/completions") {
		c.chatURL = base
		c.rootURL = strings.TrimSuffix(base, "/chat/completions")
	} else {
		c.chatURL = base + "/chat/completions"
		c.rootURL = base
	}
	if c.http == nil {
		c.http = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   cfg.ConnectTimeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 0, // bounded by our own timer so the error says which stage
		}}
	}
	return c, nil
}

// Model is the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Endpoint is the chat URL, for status displays (it holds no secret).
func (c *Client) Endpoint() string { return c.chatURL }

type wireContentPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *wireImageURL `json:"image_url,omitempty"`
}

type wireImageURL struct {
	URL string `json:"url"`
}

type wireMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"` // string, or []wireContentPart with images
}

func (c *Client) body(msgs []Message) ([]byte, error) {
	wm := make([]wireMessage, 0, len(msgs))
	for _, m := range msgs {
		if len(m.Images) == 0 {
			wm = append(wm, wireMessage{Role: m.Role, Content: m.Text})
			continue
		}
		parts := make([]wireContentPart, 0, len(m.Images)+1)
		for _, u := range m.Images {
			parts = append(parts, wireContentPart{Type: "image_url", ImageURL: &wireImageURL{URL: u}})
		}
		if m.Text != "" {
			parts = append(parts, wireContentPart{Type: "text", Text: m.Text})
		}
		wm = append(wm, wireMessage{Role: m.Role, Content: parts})
	}
	body := map[string]any{}
	for k, v := range c.cfg.Extra {
		body[k] = v
	}
	body["model"] = c.cfg.Model
	body["messages"] = wm
	body["stream"] = true
	body["stream_options"] = map[string]any{"include_usage": true}
	body["max_tokens"] = c.cfg.MaxTokens
	if c.cfg.Temperature > 0 {
		body["temperature"] = c.cfg.Temperature
	}
	if c.cfg.EnableThinking != nil {
		body["enable_thinking"] = *c.cfg.EnableThinking
	}
	return json.Marshal(body)
}

// watchdog cancels a request with a cause when a deadline passes; each
// kick pushes the deadline out. It exists because http.Client has no notion
// of "time since the last byte".
type watchdog struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel context.CancelCauseFunc
}

func newWatchdog(d time.Duration, cause error, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{cancel: cancel}
	w.timer = time.AfterFunc(d, func() { cancel(cause) })
	return w
}

// rearm replaces the pending deadline with a new one and cause.
func (w *watchdog) rearm(d time.Duration, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	w.timer = time.AfterFunc(d, func() { w.cancel(cause) })
}

func (w *watchdog) kick(d time.Duration) {
	w.mu.Lock()
	w.timer.Reset(d)
	w.mu.Unlock()
}

func (w *watchdog) stop() {
	w.mu.Lock()
	w.timer.Stop()
	w.mu.Unlock()
}

// kickReader resets the idle watchdog on every read that returns bytes.
type kickReader struct {
	r    io.Reader
	w    *watchdog
	idle time.Duration
}

func (k *kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if n > 0 {
		k.w.kick(k.idle)
	}
	return n, err
}

type wireChunk struct {
	Choices []struct {
		Delta struct {
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Stream sends the messages and calls onDelta with each piece of answer
// text as it arrives, in order, from the calling goroutine. If onDelta
// returns an error the stream stops and that error is returned. The Result
// holds whatever text arrived even when an error is returned, so a caller
// can tell how far a cut stream got.
func (c *Client) Stream(ctx context.Context, msgs []Message, onDelta func(string) error) (Result, error) {
	var res Result
	payload, err := c.body(msgs)
	if err != nil {
		return res, fmt.Errorf("chat: encode request: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.chatURL, bytes.NewReader(payload))
	if err != nil {
		return res, fmt.Errorf("chat: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	errConnectTimeout := fmt.Errorf("%w: no response within %s", ErrConnect, c.cfg.ConnectTimeout)
	dog := newWatchdog(c.cfg.ConnectTimeout, errConnectTimeout, cancel)
	defer dog.stop()

	resp, err := c.http.Do(req)
	if err != nil {
		return res, c.wrapTransport(ctx, err, ErrConnect)
	}
	defer resp.Body.Close()
	errIdle := fmt.Errorf("%w: no data for %s", ErrIdle, c.cfg.IdleTimeout)
	dog.rearm(c.cfg.IdleTimeout, errIdle)

	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(&kickReader{resp.Body, dog, c.cfg.IdleTimeout}, 64<<10))
		return res, fmt.Errorf("chat: %w", decodeError(resp.StatusCode, resp.Header, body, c.secrets()))
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "text/html") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		e := decodeError(resp.StatusCode, resp.Header, body, c.secrets())
		e.kind = ErrMalformed
		return res, fmt.Errorf("chat: %w", e)
	}
	if strings.Contains(ct, "application/json") {
		// A server that ignored "stream": true, or an error sent with 200.
		body, _ := io.ReadAll(io.LimitReader(&kickReader{resp.Body, dog, c.cfg.IdleTimeout}, 1<<20))
		return c.nonStreamed(body, onDelta)
	}

	var text strings.Builder
	finished := false
	err = readSSE(&kickReader{resp.Body, dog, c.cfg.IdleTimeout}, func(data []byte) (bool, error) {
		if string(bytes.TrimSpace(data)) == "[DONE]" {
			finished = true
			return true, nil
		}
		var ch wireChunk
		if err := json.Unmarshal(data, &ch); err != nil {
			return false, fmt.Errorf("%w: chunk is not JSON: %s", ErrMalformed, clean(string(data), c.secrets()))
		}
		if len(ch.Error) > 0 && string(ch.Error) != "null" {
			e := decodeError(0, nil, data, c.secrets())
			return false, e
		}
		if ch.Usage != nil {
			res.Usage = ch.Usage
		}
		// The include_usage chunk has an empty choices list: nothing to say.
		for _, choice := range ch.Choices {
			if choice.Delta.Content != nil && *choice.Delta.Content != "" {
				text.WriteString(*choice.Delta.Content)
				res.Text = text.String()
				if err := onDelta(*choice.Delta.Content); err != nil {
					return false, err
				}
			}
			if choice.FinishReason != nil && *choice.FinishReason != "" {
				res.FinishReason = *choice.FinishReason
			}
		}
		return false, nil
	})
	res.Text = text.String()
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) || errors.Is(err, ErrMalformed) {
			return res, fmt.Errorf("chat: %w", err)
		}
		if ctx.Err() != nil {
			return res, c.wrapTransport(ctx, err, ErrCut)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err) {
			return res, fmt.Errorf("chat: %w after %d bytes of answer", ErrCut, len(res.Text))
		}
		return res, fmt.Errorf("chat: %w", err)
	}
	if !finished && res.FinishReason == "" {
		return res, fmt.Errorf("chat: %w: stream ended without finish_reason or [DONE] after %d bytes", ErrCut, len(res.Text))
	}
	return res, nil
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "unexpected EOF")
}

// wrapTransport names the stage a transport error happened in, preferring
// the watchdog's cause and keeping the caller's own cancellation as is.
func (c *Client) wrapTransport(ctx context.Context, err error, fallback error) error {
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(cause, ErrIdle) || errors.Is(cause, ErrConnect) {
			return fmt.Errorf("chat: %w", cause)
		}
		return fmt.Errorf("chat: %w", cause) // the caller cancelled: context.Canceled
	}
	return fmt.Errorf("chat: %w: %s", fallback, clean(err.Error(), c.secrets()))
}

func (c *Client) secrets() []string {
	if c.cfg.APIKey == "" {
		return nil
	}
	return []string{c.cfg.APIKey}
}

// nonStreamed handles a plain JSON body: a whole completion or an error.
func (c *Client) nonStreamed(body []byte, onDelta func(string) error) (Result, error) {
	var res Result
	var whole struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage *Usage          `json:"usage"`
		Error json.RawMessage `json:"error"`
		Code  json.RawMessage `json:"code"`
	}
	if err := json.Unmarshal(body, &whole); err != nil {
		return res, fmt.Errorf("chat: %w: body is not JSON: %s", ErrMalformed, clean(string(body), c.secrets()))
	}
	if len(whole.Choices) == 0 {
		if len(whole.Error) > 0 || len(whole.Code) > 0 {
			return res, fmt.Errorf("chat: %w", decodeError(0, nil, body, c.secrets()))
		}
		return res, fmt.Errorf("chat: %w: no choices in response", ErrMalformed)
	}
	res.Text, res.FinishReason, res.Usage = whole.Choices[0].Message.Content, whole.Choices[0].FinishReason, whole.Usage
	if res.Text != "" {
		if err := onDelta(res.Text); err != nil {
			return res, err
		}
	}
	return res, nil
}

// readSSE reads server-sent events and calls onData with the data of each
// event (multi-line data joined by "\n"). Comment lines (": keep-alive") and
// other fields are skipped. onData returns done=true to stop early.
func readSSE(r io.Reader, onData func(data []byte) (done bool, err error)) error {
	br := bufio.NewReaderSize(r, 16<<10)
	var data []byte
	hasData := false
	const maxEvent = 1 << 20
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it piecewise, bounded.
			buf := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) && len(buf) < maxEvent {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			if len(buf) >= maxEvent {
				return fmt.Errorf("%w: event longer than %d bytes", ErrMalformed, maxEvent)
			}
			line = buf
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		atEOF := errors.Is(err, io.EOF)
		trimmed := bytes.TrimRight(line, "\r\n")
		switch {
		case len(trimmed) == 0:
			if hasData {
				done, derr := onData(data)
				if derr != nil || done {
					return derr
				}
				data, hasData = data[:0], false
			}
		case trimmed[0] == ':':
			// comment / keep-alive
		default:
			field, value, _ := bytes.Cut(trimmed, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			if string(field) == "data" {
				if hasData {
					data = append(data, '\n')
				}
				data = append(data, value...)
				hasData = true
			}
		}
		if atEOF {
			if hasData && len(trimmed) > 0 {
				// The final event lacked its blank line. Deliver it only if
				// it parses; a half-sent chunk is a cut stream, not an answer.
				if json.Valid(data) || string(bytes.TrimSpace(data)) == "[DONE]" {
					done, derr := onData(data)
					if derr != nil || done {
						return derr
					}
				}
				return io.ErrUnexpectedEOF
			}
			return nil
		}
	}
}

// Probe makes the cheapest request that proves the endpoint is up and the
// key is accepted: GET {base}/models. Servers without /models (some
// llama.cpp builds answer 404) count as up, since they did answer.
func (c *Client) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.rootURL+"/models", nil)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("probe: %w: no response within %s", ErrConnect, c.cfg.ConnectTimeout)
		}
		return fmt.Errorf("probe: %w: %s", ErrConnect, clean(err.Error(), c.secrets()))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusOK, resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusMethodNotAllowed:
		return nil
	default:
		return fmt.Errorf("probe: %w", decodeError(resp.StatusCode, resp.Header, body, c.secrets()))
	}
}
