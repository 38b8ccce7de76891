package hallserver_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xiaofu/app/hallserver"
	"xiaofu/app/request"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)} }
func sched() hallserver.Schedule {
	return hallserver.Schedule{Assign: time.Minute, Start: 2 * time.Minute, Due: 3 * time.Minute, Resolve: 5 * time.Minute}
}

func start(t *testing.T) (*request.Client, *clock, *hallserver.Store) {
	t.Helper()
	st, err := hallserver.OpenStore(filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock()
	srv := &hallserver.Server{Store: st, Schedule: sched(), Now: clk.Now, Departments: []string{"城管局", "财政局", "人社局"}, TrackURL: "https://hall.example/t/%s"}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	c := request.NewClient(hs.URL)
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	return c, clk, st
}

func sub() request.Submission {
	return request.Submission{
		Description: "公司门口的人行道破了个洞",
		Items:       []request.Item{{Text: "公司门口的人行道破了个洞", Department: "城管局", Reason: "市政设施维护"}},
		Contact:     request.Contact{Phone: "138-1234-5678", Location: "山水大道5号"},
	}
}

func TestSubmitIsIdempotent(t *testing.T) {
	c, _, st := start(t)
	ctx := context.Background()
	a, err := c.Submit(ctx, "key-1", sub())
	if err != nil {
		t.Fatal(err)
	}
	if !request.ValidTicket(a.Ticket) || a.State != request.StateReceived || a.TrackURL != "https://hall.example/t/"+a.Ticket {
		t.Fatalf("ticket = %+v", a)
	}
	b, err := c.Submit(ctx, "key-1", sub())
	if err != nil || b.Ticket != a.Ticket {
		t.Fatalf("repeat = %+v, %v; want ticket %s again", b, err, a.Ticket)
	}
	other := sub()
	other.Description = "另一件事"
	if _, err := c.Submit(ctx, "key-1", other); !request.IsCode(err, request.CodeIdempotencyConflict) {
		t.Fatalf("same key, other body: err = %v, want %s", err, request.CodeIdempotencyConflict)
	}
	n, hits, _ := st.Counts(ctx)
	if n != 1 || hits != 3 {
		t.Fatalf("tickets = %d, hits = %d; want 1 ticket from 3 submissions", n, hits)
	}
}

func TestLifecycle(t *testing.T) {
	c, clk, _ := start(t)
	ctx := context.Background()
	s := sub()
	s.Items = append(s.Items, request.Item{Text: "想问问融资", Department: "财政局"})
	tk, err := c.Submit(ctx, "life", s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(ctx, tk.Ticket, "0000"); !request.IsCode(err, request.CodeNotFound) {
		t.Fatalf("wrong phone4: %v, want not_found", err)
	}
	if _, err := c.Status(ctx, "SQ20990101-0001", "5678"); !request.IsCode(err, request.CodeNotFound) {
		t.Fatalf("unknown ticket: %v, want not_found", err)
	}
	if _, err := c.Remind(ctx, tk.Ticket, "5678"); !request.IsCode(err, request.CodeNotOverdue) {
		t.Fatalf("early reminder: %v, want not_overdue", err)
	}
	clk.Advance(90 * time.Second)
	st, err := c.Status(ctx, tk.Ticket, "5678")
	if err != nil || st.State != request.StateAssigned || len(st.Events) != 3 {
		t.Fatalf("after 90s = %+v, %v; want assigned to two departments", st, err)
	}
	if st.Events[1].Department != "城管局" || st.Events[2].Department != "财政局" {
		t.Fatalf("events = %+v", st.Events)
	}
	if _, err := c.Rate(ctx, tk.Ticket, "5678", 5, "好"); !request.IsCode(err, request.CodeNotResolved) {
		t.Fatalf("early rating: %v, want not_resolved", err)
	}
	clk.Advance(2 * time.Minute) // 3.5 min: in progress and overdue
	r, err := c.Remind(ctx, tk.Ticket, "5678")
	if err != nil || r.Reminders != 1 || !r.Overdue || r.State != request.StateInProgress {
		t.Fatalf("reminder = %+v, %v", r, err)
	}
	clk.Advance(2 * time.Minute)
	st, _ = c.Status(ctx, tk.Ticket, "5678")
	if st.State != request.StateResolved || st.Overdue {
		t.Fatalf("after 5.5 min = %+v, want resolved", st)
	}
	if _, err := c.Remind(ctx, tk.Ticket, "5678"); !request.IsCode(err, request.CodeAlreadyResolved) {
		t.Fatalf("reminder when resolved: %v", err)
	}
	if _, err := c.Rate(ctx, tk.Ticket, "5678", 6, ""); !request.IsCode(err, request.CodeInvalid) {
		t.Fatalf("score 6: %v, want invalid", err)
	}
	rt, err := c.Rate(ctx, tk.Ticket, "5678", 4, "处理及时")
	if err != nil || rt.Rating == nil || rt.Rating.Score != 4 {
		t.Fatalf("rating = %+v, %v", rt, err)
	}
	if _, err := c.Rate(ctx, tk.Ticket, "5678", 5, ""); !request.IsCode(err, request.CodeAlreadyRated) {
		t.Fatalf("second rating: %v", err)
	}
	st, _ = c.Status(ctx, tk.Ticket, "5678")
	if st.Rating == nil || st.Rating.Comment != "处理及时" || len(st.Events) != 5 {
		t.Fatalf("final = %+v", st)
	}
}

func TestBadInput(t *testing.T) {
	c, _, _ := start(t)
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	cases := []struct {
		name   string
		mod    func(*request.Submission)
		status int
		code   string
		field  string
	}{
		{"bad mobile", func(s *request.Submission) { s.Contact.Phone = "12345678901" }, 422, request.CodeInvalid, "phone"},
		{"short landline", func(s *request.Submission) { s.Contact.Phone = "0516-1234" }, 422, request.CodeInvalid, "phone"},
		{"long description", func(s *request.Submission) { s.Description = strings.Repeat("路", request.MaxDescriptionRunes+1) }, 422, request.CodeInvalid, "description"},
		{"empty description", func(s *request.Submission) { s.Description = "  " }, 422, request.CodeInvalid, "description"},
		{"unknown department", func(s *request.Submission) { s.Items[0].Department = "外星事务局" }, 422, request.CodeInvalid, "items"},
		{"not a picture", func(s *request.Submission) { s.Pictures = []request.Picture{{Data: []byte("%PDF-1.4 ...")}} }, 422, request.CodeInvalid, "picture"},
		{"picture too big", func(s *request.Submission) {
			s.Pictures = []request.Picture{{Data: append(png, make([]byte, request.MaxPictureBytes)...)}}
		}, 413, request.CodeTooLarge, "picture"},
		{"body too big", func(s *request.Submission) {
			for range 4 {
				s.Pictures = append(s.Pictures, request.Picture{Data: append(png, make([]byte, request.MaxPictureBytes-200)...)})
			}
		}, 413, request.CodeTooLarge, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := sub()
			tc.mod(&s)
			_, err := c.Submit(ctx, "bad-"+string(rune('a'+i)), s)
			var ae *request.APIError
			if !errorsAs(err, &ae) || ae.Status != tc.status || ae.Code != tc.code || ae.Field != tc.field {
				t.Fatalf("err = %v, want %d %s field %q", err, tc.status, tc.code, tc.field)
			}
			if request.Retryable(err) {
				t.Fatalf("%v is retryable; a refused request must not be retried", err)
			}
		})
	}
	// Wire-level mistakes the client never makes.
	url := c.BaseURL + "/api/requests"
	resp, _ := http.Post(url, "application/json", strings.NewReader(`{}`))
	if resp.StatusCode != 400 {
		t.Errorf("no key: %d, want 400", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(`{"description":`)))
	req.Header.Set("Idempotency-Key", "x")
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != 422 {
		t.Errorf("broken JSON: %d, want 422", resp.StatusCode)
	}
}

func TestTrackPage(t *testing.T) {
	c, clk, _ := start(t)
	tk, err := c.Submit(context.Background(), "page", sub())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(90 * time.Second)
	get := func(q string) (int, string) {
		resp, err := http.Get(c.BaseURL + "/t/" + tk.Ticket + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(bytes.Buffer)
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, "手机号后四位") {
		t.Fatalf("form: %d %s", code, body)
	}
	if code, body := get("?phone4=0000"); code != 404 || strings.Contains(body, "城管局") {
		t.Fatalf("wrong digits: %d %s", code, body)
	}
	code, body := get("?phone4=5678")
	if code != 200 || !strings.Contains(body, "已分派至城管局") || !strings.Contains(body, "已分派") {
		t.Fatalf("timeline: %d %s", code, body)
	}
}
