// Package health keeps track of which remote endpoints (LLM, ASR, TTS) are
// usable. Each endpoint has a circuit breaker: a failure inside a visitor's
// turn opens it at once, so the next turn goes straight to the offline tier
// instead of waiting on a dead server; a background probe with backoff closes
// it again when the endpoint answers, without restarting the kiosk.
package health

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Endpoint names the kiosk uses.
const (
	LLM = "llm"
	ASR = "asr"
	TTS = "tts"
)

// Tiers the screen and `xiaofu status` show: TierOnline when the LLM is up,
// TierOffline when it is down or not configured (answers then come from the
// offline copy of the knowledge base).
const (
	TierOnline  = "online"
	TierOffline = "offline"
)

// State is a breaker's state.
type State int

// Breaker states.
const (
	// Closed: the endpoint is believed up; calls go through.
	Closed State = iota
	// Open: the endpoint failed; calls are refused until a probe succeeds or
	// the backoff passes and a trial call is let through (HalfOpen).
	Open
	// HalfOpen: one trial call is in flight; its outcome closes or reopens.
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// Prober makes the cheapest request that proves an endpoint is up.
type Prober interface {
	Probe(ctx context.Context) error
}

// EndpointStatus is one endpoint as the status screen shows it.
type EndpointStatus struct {
	Name      string
	State     State
	LastError string // short, secrets already removed by the client
	Since     time.Time
	Failures  int       // consecutive failures
	NextProbe time.Time // when the next probe or trial call may run
}

// Snapshot is the health of every endpoint and the resulting tier.
type Snapshot struct {
	Tier      string
	Endpoints []EndpointStatus // sorted by name
}

// Up reports whether the named endpoint exists and is not open.
func (s Snapshot) Up(name string) bool {
	for _, e := range s.Endpoints {
		if e.Name == name {
			return e.State != Open
		}
	}
	return false
}

// Breaker is the circuit breaker of one endpoint. It is safe for
// concurrent use.
type Breaker struct {
	name string
	m    *Monitor

	mu        sync.Mutex
	state     State
	lastErr   string
	since     time.Time
	failures  int
	backoff   time.Duration
	nextProbe time.Time
}

// Name is the endpoint's name.
func (b *Breaker) Name() string { return b.name }

// Allow reports whether a call may go to the endpoint now. When the breaker
// is open and its backoff has passed, one caller is let through as a trial
// (HalfOpen); it must report Success or Failure.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	if b.state == Closed {
		b.mu.Unlock()
		return true
	}
	now := b.m.now()
	if now.Before(b.nextProbe) {
		b.mu.Unlock()
		return false
	}
	// A trial that never reported (its turn was interrupted) must not block
	// recovery, so the trial window is bounded by the backoff too.
	was := b.state
	b.state, b.nextProbe = HalfOpen, now.Add(b.backoff)
	b.mu.Unlock()
	if was != HalfOpen {
		b.m.changed()
	}
	return true
}

// State is the breaker's current state.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// Success records a call or probe that worked and closes the breaker.
func (b *Breaker) Success() {
	b.mu.Lock()
	was := b.state
	b.failures, b.lastErr = 0, ""
	b.backoff = 0
	b.nextProbe = b.m.now().Add(b.m.interval())
	if was != Closed {
		b.state, b.since = Closed, b.m.now()
	}
	b.mu.Unlock()
	if was != Closed {
		b.m.log().Info("endpoint recovered", "endpoint", b.name)
		b.m.changed()
	}
}

// retryAfter is implemented by errors that carry a server's Retry-After
// (llm.APIError does).
type retryAfter interface{ RetryAfterDelay() time.Duration }

// Failure records a failed call or probe and opens the breaker at once.
// Errors caused by the visitor cancelling (context.Canceled) must not be
// reported: they say nothing about the endpoint. When err carries a
// Retry-After, the breaker stays open at least that long.
func (b *Breaker) Failure(err error) {
	msg := ""
	var wait time.Duration
	if err != nil {
		msg = err.Error()
		var ra retryAfter
		if errors.As(err, &ra) {
			wait = ra.RetryAfterDelay()
		}
	}
	b.mu.Lock()
	was := b.state
	b.failures++
	b.lastErr = msg
	if b.backoff == 0 {
		b.backoff = b.m.minBackoff()
	} else {
		b.backoff = min(b.backoff*2, b.m.maxBackoff())
	}
	b.nextProbe = b.m.now().Add(max(b.backoff, wait))
	if was != Open {
		b.state, b.since = Open, b.m.now()
	}
	b.mu.Unlock()
	if was != Open {
		b.m.log().Warn("endpoint down", "endpoint", b.name, "err", msg)
		b.m.changed()
	}
}

func (b *Breaker) status() EndpointStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return EndpointStatus{Name: b.name, State: b.state, LastError: b.lastErr, Since: b.since,
		Failures: b.failures, NextProbe: b.nextProbe}
}

// due reports whether a probe should run now.
func (b *Breaker) due(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !now.Before(b.nextProbe)
}

