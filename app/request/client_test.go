package request_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"xiaofu/app/request"
	"xiaofu/assets"
)

func TestClientRetriesTemporaryFailuresOnly(t *testing.T) {
	var calls atomic.Int32
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		switch n {
		case 1: // a proxy's page
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><body>Bad Gateway</body></html>")
		case 2: // a success we cannot read is not an acknowledgement
			w.WriteHeader(201)
			io.WriteString(w, `{"ticket":`)
		default:
			w.WriteHeader(201)
			io.WriteString(w, `{"ticket":"SQ20261129-0007","state":"received"}`)
		}
	}))
	defer srv.Close()
	c := request.NewClient(srv.URL)
	var waits []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	tk, err := c.SubmitRaw(context.Background(), "k-1", []byte(`{}`))
	if err != nil || tk.Ticket != "SQ20261129-0007" {
		t.Fatalf("submit = %+v, %v", tk, err)
	}
	if calls.Load() != 3 || keys[0] != "k-1" || keys[2] != "k-1" || len(waits) != 2 || waits[1] < waits[0]/2 {
		t.Fatalf("calls %d keys %v waits %v", calls.Load(), keys, waits)
	}

	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(422)
		io.WriteString(w, `{"error":{"code":"invalid","message":"bad phone","field":"phone"}}`)
	}))
	defer refused.Close()
	calls.Store(0)
	c.BaseURL = refused.URL
	_, err = c.SubmitRaw(context.Background(), "k-2", []byte(`{}`))
	var ae *request.APIError
	if !errors.As(err, &ae) || ae.Field != "phone" || calls.Load() != 1 || request.Retryable(err) {
		t.Fatalf("422: err %v after %d calls; want one call and a field error", err, calls.Load())
	}

	c.BaseURL = "http://127.0.0.1:1"
	_, err = c.Status(context.Background(), "SQ20261129-0001", "1234")
	if !errors.Is(err, request.ErrUnreachable) || !request.Retryable(err) {
		t.Fatalf("refused connection: %v", err)
	}
}

func TestDemoKnowledgeBaseGivesTheHallsDepartments(t *testing.T) {
	ds, err := request.DepartmentsFromSnapshot(assets.DemoSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	// The demo hall's window list has 23 departments; the other department
	// records (Beijing, Guangdong) have no windows in this hall.
	if len(ds) != 23 {
		t.Fatalf("%d departments, want the hall's 23", len(ds))
	}
	r := request.NewRouter(ds, mustModel(t), nil)
	rt := r.RouteOffline("公司门口的人行道破了个洞")
	if rt.Items[0].Department != "城管局" {
		t.Fatalf("routed to %s", rt.Items[0].Department)
	}
}
