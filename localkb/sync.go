package localkb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

// ChecksumHeader carries the hex SHA-256 of the snapshot body. A hall's
// server sets it so that a snapshot cut short or altered on the way is
// rejected before it replaces a good copy.
const ChecksumHeader = "X-Checksum-Sha256"

// maxSnapshotBytes bounds a download so a misconfigured URL cannot fill the
// kiosk's disk or memory.
const maxSnapshotBytes = 512 << 20

// ErrChecksum means the downloaded snapshot does not match its checksum.
var ErrChecksum = errors.New("snapshot checksum mismatch")

func etagPath(dbPath string) string { return dbPath + ".etag" }

func syncSnapshot(ctx context.Context, client *http.Client, url, dbPath string) (*SyncResult, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	prev := ""
	if b, err := os.ReadFile(etagPath(dbPath)); err == nil {
		if _, statErr := os.Stat(dbPath); statErr == nil {
			prev = strings.TrimSpace(string(b))
		}
	}
	if prev != "" {
		req.Header.Set("If-None-Match", prev)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &SyncResult{NotModified: true, ETag: prev}, nil
	case resp.StatusCode != http.StatusOK:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("sync: server answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSnapshotBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sync: download: %w", err)
	}
	if len(body) > maxSnapshotBytes {
		return nil, fmt.Errorf("sync: snapshot larger than %d MB", maxSnapshotBytes>>20)
	}
	if want := strings.ToLower(strings.TrimSpace(resp.Header.Get(ChecksumHeader))); want != "" {
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != want {
			return nil, fmt.Errorf("sync: got %s, server says %s: %w", got[:12], want, ErrChecksum)
		}
	}
	rep, err := importSnapshot(ctx, bytes.NewReader(body), dbPath)
	if err != nil {
		return &SyncResult{Report: rep}, fmt.Errorf("sync: %w", err)
	}
	// Keep the snapshot itself, so that a kiosk upgraded to a new index
	// format can rebuild from it instead of falling back to the demo.
	if err := writeFileAtomic(snapshotPath(dbPath), body); err != nil {
		slogWarn("sync: keep snapshot", err)
	}
	etag := resp.Header.Get("ETag")
	if etag != "" {
		// Written after the swap: a crash in between only costs one more
		// download, never a skipped update.
		if err := os.WriteFile(etagPath(dbPath), []byte(etag+"\n"), 0o644); err != nil {
			return &SyncResult{ETag: etag, Report: rep}, fmt.Errorf("sync: save etag: %w", err)
		}
	} else {
		os.Remove(etagPath(dbPath))
	}
	return &SyncResult{ETag: etag, Report: rep}, nil
}

// snapshotPath is where Sync keeps the last snapshot it imported.
func snapshotPath(dbPath string) string { return dbPath + ".snapshot.jsonl" }

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := fsyncPath(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func slogWarn(msg string, err error) { slog.Default().Warn(msg, "err", err) }
