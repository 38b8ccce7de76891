package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"xiaofu/localkb/outbox"
)

// fakeServer records what arrives and can be switched off.
type fakeServer struct {
	mu    sync.Mutex
	down  bool
	got   []string          // keys in arrival order, repeats included
	ticks map[string]string // key -> ticket, as an idempotent server would
}

func (f *fakeServer) Send(_ context.Context, key string, _ []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return "", errors.New("connection refused")
	}
	f.got = append(f.got, key)
	if f.ticks == nil {
		f.ticks = map[string]string{}
	}
	if t, ok := f.ticks[key]; ok {
		return t, nil
	}
	t := fmt.Sprintf("SQ20261129-%04d", len(f.ticks)+1)
	f.ticks[key] = t
	return t, nil
}

func (f *fakeServer) setDown(d bool) { f.mu.Lock(); f.down = d; f.mu.Unlock() }
func (f *fakeServer) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

// manualClock hands the loop timers the test fires by hand.
type manualClock struct {
	mu    sync.Mutex
	waits []time.Duration
	chans []chan time.Time
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waits = append(c.waits, d)
	c.chans = append(c.chans, ch)
	return ch
}

func (c *manualClock) fireAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.chans {
		select {
		case ch <- time.Now():
		default:
		}
	}
	c.chans = nil
}

