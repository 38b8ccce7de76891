package request

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIError is an error answer from the hall's server, decoded from its
// {"error": {...}} body.
type APIError struct {
	Status  int    // HTTP status
	Code    string // one of the Code* constants
	Message string // the server's explanation (not for visitors)
	Field   string // for CodeInvalid
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("hall api: %d %s", e.Status, e.Code)
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Temporary reports whether trying again later may succeed: server
// trouble and rate limiting are temporary, a refused request is not.
func (e *APIError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout ||
		e.Code == codeBadResponse
}

// codeBadResponse marks a success status whose body could not be read: not
// an acknowledgement, so it is retried.
const codeBadResponse = "bad_response"

// ErrUnreachable wraps transport failures (refused connection, timeout, DNS):
// the request may or may not have arrived, so only idempotent retries are safe.
var ErrUnreachable = errors.New("hall api: server unreachable")

// IsCode reports whether err is an APIError with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// Retryable reports whether err may go away on a later attempt.
func Retryable(err error) bool {
	if errors.Is(err, ErrUnreachable) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	return false
}

// Client talks to the hall's request API. All methods are safe for
// concurrent use. Submit is retried on temporary failures because the
// idempotency key makes a repeat harmless; the read and reminder calls are
// retried too, the rating is not (a second rating is refused anyway).
type Client struct {
	BaseURL  string       // e.g. http://127.0.0.1:8790
	HTTP     *http.Client // nil: a client with a 10 s timeout
	Attempts int          // tries per call; 0 means 3
	Backoff  time.Duration
	// Sleep waits between attempts; tests replace it to run without delay.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client for the server at baseURL.
func NewClient(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}, Attempts: 3, Backoff: 300 * time.Millisecond}
}

// Submit sends a submission under an idempotency key and returns its ticket.
// The same key always yields the same ticket.
func (c *Client) Submit(ctx context.Context, key string, s Submission) (Ticket, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return Ticket{}, fmt.Errorf("submit: encode: %w", err)
	}
	return c.SubmitRaw(ctx, key, body)
}

// SubmitRaw sends an already encoded submission (as stored in the outbox)
// so a retry sends byte-for-byte what was committed.
func (c *Client) SubmitRaw(ctx context.Context, key string, body []byte) (Ticket, error) {
	if key == "" {
		return Ticket{}, errors.New("submit: empty idempotency key")
	}
	var t Ticket
	err := c.do(ctx, http.MethodPost, "/api/requests", nil, body, map[string]string{"Idempotency-Key": key}, &t, true)
	if err != nil {
		return Ticket{}, fmt.Errorf("submit: %w", err)
	}
	return t, nil
}

// Status looks a ticket up with the last four digits of the contact phone.
func (c *Client) Status(ctx context.Context, ticket, phone4 string) (Ticket, error) {
	var t Ticket
	q := url.Values{"phone4": {phone4}}
	if err := c.do(ctx, http.MethodGet, "/api/requests/"+url.PathEscape(ticket), q, nil, nil, &t, true); err != nil {
		return Ticket{}, fmt.Errorf("status: %w", err)
	}
	return t, nil
}

// Remind asks the hall to hurry an overdue ticket.
func (c *Client) Remind(ctx context.Context, ticket, phone4 string) (Ticket, error) {
	body, _ := json.Marshal(RemindBody{Phone4: phone4})
	var t Ticket
	if err := c.do(ctx, http.MethodPost, "/api/requests/"+url.PathEscape(ticket)+"/remind", nil, body, nil, &t, true); err != nil {
		return Ticket{}, fmt.Errorf("remind: %w", err)
	}
	return t, nil
}

// Rate records the visitor's rating of a resolved ticket.
func (c *Client) Rate(ctx context.Context, ticket, phone4 string, score int, comment string) (Ticket, error) {
	body, _ := json.Marshal(RateBody{Phone4: phone4, Score: score, Comment: comment})
	var t Ticket
	if err := c.do(ctx, http.MethodPost, "/api/requests/"+url.PathEscape(ticket)+"/rate", nil, body, nil, &t, false); err != nil {
		return Ticket{}, fmt.Errorf("rate: %w", err)
	}
	return t, nil
}

// Health reports whether the server answers at all (GET /api/health).
func (c *Client) Health(ctx context.Context) error {
	if err := c.do(ctx, http.MethodGet, "/api/health", nil, nil, nil, nil, false); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, hdr map[string]string, out any, retry bool) error {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	if !retry {
		attempts = 1
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if serr := c.sleep(ctx, c.backoff(i)); serr != nil {
				return errors.Join(err, serr)
			}
		}
		err = c.once(ctx, method, path, q, body, hdr, out)
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (c *Client) backoff(attempt int) time.Duration {
	b := c.Backoff
	if b <= 0 {
		b = 300 * time.Millisecond
	}
	d := b << (attempt - 1)
	return d/2 + rand.N(d/2+1) // jitter so kiosks coming back online do not stampede
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) once(ctx context.Context, method, path string, q url.Values, body []byte, hdr map[string]string, out any) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: read body: %v", ErrUnreachable, err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode}
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error.Code != "" {
			ae.Code, ae.Message, ae.Field = eb.Error.Code, eb.Error.Message, eb.Error.Field
		} else {
			// A proxy's HTML page or an empty body: keep the status, say so.
			ae.Code = "http_" + fmt.Sprint(resp.StatusCode)
			ae.Message = "unexpected error body: " + snippet(data)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 2xx we cannot read is treated as not acknowledged.
		return &APIError{Status: resp.StatusCode, Code: codeBadResponse, Message: "decode: " + err.Error() + ": " + snippet(data)}
	}
	return nil
}

func snippet(b []byte) string {
	const n = 80
	s := strings.ToValidUTF8(string(b), "")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
