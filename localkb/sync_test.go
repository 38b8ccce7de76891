package localkb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// snapshotServer serves a snapshot the way a hall's server does: a strong
// ETag, 304 on If-None-Match, and the body's SHA-256 in a header.
type snapshotServer struct {
	body     atomic.Value // string
	etag     atomic.Value // string
	checksum func(body string) string
	gets     atomic.Int32
	notMod   atomic.Int32
}

func newSnapshotServer(t *testing.T, body, etag string) (*snapshotServer, *httptest.Server) {
	s := &snapshotServer{checksum: func(b string) string {
		sum := sha256.Sum256([]byte(b))
		return hex.EncodeToString(sum[:])
	}}
	s.body.Store(body)
	s.etag.Store(etag)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.gets.Add(1)
		etag := s.etag.Load().(string)
		if r.Header.Get("If-None-Match") == etag {
			s.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := s.body.Load().(string)
		w.Header().Set("ETag", etag)
		w.Header().Set(ChecksumHeader, s.checksum(body))
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func TestSyncETagAndChecksum(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	v1 := metaLine + "\n" + faqLine("f-1", "社保卡如何补办", "回答一")
	s, srv := newSnapshotServer(t, v1, `"v1"`)

	res, err := Sync(ctx, srv.Client(), srv.URL+"/kb.jsonl", path)
	if err != nil {
		t.Fatal(err)
	}
	if res.NotModified || res.Report == nil || res.Report.Imported != 1 || res.ETag != `"v1"` {
		t.Fatalf("first sync = %+v", res)
	}
	res, err = Sync(ctx, srv.Client(), srv.URL+"/kb.jsonl", path)
	if err != nil {
		t.Fatal(err)
	}
	if !res.NotModified || s.notMod.Load() != 1 {
		t.Fatalf("second sync should be a 304: %+v", res)
	}

	v2 := strings.Replace(metaLine, "2026.01.01", "2026.02.01", 1) + "\n" + faqLine("f-2", "公积金怎么提取", "回答二")
	s.body.Store(v2)
	s.etag.Store(`"v2"`)
	if _, err := Sync(ctx, srv.Client(), srv.URL+"/kb.jsonl", path); err != nil {
		t.Fatal(err)
	}
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	if kb.Meta().Version != "2026.02.01" {
		t.Errorf("version after sync = %s", kb.Meta().Version)
	}
}

func TestSyncRejectsCorruptDownload(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("old-1", "旧问题", "旧回答"), path)
	before, _ := os.ReadFile(path)
	s, srv := newSnapshotServer(t, metaLine+"\n"+faqLine("f-1", "问题", "回答"), `"v9"`)
	s.checksum = func(string) string { return strings.Repeat("ab", 32) }
	_, err := Sync(ctx, srv.Client(), srv.URL, path)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("a corrupt download replaced the database")
	}
	if _, err := os.Stat(etagPath(path)); err == nil {
		t.Error("ETag saved for a rejected download: the next sync would skip it")
	}
}

func TestSyncServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := Sync(context.Background(), srv.Client(), srv.URL, filepath.Join(t.TempDir(), "kb.sqlite"))
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "maintenance") {
		t.Fatalf("err = %v, want the status and the server's message", err)
	}
}

// After an upgrade that changes the index format, a kiosk rebuilds from the
// snapshot it last synced instead of falling back to the older demo.
func TestIndexUpgradeKeepsSyncedSnapshot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	synced := strings.Replace(metaLine, "2026.01.01", "2026.05.01", 1) + "\n" + faqLine("synced-1", "同步的问题", "同步的回答")
	_, srv := newSnapshotServer(t, synced, `"s1"`)
	if _, err := Sync(ctx, srv.Client(), srv.URL, path); err != nil {
		t.Fatal(err)
	}
	// Simulate a database written by an older binary's index format.
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE kb_meta SET value = 'old' WHERE key = 'index_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	demo := metaLine + "\n" + faqLine("demo-1", "演示问题", "演示回答")
	kb, err := OpenOrImportDemo(ctx, path, []byte(demo))
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	if kb.Meta().Version != "2026.05.01" {
		t.Fatalf("version after upgrade = %s, want the synced 2026.05.01", kb.Meta().Version)
	}
	if _, err := kb.Get(ctx, "synced-1"); err != nil {
		t.Fatal(err)
	}
}
