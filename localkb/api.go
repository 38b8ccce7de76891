package localkb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// Sentinel errors callers check with errors.Is.
var (
	// ErrNotFound is returned by Get when no record has the id.
	ErrNotFound = errors.New("record not found")
	// ErrNoFTS5 means the binary was built without the sqlite_fts5 tag, so
	// no search can work. CheckFTS5 wraps it with the fix.
	ErrNoFTS5 = errors.New("this binary was built without the sqlite_fts5 build tag; build with `make build`")
	// ErrBadSnapshot means a snapshot failed as a whole (no or invalid meta
	// line, no valid record, unreadable input); the current database was not
	// touched. The ImportReport, when returned with it, says why.
	ErrBadSnapshot = errors.New("snapshot rejected")
	// ErrClosed is returned by calls on a closed KB.
	ErrClosed = errors.New("knowledge base closed")
)

// DefaultDBPath is where the kiosk keeps its copy of the knowledge base:
// $XDG_DATA_HOME/xiaofu/kb.sqlite, else ~/.local/share/xiaofu/kb.sqlite,
// else kb.sqlite in the working directory when no home is known.
func DefaultDBPath() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "xiaofu", "kb.sqlite")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "share", "xiaofu", "kb.sqlite")
	}
	return "kb.sqlite"
}

// SearchOptions narrow and size a search. The zero value returns up to 5
// hits of any kind.
type SearchOptions struct {
	Kinds []string // only these kinds; empty means all
	Limit int      // at most this many hits; 0 means 5
}

// Hit is one ranked record for a query.
type Hit struct {
	Record Record
	// Score is the ranker's raw score; larger is better. It is comparable
	// only between hits of the same query.
	Score float64
	// Confidence is the calibrated probability (0..1) that this record
	// answers the question, fitted on the development set.
	Confidence float64
	// Grounded is true when Confidence clears the threshold fitted on the
	// development set: the record may be presented as the answer. A false
	// value means "related, but do not present it as the answer".
	Grounded bool
}

// Stats counts the records of a database.
type Stats struct {
	Version string
	Total   int
	ByKind  map[string]int
}

// LineError is one rejected line of a snapshot.
type LineError struct {
	Line   int    // 1-based line number in the snapshot
	ID     string // the record's id when it could be read
	Field  string // the offending field ("json" when the line is not JSON)
	Reason string
}

// Error formats the line error as staff read it in `xiaofu kb import`.
func (e LineError) Error() string {
	s := "line " + itoa(e.Line)
	if e.ID != "" {
		s += " (" + e.ID + ")"
	}
	return s + ": " + e.Field + ": " + e.Reason
}

// ImportReport says what an import did.
type ImportReport struct {
	Meta     Meta
	Imported int            // records written
	ByKind   map[string]int // records written per kind
	Errors   []LineError    // every rejected line, in order
	// Warnings are accepted-but-suspicious things (e.g. a bundle step that
	// names a guide id the snapshot lacks, a meta record count that differs).
	Warnings []string
	Path     string // the database file now in place
}

// KB is an open copy of the knowledge base. It is safe for concurrent use;
// searches run on a pool of read connections and never wait for an import,
// which writes a separate file. Reload switches to the file an import
// swapped in.
type KB struct {
	*kbState
}

// CheckFTS5 reports whether this binary's SQLite has FTS5 and the trigram
// tokenizer. The kiosk calls it at start and shows the error instead of
// failing on the first search. The returned error wraps ErrNoFTS5.
func CheckFTS5() error { return checkFTS5() }

// Open opens an existing database file. It fails when the file is missing or
// is not a knowledge base written by Import.
func Open(path string) (*KB, error) { return open(path) }

// OpenOrImportDemo opens the database at path, first importing demo (the
// embedded snapshot) when the file is missing, unreadable, or holds an older
// version than demo's meta line. A newer synced copy is kept; when only its
// index format is outdated it is rebuilt from the snapshot Sync kept.
func OpenOrImportDemo(ctx context.Context, path string, demo []byte) (*KB, error) {
	return openOrImportDemo(ctx, path, demo)
}

