// Package outbox is the kiosk's durable queue of requests (诉求) waiting to
// reach the hall's server. It lives in its own SQLite file, apart from the
// knowledge base, because the knowledge base is swapped wholesale on sync and
// a queued request must survive that.
//
// The contract: Enqueue returns only after the entry is committed to disk
// (WAL, synchronous=FULL) under its idempotency key; the sender loop sends
// entries strictly in the order they were enqueued and marks one sent only
// when the server has acknowledged it with a ticket. A crash at any point
// leaves each entry either pending (it is sent again, and the key makes the
// server return the same ticket) or sent.
package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver
)

// States of an entry.
const (
	StatePending  = "pending"
	StateSent     = "sent"
	StateRejected = "rejected" // the server refused it for good; kept for staff
)

// Entry is one queued request.
type Entry struct {
	Seq       int64
	Key       string // idempotency key, unique
	Payload   []byte // the exact bytes to send
	CreatedAt time.Time
	State     string
	Attempts  int
	LastError string
	Ticket    string // set when sent
	SentAt    time.Time
}

// Sender delivers one entry and returns the server's ticket. It must be
// idempotent by key: the outbox may send the same entry again after a crash
// or a lost acknowledgement. An error wrapped with Permanent rejects the entry
// instead of retrying it.
type Sender interface {
	Send(ctx context.Context, key string, payload []byte) (ticket string, err error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, key string, payload []byte) (string, error)

// Send implements Sender.
func (f SenderFunc) Send(ctx context.Context, key string, payload []byte) (string, error) {
	return f(ctx, key, payload)
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as one that no retry will fix (the server refused the
// request as invalid). The entry is then kept as rejected and the queue
// moves on, so one bad entry cannot block every request behind it.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// ErrNotFound is returned by Get for an unknown key.
var ErrNotFound = errors.New("outbox: no such entry")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("outbox: closed")

// Outbox is the durable queue with its sender loop. Set the exported fields
// before Open; they are read-only afterwards.
type Outbox struct {
	Path   string
	Sender Sender // nil: entries are only stored (e.g. `outbox list`)
	Logger *slog.Logger

	// PollInterval is how often the loop looks for work when idle (another
	// process may have queued some). MinBackoff and MaxBackoff bound the
	// exponential backoff after a failed send.
	PollInterval time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	// Now and After are the clock; tests replace them.
	Now   func() time.Time
	After func(d time.Duration) <-chan time.Time
	// OnSent, if set, is called from the sender goroutine after each entry is
	// marked sent. It must not block.
	OnSent func(Entry)

	db     *sql.DB
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}
	sendMu sync.Mutex // one sender at a time keeps the order

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever an entry changes state
	fails   int
}

// New returns an outbox for the SQLite file at path that delivers through s.
func New(path string, s Sender) *Outbox {
	return &Outbox{Path: path, Sender: s}
}

const schema = `
CREATE TABLE IF NOT EXISTS outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	key        TEXT    NOT NULL UNIQUE,
	payload    BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	state      TEXT    NOT NULL DEFAULT 'pending',
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	ticket     TEXT    NOT NULL DEFAULT '',
	sent_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox(state, seq);
PRAGMA user_version = 1;
`

// Open opens (creating if needed) the database and, when a Sender is set,
// starts the sender loop. Close stops it.
func (o *Outbox) Open() error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	// synchronous=FULL: a commit is on disk before Enqueue returns, even on
	// power loss; WAL keeps readers (status screens) off the writer's back.
	dsn := "file:" + o.Path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=1"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return fmt.Errorf("outbox open: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return fmt.Errorf("outbox open: schema: %w", err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return fmt.Errorf("outbox open: journal mode %q, want wal: %v", mode, err)
	}
	o.db = db
	o.changed = make(chan struct{})
	o.kick = make(chan struct{}, 1)
	o.ctx, o.cancel = context.WithCancel(context.Background())
	if o.Sender != nil {
		o.wg.Add(1)
		go o.run()
	}
	return nil
}

// Close stops the sender loop (an in-flight send is cancelled and stays
// pending) and closes the database.
func (o *Outbox) Close() error {
	if o.cancel == nil {
		return nil
	}
	o.cancel()
	o.wg.Wait()
	return o.db.Close()
}

// Kick asks the loop to try sending now instead of at its next tick.
func (o *Outbox) Kick() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// Enqueue commits payload under key and wakes the sender. Enqueueing a key
// that is already there changes nothing and returns the stored entry, so a
// kiosk that crashed between commit and screen can safely repeat it.
func (o *Outbox) Enqueue(ctx context.Context, key string, payload []byte) (Entry, error) {
	if key == "" {
		return Entry{}, errors.New("outbox enqueue: empty key")
	}
	if o.ctx.Err() != nil {
		return Entry{}, ErrClosed
	}
	_, err := o.db.ExecContext(ctx,
		`INSERT INTO outbox(key, payload, created_at) VALUES(?, ?, ?) ON CONFLICT(key) DO NOTHING`,
		key, payload, o.Now().UnixMilli())
	if err != nil {
		return Entry{}, fmt.Errorf("outbox enqueue: %w", err)
	}
	e, err := o.Get(ctx, key)
	if err != nil {
		return Entry{}, fmt.Errorf("outbox enqueue: %w", err)
	}
	o.Logger.Info("request queued", "seq", e.Seq, "bytes", len(payload))
	o.Kick()
	return e, nil
}

const cols = `seq, key, payload, created_at, state, attempts, last_error, ticket, sent_at`

func scan(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var created, sent int64
	if err := row.Scan(&e.Seq, &e.Key, &e.Payload, &created, &e.State, &e.Attempts, &e.LastError, &e.Ticket, &sent); err != nil {
		return Entry{}, err
	}
	e.CreatedAt = time.UnixMilli(created)
	if sent != 0 {
		e.SentAt = time.UnixMilli(sent)
	}
	return e, nil
}

// Get returns the entry with key, or ErrNotFound.
func (o *Outbox) Get(ctx context.Context, key string) (Entry, error) {
	e, err := scan(o.db.QueryRowContext(ctx, `SELECT `+cols+` FROM outbox WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("outbox get: %w", err)
	}
	return e, nil
}

// List returns entries in queue order; state "" lists all of them.
func (o *Outbox) List(ctx context.Context, state string) ([]Entry, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT `+cols+` FROM outbox WHERE ? = '' OR state = ? ORDER BY seq`, state, state)
	if err != nil {
		return nil, fmt.Errorf("outbox list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Pending counts the entries not yet sent.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	var n int
	err := o.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("outbox pending: %w", err)
	}
	return n, nil
}

// Changed returns a channel closed at the next change of any entry's state;
// callers waiting for one entry re-read it with Get and wait again.
func (o *Outbox) Changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.changed
}

func (o *Outbox) notify() {
	o.mu.Lock()
	close(o.changed)
	o.changed = make(chan struct{})
	o.mu.Unlock()
}

// WaitSent waits until the entry with key is sent or rejected, or ctx ends.
func (o *Outbox) WaitSent(ctx context.Context, key string) (Entry, error) {
	for {
		ch := o.Changed()
		e, err := o.Get(ctx, key)
		if err != nil {
			return Entry{}, err
		}
		if e.State != StatePending {
			return e, nil
		}
		select {
		case <-ctx.Done():
			return e, ctx.Err()
		case <-ch:
		}
	}
}

// Flush sends pending entries in order until the queue is empty or a send
// fails; it returns how many were sent and the first temporary failure.
// The loop calls it; `xiaofu request outbox flush` calls it directly.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	if o.Sender == nil {
		return 0, errors.New("outbox flush: no sender")
	}
	o.sendMu.Lock()
	defer o.sendMu.Unlock()
	sent := 0
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		e, err := scan(o.db.QueryRowContext(ctx, `SELECT `+cols+` FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1`))
		if errors.Is(err, sql.ErrNoRows) {
			return sent, nil
		}
		if err != nil {
			return sent, fmt.Errorf("outbox flush: %w", err)
		}
		ticket, serr := o.Sender.Send(ctx, e.Key, e.Payload)
		if serr == nil && ticket == "" {
			serr = errors.New("acknowledged without a ticket")
		}
		if serr != nil {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			state := StatePending
			if IsPermanent(serr) {
				state = StateRejected
			}
			// Use a fresh context: the failure must be recorded even if the
			// caller's context is ending.
			if _, err := o.db.Exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ? WHERE seq = ?`, serr.Error(), state, e.Seq); err != nil {
				return sent, fmt.Errorf("outbox flush: record failure: %w", err)
			}
			if state == StateRejected {
				o.Logger.Warn("request rejected by server", "seq", e.Seq, "err", serr)
				o.notify()
				continue
			}
			o.Logger.Info("request send failed", "seq", e.Seq, "attempt", e.Attempts+1, "err", serr)
			return sent, fmt.Errorf("outbox flush: send %d: %w", e.Seq, serr)
		}
		now := o.Now()
		if _, err := o.db.Exec(`UPDATE outbox SET state = 'sent', ticket = ?, sent_at = ?, attempts = attempts + 1, last_error = '' WHERE seq = ?`, ticket, now.UnixMilli(), e.Seq); err != nil {
			return sent, fmt.Errorf("outbox flush: mark sent: %w", err)
		}
		sent++
		e.State, e.Ticket, e.SentAt, e.Attempts = StateSent, ticket, now, e.Attempts+1
		o.Logger.Info("request sent", "seq", e.Seq, "ticket", ticket)
		o.notify()
		if o.OnSent != nil {
			o.OnSent(e)
		}
	}
}

func (o *Outbox) run() {
	defer o.wg.Done()
	for {
		wait := o.PollInterval
		if _, err := o.Flush(o.ctx); err != nil {
			if o.ctx.Err() != nil {
				return
			}
			wait = o.backoff()
		} else {
			o.mu.Lock()
			o.fails = 0
			o.mu.Unlock()
		}
		select {
		case <-o.ctx.Done():
			return
		case <-o.kick:
		case <-o.After(wait):
		}
	}
}

// backoff doubles from MinBackoff to MaxBackoff with full jitter in its upper
// half, so a hall's kiosks coming back online do not all retry at once.
func (o *Outbox) backoff() time.Duration {
	o.mu.Lock()
	o.fails++
	n := o.fails
	o.mu.Unlock()
	d := o.MinBackoff
	for i := 1; i < n && d < o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}
