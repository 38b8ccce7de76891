package speech

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors of the remote speech clients, for the tier logic in app:
// check them with errors.Is.
var (
	// ErrAuth: the endpoint refused the key (401/403, InvalidApiKey).
	ErrAuth = errors.New("speech endpoint refused the credentials")
	// ErrRateLimited: the endpoint asked to slow down (429, Throttling).
	ErrRateLimited = errors.New("speech endpoint rate limit")
	// ErrUnavailable: the endpoint is down, unreachable, failed (5xx) or cut
	// the stream; the offline path should take over.
	ErrUnavailable = errors.New("speech endpoint unavailable")
	// ErrBadResponse: the endpoint answered something that is not the
	// protocol (HTML, malformed JSON, audio that is not audio).
	ErrBadResponse = errors.New("speech endpoint sent a malformed response")
	// ErrRejected: the endpoint refused the request itself (400, 404,
	// InvalidParameter): a configuration fault, e.g. a wrong model name.
	ErrRejected = errors.New("speech endpoint rejected the request")
	// ErrNoSpeech: the utterance is empty or silent, so it was not sent.
	ErrNoSpeech = errors.New("no speech in the utterance")
)

// RemoteError is an error status from a speech endpoint with the message it
// gave. It unwraps to the sentinel for its status.
type RemoteError struct {
	Status  int    // HTTP status, 0 for a WebSocket task-failed event
	Code    string // provider's error code ("invalid_api_key", "Throttling.AllocationQuota")
	Message string // provider's message, trimmed; never contains the key
}

// Error says the status, the provider's code and its message.
func (e *RemoteError) Error() string {
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "status %d", e.Status)
	}
	if e.Code != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap maps the status or code to a sentinel.
func (e *RemoteError) Unwrap() error {
	code := strings.ToLower(e.Code)
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden ||
		strings.Contains(code, "apikey") || strings.Contains(code, "api_key") || strings.Contains(code, "unauthorized") || strings.Contains(code, "accessdenied"):
		return ErrAuth
	case e.Status == http.StatusTooManyRequests || strings.Contains(code, "throttl") || strings.Contains(code, "ratelimit") || strings.Contains(code, "rate_limit"):
		return ErrRateLimited
	case e.Status >= 500 || e.Status == 0 && !strings.Contains(code, "invalid"):
		return ErrUnavailable
	}
	return ErrRejected
}

// HTTPError reads an error response of an OpenAI-compatible endpoint:
// {"error":{"message","type","code"}}, whisper.cpp's {"error":"..."}, or
// anything else (an HTML page from a proxy), trimmed.
func HTTPError(resp *http.Response, body []byte) error {
	e := &RemoteError{Status: resp.StatusCode}
	var nested struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		} `json:"error"`
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	var flat struct {
		Error string `json:"error"`
	}
	switch {
	case json.Unmarshal(body, &nested) == nil && (nested.Error.Message != "" || nested.Error.Type != ""):
		e.Message = nested.Error.Message
		e.Code = nested.Error.Type
		if c, ok := nested.Error.Code.(string); ok && c != "" {
			e.Code = c
		}
	case json.Unmarshal(body, &flat) == nil && flat.Error != "":
		e.Message = flat.Error
	case json.Unmarshal(body, &nested) == nil && nested.Message != "":
		e.Message, e.Code = nested.Message, nested.Code // DashScope's native shape
	default:
		e.Message = strings.TrimSpace(string(body))
	}
	if r := []rune(e.Message); len(r) > 200 {
		e.Message = string(r[:200]) + "…"
	}
	return e
}
