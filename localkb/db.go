package localkb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// schema is written into each new database file by Import. Files are never
// modified after the swap, so readers open them immutable.
//
// fts_bi holds character bigrams (see tokens) in the unicode61 tokenizer:
// it is the path for one- and two-character terms and the main ranker.
// fts_tri holds the raw text under the trigram tokenizer: substring search
// for longer phrases and the plain baseline the benchmarks compare with.
const schema = `
CREATE TABLE kb_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records(
	rid INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	department TEXT NOT NULL DEFAULT '',
	title_tokens TEXT NOT NULL,
	head_tokens TEXT NOT NULL,
	body_tokens TEXT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX records_kind ON records(kind, id);
CREATE INDEX records_dept ON records(department, kind);
CREATE TABLE record_topics(topic TEXT NOT NULL, rid INTEGER NOT NULL);
CREATE INDEX record_topics_topic ON record_topics(topic);
CREATE TABLE synonyms(variant TEXT PRIMARY KEY, canonical TEXT NOT NULL);
CREATE TABLE df(term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts_bi USING fts5(title, alt, kw, dept, body, content='', tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE fts_tri USING fts5(title, alt, body, content='', tokenize='trigram case_sensitive 1');
`

// handle is one open database file. Searches hold a reference while they run
// so that Reload can close the old file only after they finish.
type handle struct {
	db    *sql.DB
	meta  Meta
	canon *Canon
	n     int // number of records, for IDF
	refs  sync.WaitGroup
}

type kbState struct {
	path   string
	mu     sync.RWMutex
	cur    *handle
	closed bool
}

func itoa(n int) string { return strconv.Itoa(n) }

func checkFTS5() error {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return fmt.Errorf("check fts5: %w", err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')`); err != nil {
		if strings.Contains(err.Error(), "no such module") {
			return ErrNoFTS5
		}
		return fmt.Errorf("check fts5: %w", err)
	}
	return nil
}

func roDSN(path string) string {
	// immutable: the file is never written after the swap, so SQLite may skip
	// locking entirely; a swapped-in file is a new inode and needs Reload.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&immutable=1"
}