// Monitor owns the breakers and the background probe loop. Set the
// exported fields before Start; zero values take the defaults.
type Monitor struct {
	// Interval between probes of an endpoint that is up (default 30 s).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait between probes of an endpoint
	// that is down; it doubles after each failure (defaults 1 s and 60 s).
	MinBackoff, MaxBackoff time.Duration
	// ProbeTimeout bounds one probe (default 5 s).
	ProbeTimeout time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Logger receives state changes; nil means slog.Default().
	Logger *slog.Logger

	mu       sync.Mutex
	breakers map[string]*Breaker
	probers  map[string]Prober
	subs     map[int]func(Snapshot)
	nextSub  int

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewMonitor returns a monitor with no endpoints.
func NewMonitor() *Monitor {
	return &Monitor{breakers: map[string]*Breaker{}, probers: map[string]Prober{}, subs: map[int]func(Snapshot){}}
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Monitor) interval() time.Duration     { return orDefault(m.Interval, 30*time.Second) }
func (m *Monitor) minBackoff() time.Duration   { return orDefault(m.MinBackoff, time.Second) }
func (m *Monitor) maxBackoff() time.Duration   { return orDefault(m.MaxBackoff, 60*time.Second) }
func (m *Monitor) probeTimeout() time.Duration { return orDefault(m.ProbeTimeout, 5*time.Second) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (m *Monitor) log() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Add registers an endpoint and returns its breaker, closed. p may be nil
// for an endpoint with no cheap probe: it then recovers through trial calls.
func (m *Monitor) Add(name string, p Prober) *Breaker {
	b := &Breaker{name: name, m: m, since: m.now(), nextProbe: m.now()}
	m.mu.Lock()
	m.breakers[name] = b
	if p != nil {
		m.probers[name] = p
	}
	m.mu.Unlock()
	m.changed()
	return b
}

// Breaker returns the named endpoint's breaker, or nil when it was never
// added (not configured).
func (m *Monitor) Breaker(name string) *Breaker {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.breakers[name]
}

// Snapshot is the current health of every endpoint.
func (m *Monitor) Snapshot() Snapshot {
	m.mu.Lock()
	bs := make([]*Breaker, 0, len(m.breakers))
	for _, b := range m.breakers {
		bs = append(bs, b)
	}
	m.mu.Unlock()
	s := Snapshot{Tier: TierOffline}
	for _, b := range bs {
		st := b.status()
		s.Endpoints = append(s.Endpoints, st)
		if st.Name == LLM && st.State != Open {
			s.Tier = TierOnline
		}
	}
	sort.Slice(s.Endpoints, func(i, j int) bool { return s.Endpoints[i].Name < s.Endpoints[j].Name })
	return s
}

// Tier is the current tier: TierOnline or TierOffline.
func (m *Monitor) Tier() string { return m.Snapshot().Tier }

// Subscribe calls fn with a new Snapshot after every state change, from the
// goroutine that caused it; fn must not block (the UI hands it to fyne.Do).
// The returned func unsubscribes.
func (m *Monitor) Subscribe(fn func(Snapshot)) (unsubscribe func()) {
	m.mu.Lock()
	id := m.nextSub
	m.nextSub++
	m.subs[id] = fn
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.subs, id)
		m.mu.Unlock()
	}
}

func (m *Monitor) changed() {
	m.mu.Lock()
	fns := make([]func(Snapshot), 0, len(m.subs))
	for _, fn := range m.subs {
		fns = append(fns, fn)
	}
	m.mu.Unlock()
	if len(fns) == 0 {
		return
	}
	s := m.Snapshot()
	for _, fn := range fns {
		fn(s)
	}
}

// ProbeNow probes every endpoint that has a prober, concurrently, and
// updates the breakers; `xiaofu status` calls it once.
func (m *Monitor) ProbeNow(ctx context.Context) {
	m.probe(ctx, func(*Breaker) bool { return true })
}

// probeDue probes the endpoints whose next probe time has come.
func (m *Monitor) probeDue(ctx context.Context) {
	now := m.now()
	m.probe(ctx, func(b *Breaker) bool { return b.due(now) })
}

func (m *Monitor) probe(ctx context.Context, want func(*Breaker) bool) {
	m.mu.Lock()
	type job struct {
		b *Breaker
		p Prober
	}
	var jobs []job
	for name, p := range m.probers {
		if b := m.breakers[name]; want(b) {
			jobs = append(jobs, job{b, p})
		}
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, m.probeTimeout())
			defer cancel()
			err := j.p.Probe(pctx)
			if ctx.Err() != nil {
				return // shutting down: the result says nothing
			}
			if err != nil {
				j.b.Failure(err)
			} else {
				j.b.Success()
			}
		})
	}
	wg.Wait()
}

// Start runs the probe loop until Close. It checks four times a second which
// probes are due; the probes themselves follow Interval and the backoff.
func (m *Monitor) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			m.probeDue(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// Close stops the probe loop and waits for it.
func (m *Monitor) Close() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}
