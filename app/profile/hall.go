package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"xiaofu/app/policy"
)

// Sentinel errors of the hall's enterprise-profile endpoint, checked with
// errors.Is; the questionnaire words each for the visitor.
var (
	// ErrNotFound: the hall holds no profile for this credit code.
	ErrNotFound = errors.New("enterprise profile not found")
	// ErrUnauthorized: the kiosk's token was refused.
	ErrUnauthorized = errors.New("enterprise profile endpoint refused the kiosk's token")
	// ErrUnavailable: the endpoint is down, slow or answered something that is
	// not the documented JSON; the visitor falls back to the questionnaire.
	ErrUnavailable = errors.New("enterprise profile endpoint unavailable")
)

// Enterprise is the hall's profile of one enterprise (docs/enterprise-profile-api.md).
type Enterprise struct {
	CreditCode string         `json:"credit_code"`
	Name       string         `json:"name"`
	Updated    string         `json:"updated,omitempty"`
	Profile    policy.Profile `json:"profile"`
}

// HallClient fetches enterprise profiles from the hall's server by credit
// code. BaseURL is e.g. "https://hall.example/api"; Token, when set, is sent
// as a bearer token. The zero HTTP uses a client with a 5 s timeout.
type HallClient struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Lookup returns the enterprise's profile. The code is checked first, so a
// mistyped code never leaves the kiosk; its *CodeError is returned as is.
func (c *HallClient) Lookup(ctx context.Context, creditCode string) (Enterprise, error) {
	cc, err := ParseCreditCode(creditCode)
	if err != nil {
		return Enterprise{}, err
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/v1/enterprises/" + url.PathEscape(cc.Code) + "/profile"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Enterprise{}, fmt.Errorf("enterprise profile: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Enterprise{}, fmt.Errorf("enterprise profile %s: %w: %v", RedactCreditCode(cc.Code), ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Enterprise{}, fmt.Errorf("enterprise profile: read: %w: %v", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		var ae apiError
		_ = json.Unmarshal(body, &ae)
		detail := ae.Error.Code
		if ae.Error.Message != "" {
			detail += ": " + ae.Error.Message
		}
		var sentinel error
		switch resp.StatusCode {
		case http.StatusNotFound:
			sentinel = ErrNotFound
		case http.StatusUnauthorized, http.StatusForbidden:
			sentinel = ErrUnauthorized
		default:
			sentinel = ErrUnavailable
		}
		return Enterprise{}, fmt.Errorf("enterprise profile %s: HTTP %d %s: %w", RedactCreditCode(cc.Code), resp.StatusCode, detail, sentinel)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return Enterprise{}, fmt.Errorf("enterprise profile: content type %q: %w", ct, ErrUnavailable)
	}
	var raw struct {
		CreditCode string          `json:"credit_code"`
		Name       string          `json:"name"`
		Updated    string          `json:"updated"`
		Profile    json.RawMessage `json:"profile"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Enterprise{}, fmt.Errorf("enterprise profile: decode: %w: %v", ErrUnavailable, err)
	}
	if raw.CreditCode != cc.Code {
		return Enterprise{}, fmt.Errorf("enterprise profile: answer is for another credit code: %w", ErrUnavailable)
	}
	p := policy.Profile{}
	if len(raw.Profile) > 0 && string(raw.Profile) != "null" {
		if p, err = policy.ParseProfile(raw.Profile); err != nil {
			return Enterprise{}, fmt.Errorf("enterprise profile: %w: %v", ErrUnavailable, err)
		}
	}
	return Enterprise{CreditCode: raw.CreditCode, Name: raw.Name, Updated: raw.Updated, Profile: p}, nil
}
