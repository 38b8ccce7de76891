// Package hallserver is a stand-in for the hall's request server: it speaks
// the API in docs/request-api.md over HTTP, keeps tickets in its own SQLite
// file and moves them through their states on a clock, so staff can demo
// the whole request flow with no back-end and tests run against a real
// server. `xiaofu hall serve` runs it.
package hallserver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver

	"xiaofu/app/request"
)

// Store keeps tickets, their events, reminders and ratings.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS tickets (
	ticket     TEXT PRIMARY KEY,
	idem_key   TEXT NOT NULL UNIQUE,
	body_hash  TEXT NOT NULL,
	phone4     TEXT NOT NULL,
	body       BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	due_at     INTEGER NOT NULL,
	reminders  INTEGER NOT NULL DEFAULT 0,
	reminded_at INTEGER NOT NULL DEFAULT 0,
	score      INTEGER NOT NULL DEFAULT 0,
	comment    TEXT NOT NULL DEFAULT '',
	rated_at   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
	ticket     TEXT NOT NULL REFERENCES tickets(ticket),
	step       INTEGER NOT NULL,
	state      TEXT NOT NULL,
	at         INTEGER NOT NULL,
	department TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (ticket, step)
);
CREATE TABLE IF NOT EXISTS counters (day TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hits (idem_key TEXT NOT NULL, at INTEGER NOT NULL);
`

// OpenStore opens (creating if needed) the server's database at path.
func OpenStore(path string) (*Store, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("hall store: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("hall store: schema: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// errConflict: the key was used before with a different body.
var errConflict = errors.New("idempotency key reused with a different body")

var errNotFound = errors.New("no such ticket")

type row struct {
	Ticket     string
	Body       request.Submission
	Phone4     string
	Created    time.Time
	Due        time.Time
	Reminders  int
	RemindedAt time.Time
	Score      int
	Comment    string
	RatedAt    time.Time
	Events     []request.Event
}

// create stores a submission under key, or returns the ticket already
// stored for it; created reports which.
func (s *Store) create(ctx context.Context, key string, raw []byte, sub request.Submission, now time.Time, due time.Duration) (ticket string, created bool, err error) {
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO hits(idem_key, at) VALUES(?, ?)`, key, now.UnixMilli()); err != nil {
		return "", false, err
	}
	var old, oldHash string
	err = tx.QueryRowContext(ctx, `SELECT ticket, body_hash FROM tickets WHERE idem_key = ?`, key).Scan(&old, &oldHash)
	switch {
	case err == nil:
		if oldHash != hash {
			if err := tx.Commit(); err != nil { // keep the hit: it counts as an arrival
				return "", false, err
			}
			return "", false, errConflict
		}
		return old, false, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, err
	}
	day := now.Format("20060102")
	var n int
	if err := tx.QueryRowContext(ctx, `INSERT INTO counters(day, n) VALUES(?, 1) ON CONFLICT(day) DO UPDATE SET n = n + 1 RETURNING n`, day).Scan(&n); err != nil {
		return "", false, err
	}
	ticket = fmt.Sprintf("SQ%s-%04d", day, n)
	body, _ := json.Marshal(sub)
	if _, err := tx.ExecContext(ctx, `INSERT INTO tickets(ticket, idem_key, body_hash, phone4, body, created_at, due_at) VALUES(?,?,?,?,?,?,?)`,
		ticket, key, hash, request.Phone4(sub.Contact.Phone), body, now.UnixMilli(), now.Add(due).UnixMilli()); err != nil {
		return "", false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events(ticket, step, state, at, note) VALUES(?, 0, ?, ?, '诉求已受理')`, ticket, request.StateReceived, now.UnixMilli()); err != nil {
		return "", false, err
	}
	return ticket, true, tx.Commit()
}

func (s *Store) load(ctx context.Context, ticket string) (row, error) {
	var r row
	var body []byte
	var created, due, reminded, rated int64
	err := s.db.QueryRowContext(ctx, `SELECT ticket, body, phone4, created_at, due_at, reminders, reminded_at, score, comment, rated_at FROM tickets WHERE ticket = ?`, ticket).
		Scan(&r.Ticket, &body, &r.Phone4, &created, &due, &r.Reminders, &reminded, &r.Score, &r.Comment, &rated)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, errNotFound
	}
	if err != nil {
		return row{}, err
	}
	if err := json.Unmarshal(body, &r.Body); err != nil {
		return row{}, fmt.Errorf("stored body: %w", err)
	}
	r.Created, r.Due = time.UnixMilli(created), time.UnixMilli(due)
	if reminded != 0 {
		r.RemindedAt = time.UnixMilli(reminded)
	}
	if rated != 0 {
		r.RatedAt = time.UnixMilli(rated)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT state, at, department, note FROM events WHERE ticket = ? ORDER BY step`, ticket)
	if err != nil {
		return row{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var e request.Event
		var at int64
		if err := rows.Scan(&e.State, &at, &e.Department, &e.Note); err != nil {
			return row{}, err
		}
		e.At = time.UnixMilli(at)
		r.Events = append(r.Events, e)
	}
	return r, rows.Err()
}

func (s *Store) addEvents(ctx context.Context, ticket string, from int, evs []request.Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, e := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO events(ticket, step, state, at, department, note) VALUES(?,?,?,?,?,?)`,
			ticket, from+i, e.State, e.At.UnixMilli(), e.Department, e.Note); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *Store) remind(ctx context.Context, ticket string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tickets SET reminders = reminders + 1, reminded_at = ? WHERE ticket = ?`, now.UnixMilli(), ticket)
	return err
}

func (s *Store) rate(ctx context.Context, ticket string, score int, comment string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE tickets SET score = ?, comment = ?, rated_at = ? WHERE ticket = ? AND score = 0`, score, comment, now.UnixMilli(), ticket)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Counts reports how many tickets exist and how many submissions arrived
// (repeats included), for tests and `hall serve` logs.
func (s *Store) Counts(ctx context.Context) (tickets, hits int, err error) {
	if err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&tickets); err != nil {
		return
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM hits`).Scan(&hits)
	return
}

// Keys returns every idempotency key with its ticket, in ticket order.
func (s *Store) Keys(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idem_key, ticket FROM tickets ORDER BY created_at, ticket`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, t string
		if err := rows.Scan(&k, &t); err != nil {
			return nil, err
		}
		m[k] = t
	}
	return m, rows.Err()
}

// Order returns the idempotency keys in the order their tickets were
// created, to check that queued requests arrive in order.
func (s *Store) Order(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idem_key FROM tickets ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Submissions returns every stored submission by ticket, for tests that
// check nothing was stored twice.
func (s *Store) Submissions(ctx context.Context) (map[string]request.Submission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ticket, body FROM tickets`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]request.Submission{}
	for rows.Next() {
		var t string
		var b []byte
		if err := rows.Scan(&t, &b); err != nil {
			return nil, err
		}
		var sub request.Submission
		if err := json.Unmarshal(b, &sub); err != nil {
			return nil, err
		}
		out[t] = sub
	}
	return out, rows.Err()
}
