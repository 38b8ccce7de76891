package health

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// HTTPProbe is a Prober for an endpoint with no cheaper call of its own (a
// transcription or speech URL): a GET that any HTTP answer but 401/403 and
// 5xx counts as up. A 405 "method not allowed" from a POST-only URL is a
// live server.
type HTTPProbe struct {
	URL    string
	Key    string // sent as a bearer token; never in errors
	Client *http.Client
}

// Probe implements Prober.
func (p HTTPProbe) Probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if p.Key != "" {
		req.Header.Set("Authorization", "Bearer "+p.Key)
	}
	c := p.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		msg := err.Error()
		if p.Key != "" {
			msg = strings.ReplaceAll(msg, p.Key, "***")
		}
		return fmt.Errorf("probe: %s", msg)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("probe: http %d: key refused", resp.StatusCode)
	case resp.StatusCode >= 500:
		return fmt.Errorf("probe: http %d", resp.StatusCode)
	}
	return nil
}
