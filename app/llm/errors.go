package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors a caller checks with errors.Is to choose what the visitor
// gets. Every error the client returns wraps exactly one of them.
var (
	// ErrUnauthorized: the endpoint refused the key (HTTP 401 or 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRateLimited: HTTP 429; APIError.RetryAfter says how long to wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: HTTP 5xx, or an error event inside the stream.
	ErrServer = errors.New("server error")
	// ErrRequest: any other 4xx, e.g. an unknown model or a bad parameter.
	ErrRequest = errors.New("request rejected")
	// ErrMalformed: the body was not the Chat Completions format (bad SSE
	// framing, bad JSON, HTML from a proxy on a 200).
	ErrMalformed = errors.New("malformed response")
	// ErrConnect: no response headers within Config.ConnectTimeout, or the
	// connection could not be made.
	ErrConnect = errors.New("connect failed")
	// ErrIdle: no bytes arrived within Config.IdleTimeout while waiting for
	// the first or the next chunk.
	ErrIdle = errors.New("stream idle")
	// ErrCut: the stream ended before the answer was finished (no
	// finish_reason and no [DONE]).
	ErrCut = errors.New("stream cut")
)

// APIError is an error response from the endpoint, decoded from whichever of
// the documented shapes it used. Message is already cleaned of secrets.
type APIError struct {
	Status     int           // HTTP status; 0 for an error event inside a stream
	Code       string        // "invalid_api_key", "InvalidApiKey", "Throttling" ...
	Type       string        // OpenAI's error type, if given
	Message    string        // short, one line, secrets removed
	RequestID  string        // DashScope's request_id, useful to the provider's support
	RetryAfter time.Duration // from the Retry-After header on 429/503; 0 when absent
	kind       error
}

// Error reads like "http 429 rate_limit_exceeded: too many requests (retry after 2s)".
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "http %d", e.Status)
	} else {
		b.WriteString("error event")
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// RetryAfterDelay is how long the endpoint asked to be left alone (0 when
// it did not say); the health breaker waits at least this long.
func (e *APIError) RetryAfterDelay() time.Duration { return e.RetryAfter }

// Unwrap gives the sentinel for the status so errors.Is works.
func (e *APIError) Unwrap() error { return e.kind }

func kindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 || status == 0:
		return ErrServer
	default:
		return ErrRequest
	}
}

// errorBody covers the shapes seen in the wild:
//
//	OpenAI, vLLM, DashScope compatible mode: {"error":{"message","type","code","param"},"request_id"?}
//	DashScope native:                        {"code","message","request_id"}
//	llama.cpp:                               {"error":{"code":500,"message","type"}}
//	Ollama:                                  {"error":"message"}
type errorBody struct {
	Error     json.RawMessage `json:"error"`
	Code      json.RawMessage `json:"code"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// rawString turns a JSON string or number into text; null and absent give "".
func rawString(r json.RawMessage) string {
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return strings.Trim(string(r), `"`)
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
var tagRe = regexp.MustCompile(`(?s)<[^>]*>`)

// decodeError builds an APIError from a status and a body of any shape.
// secrets are removed from whatever text is kept.
func decodeError(status int, header http.Header, body []byte, secrets []string) *APIError {
	e := &APIError{Status: status, kind: kindForStatus(status)}
	if header != nil {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
		if e.RequestID == "" {
			e.RequestID = header.Get("X-Request-Id")
		}
	}
	trimmed := strings.TrimSpace(string(body))
	var eb errorBody
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal([]byte(trimmed), &eb) == nil {
		if eb.RequestID != "" {
			e.RequestID = eb.RequestID
		}
		var obj errorObject
		switch {
		case len(eb.Error) > 0 && eb.Error[0] == '{' && json.Unmarshal(eb.Error, &obj) == nil:
			e.Message, e.Type, e.Code = obj.Message, obj.Type, rawString(obj.Code)
		case len(eb.Error) > 0 && eb.Error[0] == '"':
			e.Message = rawString(eb.Error)
		default:
			e.Message, e.Code = eb.Message, rawString(eb.Code)
		}
		if e.Message == "" && e.Code == "" {
			e.Message = "unrecognised error body: " + trimmed
		}
	} else if lower := strings.ToLower(trimmed); strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype") {
		// A reverse proxy or captive portal answered instead of the model.
		title := ""
		if m := titleRe.FindStringSubmatch(trimmed); m != nil {
			title = strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(m[1], "")))
		}
		e.Message = "html page instead of an API response"
		if title != "" {
			e.Message += " (" + title + ")"
		}
	} else {
		e.Message = trimmed
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Message = clean(e.Message, secrets)
	e.Code = clean(e.Code, secrets)
	return e
}

// keyLike matches things that look like bearer tokens so that an endpoint
// echoing a key back ("Incorrect API key provided: sk-...") never puts it in
// a log or on screen.
var keyLike = regexp.MustCompile(`(?i)\b(sk|key|token)-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+`)

// clean makes one short line of s with every secret removed.
func clean(s string, secrets []string) string {
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "***")
		}
	}
	s = keyLike.ReplaceAllString(s, "***")
	s = strings.Join(strings.Fields(s), " ")
	const max = 200
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return s
}

// parseRetryAfter reads either delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}
