package request_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"xiaofu/app/hallserver"
	"xiaofu/app/request"
	"xiaofu/localkb/outbox"
)

// The test binary doubles as the kiosk: with XIAOFU_SUBMITTER set it
// submits one request through the real Service and outbox and exits, so the
// parent test can SIGKILL it at any moment of a submission.
func TestMain(m *testing.M) {
	if os.Getenv("XIAOFU_SUBMITTER") != "" {
		os.Exit(submitter())
	}
	os.Exit(m.Run())
}

func submitter() int {
	url, path, i := os.Getenv("XIAOFU_SUBMITTER_URL"), os.Getenv("XIAOFU_SUBMITTER_OUTBOX"), os.Getenv("XIAOFU_SUBMITTER")
	c := request.NewClient(url)
	c.Attempts = 1
	ob := outbox.New(path, request.OutboxSender(c))
	ob.MinBackoff, ob.MaxBackoff = 5*time.Millisecond, 50*time.Millisecond
	if err := ob.Open(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := &request.Service{Client: c, Outbox: ob, AckWait: 5 * time.Second, KioskID: "crash"}
	d := &request.Draft{
		Description: "第" + i + "件：公司门口的人行道破了个洞",
		Items:       []request.Item{{Text: "人行道破了个洞", Department: "城管局", Reason: "市政设施"}},
		Contact:     request.Contact{Phone: "13812345678", Location: "山水大道" + i + "号"},
		// The kiosk makes the key when the visitor taps 提交; here the parent
		// chooses it so it can tell which requests were attempted.
		Key: "crash-" + i,
	}
	rc, err := s.Submit(context.Background(), d)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("TICKET", rc.Ticket, rc.Queued)
	ob.Close()
	return 0
}

// TestSIGKILLDuringSubmission kills the kiosk at random moments of 200
// submissions against the stand-in server on loopback: every request that
// reached the outbox is delivered exactly once, none is stored twice, and no
// ticket appears that the kiosk did not commit.
func TestSIGKILLDuringSubmission(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 200+ processes")
	}
	const runs = 200
	start := time.Now()
	dir := t.TempDir()
	st, err := hallserver.OpenStore(filepath.Join(dir, "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := &hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule}
	rng := rand.New(rand.NewPCG(2026, 11))
	h := srv.Handler()
	// A little server latency widens the window in which the server has
	// stored a ticket but the kiosk has not yet heard about it.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.N(8)) * time.Millisecond)
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()
	obPath := filepath.Join(dir, "outbox.db")

	run := func(i int, killAfter time.Duration) (completed bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "XIAOFU_SUBMITTER="+fmt.Sprint(i), "XIAOFU_SUBMITTER_URL="+hs.URL, "XIAOFU_SUBMITTER_OUTBOX="+obPath)
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			line := ""
			for sc.Scan() {
				line = sc.Text()
			}
			done <- line
		}()
		var line string
		if killAfter > 0 {
			select {
			case line = <-done:
			case <-time.After(killAfter):
				cmd.Process.Signal(syscall.SIGKILL)
				line = <-done
			}
		} else {
			line = <-done
		}
		cmd.Wait()
		return strings.HasPrefix(line, "TICKET ")
	}

	// Measure one undisturbed submission to aim the kills across its span.
	t0 := time.Now()
	if !run(-1, 0) {
		t.Fatal("an undisturbed submission failed")
	}
	span := time.Since(t0)
	completed := 0
	for i := range runs {
		if run(i, time.Duration(rng.Int64N(int64(span)))+time.Millisecond) {
			completed++
		}
	}
	// The kiosk restarts: whatever is still queued is sent.
	c := request.NewClient(hs.URL)
	ob := outbox.New(obPath, request.OutboxSender(c))
	if err := ob.Open(); err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	pendingAtRestart, _ := ob.Pending(context.Background())
	if _, err := ob.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, err := ob.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := st.Keys(context.Background())
	subs, _ := st.Submissions(context.Background())
	ntickets, hits, _ := st.Counts(context.Background())

	// Every committed request reached the server once, with the ticket the
	// outbox recorded.
	for _, e := range entries {
		if e.State != outbox.StateSent {
			t.Errorf("entry %s left %s: %s", e.Key, e.State, e.LastError)
		}
		if keys[e.Key] != e.Ticket {
			t.Errorf("entry %s: outbox ticket %q, server ticket %q", e.Key, e.Ticket, keys[e.Key])
		}
	}
	// Nothing on the server that the outbox does not hold, and no request
	// stored twice under different tickets.
	if ntickets != len(entries) {
		t.Errorf("server holds %d tickets, outbox %d entries", ntickets, len(entries))
	}
	byText := map[string]int{}
	for _, s := range subs {
		byText[s.Description]++
	}
	for d, n := range byText {
		if n != 1 {
			t.Errorf("%q stored %d times", d, n)
		}
	}
	elapsed := time.Since(start)
	committed := len(entries) - 1 // minus the undisturbed run
	t.Logf("SIGKILL runs: %d; killed before the commit: %d; killed after the commit, before the ticket screen: %d; finished: %d; "+
		"pending at the final restart: %d; server tickets: %d for %d committed requests, from %d POSTs (%d repeats answered with the same ticket); "+
		"lost: 0, duplicated: 0; took %v (one undisturbed submission ≈ %v)",
		runs, runs-committed, committed-completed, completed, pendingAtRestart, ntickets, len(entries), hits, hits-ntickets,
		elapsed.Round(time.Millisecond), span.Round(time.Millisecond))
}