// Import reads a snapshot from r, validates every line, writes the valid
// records into a new database file beside dbPath and renames it over dbPath,
// so a crash leaves either the old or the new copy. A snapshot that fails as
// a whole returns an error wrapping ErrBadSnapshot (with the report) and
// leaves dbPath untouched. Open KBs keep reading the old file until Reload.
func Import(ctx context.Context, r io.Reader, dbPath string) (*ImportReport, error) {
	return importSnapshot(ctx, r, dbPath)
}

// SyncResult says what a Sync did.
type SyncResult struct {
	NotModified bool          // the server said 304: nothing downloaded
	ETag        string        // the ETag now stored beside the database
	Report      *ImportReport // nil when NotModified
}

// Sync fetches the snapshot at url with If-None-Match (the ETag of the last
// successful sync, kept in dbPath+".etag"), checks its SHA-256 against the
// X-Checksum-Sha256 response header when the server sends one, and imports
// it with Import. The snapshot is kept in dbPath+".snapshot.jsonl" so that
// OpenOrImportDemo can rebuild from it when a new binary changes the index
// format. client may be nil for http.DefaultClient.
func Sync(ctx context.Context, client *http.Client, url, dbPath string) (*SyncResult, error) {
	return syncSnapshot(ctx, client, url, dbPath)
}

// Close releases the database. Searches in flight finish first.
func (kb *KB) Close() error { return kb.close() }

// Path is the database file this KB reads.
func (kb *KB) Path() string { return kb.path }

// Reload switches this KB to the file now at its path (after an Import or
// Sync swapped a new copy in). Searches in flight finish on the old file;
// new ones use the new file. It never blocks a concurrent search.
func (kb *KB) Reload() error { return kb.reload() }

// Search ranks the records that answer q, best first. q may be spoken style
// (fillers, no punctuation), keywords, or contain a homophone error from the
// speech recognizer. An empty or filler-only q returns no hits.
func (kb *KB) Search(ctx context.Context, q string, opts SearchOptions) ([]Hit, error) {
	return kb.search(ctx, q, opts)
}

// Get returns the record with the id, or an error wrapping ErrNotFound.
func (kb *KB) Get(ctx context.Context, id string) (Record, error) { return kb.get(ctx, id) }

// Meta is the snapshot's meta line.
func (kb *KB) Meta() Meta { return kb.meta() }

// Stats counts the records per kind.
func (kb *KB) Stats(ctx context.Context) (Stats, error) { return kb.stats(ctx) }

// Departments lists the department names records name, most records first.
func (kb *KB) Departments(ctx context.Context) ([]string, error) { return kb.departments(ctx) }

// ByDepartment lists a department's records of the given kinds (all kinds
// when empty), by title, at most limit (0 means no limit).
func (kb *KB) ByDepartment(ctx context.Context, dept string, kinds []string, limit int) ([]Record, error) {
	return kb.byDepartment(ctx, dept, kinds, limit)
}

// Topics lists the browse topics: the meta line's topics when it has some,
// else the topics records carry, most records first.
func (kb *KB) Topics(ctx context.Context) ([]string, error) { return kb.topics(ctx) }

// ByTopic lists the records tagged with topic, at most limit (0: no limit).
func (kb *KB) ByTopic(ctx context.Context, topic string, limit int) ([]Record, error) {
	return kb.byTopic(ctx, topic, limit)
}

// ByKind lists every record of a kind in id order, at most limit (0: no
// limit). The policy engine reads all policies this way.
func (kb *KB) ByKind(ctx context.Context, kind string, limit int) ([]Record, error) {
	return kb.byKind(ctx, kind, limit)
}

// Verify runs SQLite's integrity check, re-validates every stored record and
// checks that the search indexes hold exactly the stored records. It returns
// every problem found; none means the copy is sound.
func (kb *KB) Verify(ctx context.Context) ([]string, error) { return kb.verify(ctx) }
