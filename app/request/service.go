package request

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"xiaofu/app/llm"
	"xiaofu/app/redact"
	"xiaofu/localkb/outbox"
)

// Service is the request flow the screens drive: route what the visitor
// said, ask for what is missing, commit the request to the outbox and hand
// back a ticket (or the promise that it will be sent), then look tickets up,
// remind and rate. It holds no Fyne types; all methods block and must be
// called off the UI goroutine.
type Service struct {
	Router *Router
	Client *Client
	Outbox *outbox.Outbox
	Logger *slog.Logger

	// AckWait is how long Submit waits for the server's ticket before it
	// tells the visitor the request is saved and will be sent (default 4 s).
	AckWait time.Duration
	// LLMTimeout bounds online routing before the classifier takes over
	// (default 8 s).
	LLMTimeout time.Duration
	KioskID    string
	Now        func() time.Time
}

// Config is what Open needs to build a Service.
type Config struct {
	ServerURL   string       // the hall's request API, e.g. http://127.0.0.1:8790
	OutboxPath  string       // its own SQLite file, never the knowledge base's; "" = DefaultOutboxPath()
	Departments []Department // from HallDepartments(knowledge-base records)
	LLM         Completer    // nil: route offline
	KioskID     string
	Logger      *slog.Logger // wrapped in redact.Handler by Open
}

// Open builds the client, opens the outbox (which starts sending whatever
// an earlier run left queued) and loads the embedded classifier. Close the
// Service to stop the sender.
func Open(cfg Config) (*Service, error) {
	logger := slog.New(slog.DiscardHandler)
	if cfg.Logger != nil {
		logger = slog.New(redact.NewHandler(cfg.Logger.Handler()))
	}
	model, err := EmbeddedModel()
	if err != nil {
		return nil, fmt.Errorf("request open: %w", err)
	}
	if cfg.OutboxPath == "" {
		cfg.OutboxPath = DefaultOutboxPath()
	}
	if err := os.MkdirAll(filepath.Dir(cfg.OutboxPath), 0o755); err != nil {
		return nil, fmt.Errorf("request open: %w", err)
	}
	c := NewClient(cfg.ServerURL)
	ob := outbox.New(cfg.OutboxPath, OutboxSender(c))
	ob.Logger = logger.With("component", "outbox")
	if err := ob.Open(); err != nil {
		return nil, fmt.Errorf("request open: %w", err)
	}
	r := NewRouter(cfg.Departments, model, cfg.LLM)
	r.Logger = logger.With("component", "router")
	return &Service{Router: r, Client: c, Outbox: ob, Logger: logger.With("component", "request"), KioskID: cfg.KioskID}, nil
}

// Close stops the outbox's sender; queued requests stay on disk.
func (s *Service) Close() error {
	if s.Outbox == nil {
		return nil
	}
	return s.Outbox.Close()
}

// OutboxSender sends outbox entries through c. A refusal that no retry can
// fix (invalid, conflicting key) rejects the entry; anything else is retried.
func OutboxSender(c *Client) outbox.Sender {
	return outbox.SenderFunc(func(ctx context.Context, key string, payload []byte) (string, error) {
		t, err := c.SubmitRaw(ctx, key, payload)
		if err != nil {
			if !Retryable(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				return "", outbox.Permanent(err)
			}
			return "", err
		}
		return t.Ticket, nil
	})
}

// LLMCompleter adapts app/llm's streaming client to Completer.
type LLMCompleter struct{ Client *llm.Client }

