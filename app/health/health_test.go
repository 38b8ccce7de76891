package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fakeProber struct {
	mu    sync.Mutex
	err   error
	calls int
}

func (p *fakeProber) Probe(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return p.err
}

func (p *fakeProber) set(err error) { p.mu.Lock(); p.err = err; p.mu.Unlock() }

func newTestMonitor() (*Monitor, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	m := NewMonitor()
	m.Now = clk.Now
	m.Interval = 30 * time.Second
	m.MinBackoff = time.Second
	m.MaxBackoff = 8 * time.Second
	return m, clk
}

func TestTurnFailureTripsTierAtOnceAndProbeRecovers(t *testing.T) {
	m, clk := newTestMonitor()
	p := &fakeProber{}
	b := m.Add(LLM, p)
	var tiers []string
	m.Subscribe(func(s Snapshot) { tiers = append(tiers, s.Tier) })

	if m.Tier() != TierOnline || !b.Allow() {
		t.Fatal("a fresh endpoint should be usable")
	}
	b.Failure(errors.New("chat: stream cut"))
	if m.Tier() != TierOffline || b.Allow() {
		t.Fatalf("after a failure in a turn: tier %s allow %v", m.Tier(), b.Allow())
	}
	if got := m.Snapshot().Endpoints[0].LastError; got != "chat: stream cut" {
		t.Errorf("last error %q", got)
	}

	// Still down at the first probe: backoff doubles.
	p.set(errors.New("probe: connect failed"))
	clk.Add(time.Second)
	m.probeDue(context.Background())
	if m.Tier() != TierOffline {
		t.Fatal("recovered although the probe failed")
	}
	if next := m.Snapshot().Endpoints[0].NextProbe.Sub(clk.Now()); next != 2*time.Second {
		t.Errorf("backoff after two failures = %s, want 2s", next)
	}
	// Not due yet: no probe.
	calls := p.calls
	clk.Add(time.Second)
	m.probeDue(context.Background())
	if p.calls != calls {
		t.Error("probed before the backoff passed")
	}
	// Back up: the probe closes the breaker without any restart.
	p.set(nil)
	clk.Add(time.Second)
	m.probeDue(context.Background())
	if m.Tier() != TierOnline || !b.Allow() {
		t.Fatal("did not recover after a good probe")
	}
	if len(tiers) != 2 || tiers[0] != TierOffline || tiers[1] != TierOnline {
		t.Errorf("subscriber saw %v, want [offline online]", tiers)
	}
}

func TestBackoffIsCapped(t *testing.T) {
	m, clk := newTestMonitor()
	b := m.Add(TTS, nil)
	for range 10 {
		b.Failure(errors.New("x"))
	}
	if d := m.Snapshot().Endpoints[0].NextProbe.Sub(clk.Now()); d != 8*time.Second {
		t.Errorf("backoff %s, want the 8s cap", d)
	}
}

func TestHalfOpenTrialWithoutProber(t *testing.T) {
	m, clk := newTestMonitor()
	b := m.Add(TTS, nil)
	b.Failure(errors.New("tts down"))
	if b.Allow() {
		t.Fatal("allowed while open")
	}
	clk.Add(time.Second)
	if !b.Allow() || b.State() != HalfOpen {
		t.Fatal("no trial after the backoff")
	}
	if b.Allow() {
		t.Fatal("a second concurrent trial was allowed")
	}
	// The trial's turn was interrupted and never reported: a later trial
	// must still be possible.
	clk.Add(2 * time.Second)
	if !b.Allow() {
		t.Fatal("recovery blocked by an unreported trial")
	}
	b.Success()
	if b.State() != Closed || m.Snapshot().Up(TTS) != true {
		t.Fatal("trial success did not close")
	}
}

func TestNoLLMConfiguredIsOffline(t *testing.T) {
	m, _ := newTestMonitor()
	m.Add(ASR, nil)
	if m.Tier() != TierOffline {
		t.Error("tier online without an LLM")
	}
	if m.Breaker(LLM) != nil {
		t.Error("breaker for an endpoint never added")
	}
}

func TestStartProbesInBackground(t *testing.T) {
	m := NewMonitor()
	m.MinBackoff = 10 * time.Millisecond
	p := &fakeProber{err: errors.New("down")}
	b := m.Add(ASR, p)
	m.Start()
	defer m.Close()
	deadline := time.Now().Add(2 * time.Second)
	for b.State() != Open && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.State() != Open {
		t.Fatal("background probe never ran")
	}
	p.set(nil)
	for b.State() != Closed && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.State() != Closed {
		t.Fatal("background probe never recovered the endpoint")
	}
}

func TestHTTPProbe(t *testing.T) {
	status := http.StatusMethodNotAllowed
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	p := HTTPProbe{URL: srv.URL + "/inference", Key: "sk-secret-value-123"}
	if err := p.Probe(context.Background()); err != nil {
		t.Fatalf("405 from a POST-only URL is up: %v", err)
	}
	for _, s := range []int{401, 503} {
		status = s
		if err := p.Probe(context.Background()); err == nil || strings.Contains(err.Error(), "sk-secret") {
			t.Errorf("status %d: %v", s, err)
		}
	}
	srv.Close()
	if err := p.Probe(context.Background()); err == nil {
		t.Error("closed server probed up")
	}
}

type rateLimited struct{ d time.Duration }

func (r rateLimited) Error() string                  { return "http 429" }
func (r rateLimited) RetryAfterDelay() time.Duration { return r.d }

func TestRetryAfterHoldsTheBreakerOpen(t *testing.T) {
	m, clk := newTestMonitor()
	b := m.Add(LLM, nil)
	b.Failure(fmt.Errorf("chat: %w", rateLimited{20 * time.Second}))
	clk.Add(10 * time.Second)
	if b.Allow() {
		t.Fatal("trial allowed before the server's Retry-After")
	}
	clk.Add(10 * time.Second)
	if !b.Allow() {
		t.Fatal("no trial after Retry-After passed")
	}
}
