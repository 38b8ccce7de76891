package localkb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
)

// demoMeta reads the meta line of a snapshot held in memory.
func demoMeta(demo []byte) (Meta, error) {
	var m Meta
	line, _, _ := bufio.NewReader(bytes.NewReader(demo)).ReadLine()
	if err := json.Unmarshal(bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")), &m); err != nil {
		return m, fmt.Errorf("demo meta: %w", err)
	}
	return m, nil
}

// storedVersions reads the snapshot version and index version of a file
// without going through Open, so that a stale file is replaced quietly.
func storedVersions(path string) (version, index string, err error) {
	db, err := sql.Open("sqlite3", roDSN(path))
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	var metaJSON string
	if err := db.QueryRow(`SELECT value FROM kb_meta WHERE key = 'meta'`).Scan(&metaJSON); err != nil {
		return "", "", err
	}
	_ = db.QueryRow(`SELECT value FROM kb_meta WHERE key = 'index_version'`).Scan(&index)
	var m Meta
	if err := json.Unmarshal([]byte(metaJSON), &m); err != nil {
		return "", "", err
	}
	return m.Version, index, nil
}

func openOrImportDemo(ctx context.Context, path string, demo []byte) (*KB, error) {
	if err := checkFTS5(); err != nil {
		return nil, err
	}
	dm, err := demoMeta(demo)
	if err != nil {
		return nil, err
	}
	need := true
	if _, statErr := os.Stat(path); statErr == nil {
		v, iv, err := storedVersions(path)
		// Versions compare as strings: snapshot versions are dates or
		// zero-padded counters by the format's rule (docs/kb-format.md).
		need = err != nil || iv != indexVersion || v < dm.Version
	}
	if need {
		// A synced snapshot newer than the demo is rebuilt rather than
		// replaced, when only the index format changed.
		if kept, err := os.ReadFile(snapshotPath(path)); err == nil {
			if km, err := demoMeta(kept); err == nil && km.Version >= dm.Version {
				if _, err := importSnapshot(ctx, bytes.NewReader(kept), path); err == nil {
					return open(path)
				}
			}
		}
		if _, err := importSnapshot(ctx, bytes.NewReader(demo), path); err != nil {
			return nil, fmt.Errorf("import demo: %w", err)
		}
	}
	return open(path)
}