func openHandle(path string) (*handle, error) {
	if err := checkFTS5(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", roDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	h := &handle{db: db}
	if err := h.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return h, nil
}

func (h *handle) load() error {
	kv := map[string]string{}
	rows, err := h.db.Query(`SELECT key, value FROM kb_meta`)
	if err != nil {
		return fmt.Errorf("not a knowledge base: %w", err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return err
		}
		kv[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(kv["meta"]), &h.meta); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	h.n, _ = strconv.Atoi(kv["records"])
	var extra [][2]string
	srows, err := h.db.Query(`SELECT variant, canonical FROM synonyms`)
	if err != nil {
		return err
	}
	defer srows.Close()
	for srows.Next() {
		var p [2]string
		if err := srows.Scan(&p[0], &p[1]); err != nil {
			return err
		}
		extra = append(extra, p)
	}
	h.canon = newCanon(extra)
	return srows.Err()
}

func open(path string) (*KB, error) {
	h, err := openHandle(path)
	if err != nil {
		return nil, err
	}
	return &KB{&kbState{path: path, cur: h}}, nil
}

// acquire returns the current handle with a reference the caller releases
// with h.refs.Done().
func (kb *KB) acquire() (*handle, error) {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	if kb.closed {
		return nil, ErrClosed
	}
	kb.cur.refs.Add(1)
	return kb.cur, nil
}

func (kb *KB) close() error {
	kb.mu.Lock()
	if kb.closed {
		kb.mu.Unlock()
		return nil
	}
	kb.closed = true
	h := kb.cur
	kb.mu.Unlock()
	h.refs.Wait()
	return h.db.Close()
}

func (kb *KB) reload() error {
	h, err := openHandle(kb.path)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	kb.mu.Lock()
	if kb.closed {
		kb.mu.Unlock()
		h.db.Close()
		return ErrClosed
	}
	old := kb.cur
	kb.cur = h
	kb.mu.Unlock()
	// The old file is closed once the searches that hold it finish, off the
	// caller's goroutine so that the UI never waits for them.
	go func() {
		old.refs.Wait()
		old.db.Close()
	}()
	return nil
}

func (kb *KB) meta() Meta {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	return kb.cur.meta
}

func scanRecords(rows *sql.Rows) ([]Record, error) {
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var r Record
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("decode record: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func limitClause(limit int) string {
	if limit <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(limit)
}

func (kb *KB) get(ctx context.Context, id string) (Record, error) {
	h, err := kb.acquire()
	if err != nil {
		return Record{}, err
	}
	defer h.refs.Done()
	var data string
	err = h.db.QueryRowContext(ctx, `SELECT data FROM records WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("get %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return Record{}, fmt.Errorf("get %s: %w", id, err)
	}
	return r, nil
}

func (kb *KB) stats(ctx context.Context) (Stats, error) {
	h, err := kb.acquire()
	if err != nil {
		return Stats{}, err
	}
	defer h.refs.Done()
	st := Stats{Version: h.meta.Version, ByKind: map[string]int{}}
	rows, err := h.db.QueryContext(ctx, `SELECT kind, count(*) FROM records GROUP BY kind`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return st, fmt.Errorf("stats: %w", err)
		}
		st.ByKind[k] = n
		st.Total += n
	}
	return st, rows.Err()
}

func (kb *KB) countedStrings(ctx context.Context, query string) ([]string, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	rows, err := h.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (kb *KB) departments(ctx context.Context) ([]string, error) {
	out, err := kb.countedStrings(ctx, `SELECT department FROM records WHERE department <> ''
		GROUP BY department ORDER BY count(*) DESC, department`)
	if err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	return out, nil
}

func (kb *KB) topics(ctx context.Context) ([]string, error) {
	if m := kb.meta(); len(m.Topics) > 0 {
		return append([]string(nil), m.Topics...), nil
	}
	out, err := kb.countedStrings(ctx, `SELECT topic FROM record_topics GROUP BY topic ORDER BY count(*) DESC, topic`)
	if err != nil {
		return nil, fmt.Errorf("topics: %w", err)
	}
	return out, nil
}

func (kb *KB) byDepartment(ctx context.Context, dept string, kinds []string, limit int) ([]Record, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	q := `SELECT data FROM records WHERE department = ?`
	args := []any{dept}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(",?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	rows, err := h.db.QueryContext(ctx, q+` ORDER BY title`+limitClause(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("by department: %w", err)
	}
	return scanRecords(rows)
}

func (kb *KB) byTopic(ctx context.Context, topic string, limit int) ([]Record, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	rows, err := h.db.QueryContext(ctx, `SELECT r.data FROM record_topics t JOIN records r ON r.rid = t.rid
		WHERE t.topic = ? ORDER BY r.kind, r.title`+limitClause(limit), topic)
	if err != nil {
		return nil, fmt.Errorf("by topic: %w", err)
	}
	return scanRecords(rows)
}

func (kb *KB) byKind(ctx context.Context, kind string, limit int) ([]Record, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	rows, err := h.db.QueryContext(ctx, `SELECT data FROM records WHERE kind = ? ORDER BY id`+limitClause(limit), kind)
	if err != nil {
		return nil, fmt.Errorf("by kind: %w", err)
	}
	return scanRecords(rows)
}

func (kb *KB) verify(ctx context.Context) ([]string, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	var problems []string
	rows, err := h.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("verify: %w", err)
		}
		if s != "ok" {
			problems = append(problems, "integrity: "+s)
		}
	}
	rows.Close()
	// FTS5's own index check is phrased as an INSERT, which the read-only
	// handle refuses; it writes nothing, so a separate read-write handle on
	// the same file runs it.
	if rw, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: kb.path}).EscapedPath()+"?mode=rw"); err == nil {
		for _, t := range []string{"fts_bi", "fts_tri"} {
			if _, err := rw.ExecContext(ctx, `INSERT INTO `+t+`(`+t+`) VALUES('integrity-check')`); err != nil {
				problems = append(problems, t+": "+err.Error())
			}
		}
		rw.Close()
	}
	kv := map[string]string{}
	if mrows, err := h.db.QueryContext(ctx, `SELECT key, value FROM kb_meta`); err == nil {
		for mrows.Next() {
			var k, v string
			mrows.Scan(&k, &v)
			kv[k] = v
		}
		mrows.Close()
	}
	if kv["index_version"] != indexVersion {
		problems = append(problems, fmt.Sprintf("index version %q, this binary expects %q: re-import the snapshot", kv["index_version"], indexVersion))
	}
	// Re-validate every record and check each is findable by its first
	// title token in both indexes: a record the index lost would silently
	// never be an answer.
	rrows, err := h.db.QueryContext(ctx, `SELECT rid, id, data FROM records ORDER BY rid`)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	type item struct {
		rid int64
		id  string
		rec Record
	}
	var items []item
	seen := map[string]bool{}
	for rrows.Next() {
		var it item
		var data string
		if err := rrows.Scan(&it.rid, &it.id, &data); err != nil {
			rrows.Close()
			return nil, fmt.Errorf("verify: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &it.rec); err != nil {
			problems = append(problems, it.id+": stored JSON: "+err.Error())
			continue
		}
		if it.rec.ID != it.id {
			problems = append(problems, it.id+": stored id differs from the record's id "+it.rec.ID)
		}
		for _, le := range validateRecord(&it.rec, 0) {
			problems = append(problems, it.id+": "+le.Field+": "+le.Reason)
		}
		seen[it.id] = true
		items = append(items, it)
	}
	rrows.Close()
	if want, _ := strconv.Atoi(kv["records"]); want != len(items) {
		problems = append(problems, fmt.Sprintf("meta says %d records, table holds %d", want, len(items)))
	}
	for _, it := range items {
		if ctx.Err() != nil {
			return problems, ctx.Err()
		}
		toks := tokens(h.canon.r.Replace(normalize(it.rec.Title)))
		if len(toks) == 0 {
			continue
		}
		var n int
		err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM fts_bi WHERE fts_bi MATCH ? AND rowid = ?`,
			`title:`+ftsQuote(toks[0]), it.rid).Scan(&n)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: bigram index: %v", it.id, err))
		} else if n != 1 {
			problems = append(problems, it.id+": missing from the bigram index")
		}
		if tri := []rune(strings.TrimSpace(normalize(it.rec.Title))); len(tri) >= 3 && !strings.Contains(string(tri[:3]), " ") {
			err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM fts_tri WHERE fts_tri MATCH ? AND rowid = ?`,
				`title:`+ftsQuote(string(tri[:3])), it.rid).Scan(&n)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: trigram index: %v", it.id, err))
			} else if n != 1 {
				problems = append(problems, it.id+": missing from the trigram index")
			}
		}
	}
	for _, it := range items {
		if it.rec.Bundle == nil {
			continue
		}
		for _, s := range it.rec.Bundle.Steps {
			if !seen[s.ItemID] {
				problems = append(problems, it.id+": bundle step names missing record "+s.ItemID)
			}
		}
	}
	sort.Strings(problems)
	return problems, nil
}

// ftsQuote makes s one FTS5 string token.
func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
