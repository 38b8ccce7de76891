package request_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xiaofu/app/hallserver"
	"xiaofu/app/redact"
	"xiaofu/app/request"
	"xiaofu/localkb/outbox"
)

// hall is the stand-in server on a loopback port that can be cut and
// restored like a network link.
type hall struct {
	t     *testing.T
	addr  string
	store *hallserver.Store
	srv   *hallserver.Server
	mu    sync.Mutex
	hs    *http.Server
}

func startHall(t *testing.T, logger *slog.Logger) *hall {
	t.Helper()
	st, err := hallserver.OpenStore(filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := &hall{t: t, store: st, srv: &hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule, Logger: logger, TrackURL: "https://hall.example/t/%s"}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	h.serve(ln)
	t.Cleanup(func() { h.cut(); st.Close() })
	return h
}

func (h *hall) serve(ln net.Listener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hs = &http.Server{Handler: h.srv.Handler()}
	go h.hs.Serve(ln)
}

func (h *hall) url() string { return "http://" + h.addr }

// cut closes the listener and every connection: clients get "connection refused".
func (h *hall) cut() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hs != nil {
		h.hs.Close()
		h.hs = nil
	}
}

func (h *hall) restore() {
	var ln net.Listener
	var err error
	for range 50 { // the port is ours again as soon as the old listener is gone
		if ln, err = net.Listen("tcp", h.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	h.serve(ln)
}

func newService(t *testing.T, url string, logger *slog.Logger) *request.Service {
	t.Helper()
	c := request.NewClient(url)
	c.Attempts = 1 // the outbox retries
	ob := outbox.New(filepath.Join(t.TempDir(), "outbox.db"), request.OutboxSender(c))
	ob.MinBackoff, ob.MaxBackoff, ob.PollInterval = 20*time.Millisecond, 200*time.Millisecond, time.Second
	ob.Logger = logger
	if err := ob.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	r := request.NewRouter(hallDepartments(), mustModel(t), nil)
	r.Logger = logger
	return &request.Service{Router: r, Client: c, Outbox: ob, Logger: logger, AckWait: 2 * time.Second, KioskID: "k1"}
}

func TestSubmitOnlineGivesATicketAndLeavesNoPersonalDataInLogs(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := redact.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := startHall(t, logger)
	s := newService(t, h.url(), logger)
	ctx := context.Background()

	text := "我是王建国，电话13812345678，身份证号11010519491231002X。公司门口的人行道破了个洞，还想问问营业执照怎么变更"
	rt, err := s.Route(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	d := &request.Draft{Description: text, Kind: rt.Kind}
	for _, it := range rt.Items {
		d.Items = append(d.Items, it.Item)
	}
	if got := s.Missing(*d); len(got) == 0 || got[0] != request.FieldPhone {
		t.Fatalf("missing = %v, want the phone first", got)
	}
	d.Contact = request.Contact{Name: "王建国", Phone: "138 1234 5678", Company: "贾汪小服茶馆有限公司", Location: "山水大道5号"}
	if got := s.Missing(*d); len(got) != 0 {
		t.Fatalf("missing after the form = %v", got)
	}
	rc, err := s.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Queued || !request.ValidTicket(rc.Ticket) || rc.Phone4 != "5678" || !strings.HasSuffix(rc.TrackURL, rc.Ticket) {
		t.Fatalf("receipt = %+v, want a ticket online", rc)
	}
	again, err := s.Submit(ctx, d) // a second tap on 提交
	if err != nil || again.Ticket != rc.Ticket {
		t.Fatalf("second submit = %+v, %v; want the same ticket", again, err)
	}
	tk, err := s.Lookup(ctx, strings.ToLower(rc.Ticket), "5678")
	if err != nil || tk.State != request.StateReceived || len(tk.Items) != len(d.Items) {
		t.Fatalf("lookup = %+v, %v", tk, err)
	}
	if _, err := s.Lookup(ctx, rc.Ticket, "56"); err == nil {
		t.Fatal("lookup with two digits accepted")
	}
	// Provoke error paths that carry text, too.
	bad := &request.Draft{Description: text, Items: d.Items, Contact: request.Contact{Phone: "1381234567"}}
	if _, err := s.Submit(ctx, bad); err == nil {
		t.Fatal("a 10-digit phone was accepted")
	} else {
		logger.Warn("form refused", "err", err, "phone", bad.Contact.Phone)
	}
	logger.Info("visitor said", "text", text)

	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if !strings.Contains(out, rc.Ticket) || !strings.Contains(out, "request committed") {
		t.Fatalf("logs do not show the submission at all:\n%s", out)
	}
	for _, pii := range []string{"13812345678", "1381234567", "138 1234 5678", "王建国", "11010519491231002X", "5678\""} {
		if strings.Contains(out, pii) {
			t.Errorf("logs hold %q:\n%s", pii, out)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestNetworkCutAndRestoredDeliversAllOnceInOrder(t *testing.T) {
	h := startHall(t, nil)
	s := newService(t, h.url(), nil)
	s.AckWait = 30 * time.Millisecond
	ctx := context.Background()
	var keys []string
	submit := func(i int) {
		d := &request.Draft{
			Description: fmt.Sprintf("第%d件：路灯不亮", i),
			Items:       []request.Item{{Text: "路灯不亮", Department: "城管局", Reason: "市政设施"}},
			Contact:     request.Contact{Phone: "0516-87716305", Location: "山水大道"},
		}
		rc, err := s.Submit(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rc.Key)
	}
	submit(0)
	if err := waitPending(s, 0); err != nil {
		t.Fatal(err)
	}
	h.cut()
	for i := 1; i <= 20; i++ {
		submit(i)
	}
	if n, _ := s.Outbox.Pending(ctx); n != 20 {
		t.Fatalf("pending while cut = %d, want 20", n)
	}
	time.Sleep(300 * time.Millisecond) // several failed attempts with backoff
	h.restore()
	if err := waitPending(s, 0); err != nil {
		t.Fatal(err)
	}
	order, err := h.store.Order(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != strings.Join(keys, ",") {
		t.Fatalf("server order %v\nwant %v", order, keys)
	}
	entries, _ := s.Outbox.List(ctx, "")
	seen := map[string]bool{}
	for _, e := range entries {
		if e.State != outbox.StateSent || seen[e.Ticket] {
			t.Fatalf("entry %+v: want sent with a ticket of its own", e)
		}
		seen[e.Ticket] = true
	}
	if entries[5].Attempts < 1 || entries[1].Attempts < 2 {
		t.Logf("attempts: %d %d", entries[1].Attempts, entries[5].Attempts)
	}
}

func waitPending(s *request.Service, want int) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := s.Outbox.Pending(context.Background()); n == want {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, _ := s.Outbox.Pending(context.Background())
	return fmt.Errorf("pending = %d after 10 s, want %d", n, want)
}

func TestSubmitRefusesBadInputBeforeQueueing(t *testing.T) {
	h := startHall(t, nil)
	s := newService(t, h.url(), nil)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	base := func() *request.Draft {
		return &request.Draft{Description: "路灯不亮", Items: []request.Item{{Text: "路灯不亮", Department: "城管局", Reason: "r"}},
			Contact: request.Contact{Phone: "13912345678"}}
	}
	cases := []struct {
		name  string
		mod   func(*request.Draft)
		field string
	}{
		{"oversized description", func(d *request.Draft) { d.Description = strings.Repeat("灯", 1001) }, "description"},
		{"oversized picture", func(d *request.Draft) {
			d.Pictures = []request.Picture{{Data: append(png, make([]byte, request.MaxPictureBytes)...)}}
		}, "picture"},
		{"not a picture", func(d *request.Draft) { d.Pictures = []request.Picture{{Data: []byte("GIF89a......")}} }, "picture"},
		{"mobile too short", func(d *request.Draft) { d.Contact.Phone = "1391234567" }, "phone"},
		{"mobile bad prefix", func(d *request.Draft) { d.Contact.Phone = "12912345678" }, "phone"},
		{"landline without area code", func(d *request.Draft) { d.Contact.Phone = "87716305" }, "phone"},
		{"letters", func(d *request.Draft) { d.Contact.Phone = "139abc45678" }, "phone"},
		{"department not in hall", func(d *request.Draft) { d.Items[0].Department = "外星事务局" }, "items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := base()
			c.mod(d)
			_, err := s.Submit(context.Background(), d)
			var fe *request.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Message == "" {
				t.Fatalf("err = %v, want a field error on %s", err, c.field)
			}
		})
	}
	if n, _ := s.Outbox.List(context.Background(), ""); len(n) != 0 {
		t.Fatalf("refused drafts were queued: %d", len(n))
	}
	for _, ok := range []string{"13912345678", "+86 139 1234 5678", "0516-87716305", "(010)12345678", "０５１６８７７１６３０５"} {
		if _, good := request.NormalizePhone(ok); !good {
			t.Errorf("NormalizePhone(%q) refused a valid number", ok)
		}
	}
}

var _ = httptest.NewServer

// BenchmarkSubmitLoopback is a whole submission: validate, commit to the
// outbox, send to the stand-in server on loopback, record the ticket.
func BenchmarkSubmitLoopback(b *testing.B) {
	st, err := hallserver.OpenStore(filepath.Join(b.TempDir(), "hall.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	hs := httptest.NewServer((&hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule}).Handler())
	defer hs.Close()
	c := request.NewClient(hs.URL)
	ob := outbox.New(filepath.Join(b.TempDir(), "outbox.db"), request.OutboxSender(c))
	if err := ob.Open(); err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	s := &request.Service{Client: c, Outbox: ob, AckWait: 5 * time.Second}
	for b.Loop() {
		d := &request.Draft{Description: "路灯不亮", Items: []request.Item{{Text: "路灯不亮", Department: "城管局", Reason: "r"}},
			Contact: request.Contact{Phone: "13912345678"}}
		rc, err := s.Submit(context.Background(), d)
		if err != nil || rc.Queued {
			b.Fatalf("%+v %v", rc, err)
		}
	}
}

func TestOpenWiresEverythingAndKeepsQueuedRequestsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "outbox.sqlite")
	cfg := request.Config{ServerURL: "http://127.0.0.1:1", OutboxPath: path, Departments: hallDepartments(), KioskID: "k9"}
	s, err := request.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.AckWait = 50 * time.Millisecond
	rt, err := s.Route(context.Background(), "公司门口的人行道破了个洞")
	if err != nil || rt.Source != request.SourceOffline || rt.Items[0].Department != "城管局" {
		t.Fatalf("route = %+v, %v", rt, err)
	}
	d := &request.Draft{Description: "公司门口的人行道破了个洞", Items: []request.Item{rt.Items[0].Item}, Contact: request.Contact{Phone: "13912345678"}}
	rc, err := s.Submit(context.Background(), d)
	if err != nil || !rc.Queued || !strings.HasPrefix(rc.Key, "k9-") {
		t.Fatalf("offline submit = %+v, %v", rc, err)
	}
	s.Close()

	// The hall comes back and the kiosk restarts: the request goes out by itself.
	h := startHall(t, nil)
	cfg.ServerURL = h.url()
	s2, err := request.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e, err := s2.Outbox.WaitSent(context.Background(), rc.Key)
	if err != nil || e.Ticket == "" {
		t.Fatalf("after restart = %+v, %v", e, err)
	}
}

// TestLostAcknowledgementIsRetriedWithoutDuplicate: the server stores the
// request but the answer never reaches the kiosk (the link drops after the
// request went out). The outbox sends again; the key brings back the same
// ticket and the server holds one request.
func TestLostAcknowledgementIsRetriedWithoutDuplicate(t *testing.T) {
	st, err := hallserver.OpenStore(filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inner := (&hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule}).Handler()
	var mu sync.Mutex
	drops := 2
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r) // the server does the work …
		mu.Lock()
		drop := drops > 0 && r.Method == http.MethodPost
		if drop {
			drops--
		}
		mu.Unlock()
		if drop { // … and the answer is lost on the way back
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer hs.Close()
	s := newService(t, hs.URL, nil)
	d := &request.Draft{Description: "路灯不亮", Items: []request.Item{{Text: "路灯不亮", Department: "城管局", Reason: "r"}},
		Contact: request.Contact{Phone: "13912345678"}}
	rc, err := s.Submit(context.Background(), d)
	if err != nil || rc.Queued || rc.Ticket == "" {
		t.Fatalf("submit = %+v, %v; want the ticket after the lost answers", rc, err)
	}
	n, hits, _ := st.Counts(context.Background())
	e, _ := s.Outbox.Get(context.Background(), rc.Key)
	if n != 1 || hits != 3 || e.Attempts != 3 {
		t.Fatalf("tickets %d from %d POSTs, outbox attempts %d; want 1 ticket from 3 POSTs", n, hits, e.Attempts)
	}
}