// Complete implements Completer by collecting the streamed answer.
func (c LLMCompleter) Complete(ctx context.Context, system, user string) (string, error) {
	var b strings.Builder
	_, err := c.Client.Stream(ctx, []llm.Message{{Role: llm.RoleSystem, Text: system}, {Role: llm.RoleUser, Text: user}},
		func(d string) error { b.WriteString(d); return nil })
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Draft is what the visitor has told the kiosk so far. Key is set by the
// first Submit and kept, so tapping 提交 twice sends one request.
type Draft struct {
	Description string
	Items       []Item
	Kind        string
	Contact     Contact
	Pictures    []Picture
	Key         string
}

// Route splits and routes the description (LLM first, bounded by
// LLMTimeout, then the classifier).
func (s *Service) Route(ctx context.Context, text string) (Routing, error) {
	d := s.LLMTimeout
	if d <= 0 {
		d = 8 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	rt, err := s.Router.Route(ctx, text)
	if err != nil {
		return Routing{}, err
	}
	s.log().Info("request routed", "source", rt.Source, "items", len(rt.Items), "kind", rt.Kind)
	return rt, nil
}

// Fields the contact form may ask for.
const (
	FieldPhone    = "phone"
	FieldCompany  = "company"
	FieldLocation = "location"
)

// placeBound are departments whose work happens at a place: a request to
// them needs to say where.
var placeBound = []string{"城管", "交通", "水务", "生态环境", "住建", "消防", "应急", "农业农村"}

// companyBound are departments that act on an enterprise's file.
var companyBound = []string{"市场监管", "经发", "税务", "财政", "人社", "烟草", "不动产", "医保"}

// placeWords are signs the description already says where.
var placeWords = []string{"路", "街", "号", "村", "小区", "大道", "园区", "广场", "镇"}

// Missing lists what the contact form must still ask for, in order: the
// phone always until given; the company when an item goes to a department
// that acts on an enterprise; the location when one goes to a department
// that works on site and the description names no place.
func (s *Service) Missing(d Draft) []string {
	var out []string
	if _, ok := NormalizePhone(d.Contact.Phone); !ok {
		out = append(out, FieldPhone)
	}
	needCompany, needPlace := false, false
	for _, it := range d.Items {
		for _, k := range companyBound {
			needCompany = needCompany || strings.Contains(it.Department, k)
		}
		for _, k := range placeBound {
			needPlace = needPlace || strings.Contains(it.Department, k)
		}
	}
	if needCompany && strings.TrimSpace(d.Contact.Company) == "" {
		out = append(out, FieldCompany)
	}
	if needPlace && strings.TrimSpace(d.Contact.Location) == "" {
		named := false
		for _, w := range placeWords {
			named = named || strings.Contains(d.Description, w)
		}
		if !named {
			out = append(out, FieldLocation)
		}
	}
	return out
}

// Receipt is what the visitor is told after Submit.
type Receipt struct {
	Key      string
	Ticket   string // "" while queued
	Queued   bool   // saved locally; will be sent when the network is back
	LocalRef string // shown while queued, e.g. 本机-0007
	Phone4   string
	TrackURL string
	DueAt    time.Time
}

// ErrOutboxClosed is returned when the kiosk is shutting down.
var ErrOutboxClosed = outbox.ErrClosed

// NewKey returns a fresh idempotency key.
func NewKey(kiosk string) string {
	var b [16]byte
	rand.Read(b[:])
	if kiosk == "" {
		kiosk = "kiosk"
	}
	return kiosk + "-" + hex.EncodeToString(b[:])
}

// Submit validates the draft, commits it to the outbox (from then on it
// cannot be lost) and waits up to AckWait for the server's ticket. A field
// problem comes back as *FieldError and nothing is queued. A slow or absent
// network is not an error: the Receipt says Queued.
func (s *Service) Submit(ctx context.Context, d *Draft) (Receipt, error) {
	sub := Submission{
		Description: d.Description,
		Items:       d.Items,
		Contact:     d.Contact,
		Pictures:    d.Pictures,
		Kind:        d.Kind,
		Channel:     "kiosk",
		KioskID:     s.KioskID,
		CreatedAt:   s.now().UTC().Truncate(time.Second),
	}
	if err := Validate(&sub); err != nil {
		return Receipt{}, err
	}
	for _, it := range sub.Items {
		if s.Router != nil && !s.Router.Valid(it.Department) {
			return Receipt{}, &FieldError{Field: "items", Message: "部门“" + it.Department + "”不在本大厅，请重新选择"}
		}
	}
	if d.Key == "" {
		d.Key = NewKey(s.KioskID)
	}
	body, err := json.Marshal(sub)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: encode: %w", err)
	}
	e, err := s.Outbox.Enqueue(ctx, d.Key, body)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	rc := Receipt{Key: d.Key, Phone4: Phone4(sub.Contact.Phone), LocalRef: fmt.Sprintf("本机-%04d", e.Seq)}
	s.log().Info("request committed", "seq", e.Seq, "items", len(sub.Items), "pictures", len(sub.Pictures))
	wait := s.AckWait
	if wait <= 0 {
		wait = 4 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	e, err = s.Outbox.WaitSent(wctx, d.Key)
	switch {
	case err == nil && e.State == outbox.StateSent:
		rc.Ticket = e.Ticket
		s.fillTicket(ctx, &rc)
	case err == nil && e.State == outbox.StateRejected:
		return Receipt{}, fmt.Errorf("submit: refused by the hall: %s", e.LastError)
	default:
		rc.Queued = true
		s.log().Info("request queued for later", "seq", e.Seq)
	}
	return rc, nil
}

// fillTicket asks for the ticket's track URL and due time; a failure here
// does not matter, the ticket number is what counts.
func (s *Service) fillTicket(ctx context.Context, rc *Receipt) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	t, err := s.Client.Status(ctx, rc.Ticket, rc.Phone4)
	if err != nil {
		return
	}
	rc.TrackURL, rc.DueAt = t.TrackURL, t.DueAt
}

// ErrBadLookup is a lookup with a malformed ticket or phone digits.
var ErrBadLookup = errors.New("lookup: ticket or phone digits malformed")

// Lookup fetches a ticket with its timeline.
func (s *Service) Lookup(ctx context.Context, ticket, phone4 string) (Ticket, error) {
	ticket = NormalizeTicket(ticket)
	if !ValidTicket(ticket) {
		return Ticket{}, &FieldError{Field: "ticket", Message: "工单号格式不对，应类似 SQ20261129-0001"}
	}
	if !ValidPhone4(phone4) {
		return Ticket{}, &FieldError{Field: "phone4", Message: "请输入手机号后四位数字"}
	}
	return s.Client.Status(ctx, ticket, phone4)
}

// Remind hurries an overdue ticket.
func (s *Service) Remind(ctx context.Context, ticket, phone4 string) (Ticket, error) {
	return s.Client.Remind(ctx, NormalizeTicket(ticket), phone4)
}

// Rate sends the visitor's rating of a resolved ticket.
func (s *Service) Rate(ctx context.Context, ticket, phone4 string, score int, comment string) (Ticket, error) {
	if err := ValidateRating(score, comment); err != nil {
		return Ticket{}, err
	}
	return s.Client.Rate(ctx, NormalizeTicket(ticket), phone4, score, CleanText(comment))
}

// Online reports whether the hall's server answers, for the status badge.
func (s *Service) Online(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.Client.Health(ctx) == nil
}

// Departments lists the hall's departments an item may be moved to.
func (s *Service) Departments() []string {
	if s.Router == nil {
		return nil
	}
	return s.Router.Departments()
}
