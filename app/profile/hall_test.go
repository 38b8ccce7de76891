package profile_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xiaofu/app/profile"
)

const code = "91330106MA2CFE802B"

func hallServer(t *testing.T, handler http.HandlerFunc) *profile.HallClient {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &profile.HallClient{BaseURL: srv.URL + "/api/", Token: "kiosk-token", HTTP: srv.Client()}
}

func TestHallLookup(t *testing.T) {
	c := hallServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/enterprises/"+code+"/profile" || r.Method != http.MethodGet {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if r.Header.Get("Authorization") != "Bearer kiosk-token" {
			t.Errorf("authorization %q", r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`{"credit_code":"` + code + `","name":"杭州示例软件有限公司","updated":"2026-05-01",
			"profile":{"reg_place":"浙江省杭州市西湖区","reg_years":3,"headcount":32,"revenue_wan":2000,
			"qualifications":["科技型中小企业"],"has_rd_org":true}}`))
	})
	e, err := c.Lookup(context.Background(), " 9133 0106 ma2c fe80 2b")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "杭州示例软件有限公司" || e.Profile["headcount"] != 32.0 || e.Profile["has_rd_org"] != true ||
		len(e.Profile["qualifications"].([]string)) != 1 {
		t.Fatalf("enterprise = %+v", e)
	}
}

func TestHallLookupErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		ctype   string
		body    string
		want    error
		wantMsg string
	}{
		{"not found", 404, "application/json", `{"error":{"code":"not_found","message":"no such enterprise"}}`, profile.ErrNotFound, "not_found"},
		{"unauthorized", 401, "application/json", `{"error":{"code":"unauthorized","message":"bad token"}}`, profile.ErrUnauthorized, "bad token"},
		{"forbidden", 403, "application/json", `{"error":{"code":"forbidden","message":"kiosk not enrolled"}}`, profile.ErrUnauthorized, "forbidden"},
		{"server error", 503, "application/json", `{"error":{"code":"unavailable","message":"maintenance"}}`, profile.ErrUnavailable, "HTTP 503"},
		{"html error page", 502, "text/html", `<html>bad gateway</html>`, profile.ErrUnavailable, "HTTP 502"},
		{"not json", 200, "text/plain", `hello`, profile.ErrUnavailable, "content type"},
		{"broken json", 200, "application/json", `{"credit_code":`, profile.ErrUnavailable, "decode"},
		{"other enterprise", 200, "application/json", `{"credit_code":"91350100M000100Y43","profile":{}}`, profile.ErrUnavailable, "another credit code"},
		{"bad profile value", 200, "application/json", `{"credit_code":"` + code + `","profile":[1,2]}`, profile.ErrUnavailable, "profile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := hallServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := c.Lookup(context.Background(), code)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "MA2CFE802B") {
				t.Fatalf("error leaks the credit code: %v", err)
			}
		})
	}
}

func TestHallLookupChecksCodeFirst(t *testing.T) {
	called := false
	c := hallServer(t, func(w http.ResponseWriter, r *http.Request) { called = true })
	_, err := c.Lookup(context.Background(), "91330106MA2CFE802C")
	var ce *profile.CodeError
	if !errors.As(err, &ce) || called {
		t.Fatalf("err = %v, called = %v: a wrong code must be refused before any request", err, called)
	}
}

func TestHallLookupTimeout(t *testing.T) {
	c := hallServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Lookup(ctx, code); !errors.Is(err, profile.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}