func (c *manualClock) lastWaits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func open(t *testing.T, path string, s outbox.Sender, clk *manualClock) *outbox.Outbox {
	t.Helper()
	o := outbox.New(path, s)
	if clk != nil {
		o.After = clk.After
	}
	o.MinBackoff = time.Second
	o.MaxBackoff = 8 * time.Second
	if err := o.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEnqueueIsIdempotentAndSendsInOrder(t *testing.T) {
	srv := &fakeServer{}
	srv.setDown(true)
	clk := &manualClock{}
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"), srv, clk)
	ctx := context.Background()
	for i := range 5 {
		if _, err := o.Enqueue(ctx, fmt.Sprintf("k%d", i), []byte("p")); err != nil {
			t.Fatal(err)
		}
	}
	e, err := o.Enqueue(ctx, "k2", []byte("other"))
	if err != nil || string(e.Payload) != "p" || e.Seq != 3 {
		t.Fatalf("re-enqueue of k2 = %+v, %v; want the stored entry", e, err)
	}
	if n, _ := o.Pending(ctx); n != 5 {
		t.Fatalf("pending = %d, want 5", n)
	}
	srv.setDown(false)
	o.Kick()
	clk.fireAll()
	waitFor(t, "all sent", func() bool { n, _ := o.Pending(ctx); return n == 0 })
	got := srv.keys()
	want := []string{"k0", "k1", "k2", "k3", "k4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("server got %v, want %v", got, want)
	}
	es, _ := o.List(ctx, outbox.StateSent)
	for i, e := range es {
		if e.Ticket != fmt.Sprintf("SQ20261129-%04d", i+1) || e.SentAt.IsZero() {
			t.Errorf("entry %d = %+v, want its ticket recorded", i, e)
		}
	}
}

func TestBackoffGrowsWhileDownAndResetsWhenBack(t *testing.T) {
	srv := &fakeServer{}
	srv.setDown(true)
	clk := &manualClock{}
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"), srv, clk)
	if _, err := o.Enqueue(context.Background(), "a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	// Each fired timer is one more failed attempt.
	for i := 0; i < 6; i++ {
		n := len(clk.lastWaits())
		waitFor(t, "next timer", func() bool { return len(clk.lastWaits()) > n })
		clk.fireAll()
	}
	waitFor(t, "timers", func() bool { return len(clk.lastWaits()) >= 7 })
	// Idle polls wait PollInterval (30 s); backoff waits are jittered into
	// [d/2, d] with d = 1s, 2s, 4s, 8s, 8s (the cap).
	var backoffs []time.Duration
	for _, w := range clk.lastWaits() {
		if w < 30*time.Second {
			backoffs = append(backoffs, w)
		}
	}
	bounds := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	if len(backoffs) < len(bounds) {
		t.Fatalf("backoff waits %v, want at least %d", backoffs, len(bounds))
	}
	for i, d := range bounds {
		if got := backoffs[i]; got < d/2 || got > d {
			t.Errorf("backoff %d = %v, want within [%v, %v] (all: %v)", i, got, d/2, d, backoffs)
		}
	}
	e, _ := o.Get(context.Background(), "a")
	if e.State != outbox.StatePending || e.Attempts < 6 || e.LastError == "" {
		t.Fatalf("entry while down = %+v, want pending with attempts and the error", e)
	}
	srv.setDown(false)
	o.Kick() // the network is back: a new request or the health probe kicks the loop
	if e, err := o.WaitSent(context.Background(), "a"); err != nil || e.State != outbox.StateSent {
		t.Fatalf("after recovery = %+v, %v", e, err)
	}
}

func TestPermanentFailureIsKeptAndDoesNotBlockTheQueue(t *testing.T) {
	var mu sync.Mutex
	var got []string
	s := outbox.SenderFunc(func(_ context.Context, key string, p []byte) (string, error) {
		if string(p) == "bad" {
			return "", outbox.Permanent(errors.New("422 invalid phone"))
		}
		mu.Lock()
		got = append(got, key)
		mu.Unlock()
		return "T-" + key, nil
	})
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"), s, nil)
	ctx := context.Background()
	o.Enqueue(ctx, "1", []byte("ok"))
	o.Enqueue(ctx, "2", []byte("bad"))
	o.Enqueue(ctx, "3", []byte("ok"))
	if e, err := o.WaitSent(ctx, "3"); err != nil || e.Ticket != "T-3" {
		t.Fatalf("3 = %+v, %v", e, err)
	}
	e, _ := o.Get(ctx, "2")
	if e.State != outbox.StateRejected || e.LastError != "422 invalid phone" {
		t.Fatalf("2 = %+v, want rejected with the reason", e)
	}
}

func TestPendingSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	o := outbox.New(path, nil) // no sender: store only
	if err := o.Open(); err != nil {
		t.Fatal(err)
	}
	o.Enqueue(context.Background(), "k", []byte("payload"))
	o.Close()

	srv := &fakeServer{}
	o2 := open(t, path, srv, nil)
	e, err := o2.WaitSent(context.Background(), "k")
	if err != nil || e.State != outbox.StateSent || string(e.Payload) != "payload" {
		t.Fatalf("after reopen = %+v, %v", e, err)
	}
}

func TestCloseStopsTheLoopAndRefusesEnqueue(t *testing.T) {
	started, block := make(chan struct{}), make(chan struct{})
	s := outbox.SenderFunc(func(ctx context.Context, key string, p []byte) (string, error) {
		close(started)
		<-ctx.Done() // a send hanging on a dead network
		close(block)
		return "", ctx.Err()
	})
	o := outbox.New(filepath.Join(t.TempDir(), "outbox.db"), s)
	if err := o.Open(); err != nil {
		t.Fatal(err)
	}
	o.Enqueue(context.Background(), "k", []byte("p"))
	<-started
	done := make(chan error)
	go func() { done <- o.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not cancel the in-flight send")
	}
	<-block
	if _, err := o.Enqueue(context.Background(), "k2", nil); err == nil {
		t.Fatal("enqueue after close succeeded")
	}
	// The cancelled send left the entry pending for the next start.
	o2 := outbox.New(o.Path, nil)
	if err := o2.Open(); err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	if e, err := o2.Get(context.Background(), "k"); err != nil || e.State != outbox.StatePending {
		t.Fatalf("after close = %+v, %v; want pending", e, err)
	}
}

// BenchmarkEnqueue measures one durable commit (WAL, synchronous=FULL):
// the time between the visitor's tap on 提交 and "saved".
func BenchmarkEnqueue(b *testing.B) {
	o := outbox.New(filepath.Join(b.TempDir(), "outbox.db"), nil)
	if err := o.Open(); err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	payload := make([]byte, 900)
	i := 0
	for b.Loop() {
		if _, err := o.Enqueue(context.Background(), fmt.Sprint("k", i), payload); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
