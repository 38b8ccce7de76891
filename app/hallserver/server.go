package hallserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"xiaofu/app/request"
)

// Schedule is when a stand-in ticket moves on, counted from its creation.
// Due comes before Resolve so a demo shows an overdue ticket that can be
// hurried with a reminder.
type Schedule struct {
	Assign  time.Duration // received → assigned to its departments
	Start   time.Duration // → in_progress
	Due     time.Duration // promised by; a reminder is accepted after this
	Resolve time.Duration // → resolved
}

// DemoSchedule moves tickets along in minutes, for staff at a window.
var DemoSchedule = Schedule{Assign: 30 * time.Second, Start: 2 * time.Minute, Due: 3 * time.Minute, Resolve: 6 * time.Minute}

// Server implements the request API. Set the fields before serving.
type Server struct {
	Store    *Store
	Schedule Schedule
	Now      func() time.Time // injectable clock; nil means time.Now
	Logger   *slog.Logger
	// Departments, when set, are the only departments an item may name.
	Departments []string
	// TrackURL is the public page a ticket's QR code points to; %s is the ticket.
	TrackURL string
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST /api/requests", s.submit)
	mux.HandleFunc("GET /api/requests/{ticket}", s.status)
	mux.HandleFunc("POST /api/requests/{ticket}/remind", s.remind)
	mux.HandleFunc("POST /api/requests/{ticket}/rate", s.rate)
	mux.HandleFunc("GET /t/{ticket}", s.page)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, request.CodeNotFound, "no such endpoint", "")
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, request.ErrorBody{Error: request.ErrorDetail{Code: code, Message: msg, Field: field}})
}

func (s *Server) internal(w http.ResponseWriter, stage string, err error) {
	s.log().Error("hall server failed", "stage", stage, "err", err)
	writeErr(w, http.StatusInternalServerError, request.CodeInternal, "internal error", "")
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > 128 {
		writeErr(w, http.StatusBadRequest, request.CodeMissingKey, "an Idempotency-Key header of 1-128 characters is required", "")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, request.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErr(w, http.StatusRequestEntityTooLarge, request.CodeTooLarge, fmt.Sprintf("body over %d bytes", request.MaxBodyBytes), "")
			return
		}
		writeErr(w, http.StatusBadRequest, request.CodeInvalid, "could not read body", "")
		return
	}
	var sub request.Submission
	if err := json.Unmarshal(raw, &sub); err != nil {
		writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, "body is not a valid submission: "+err.Error(), "")
		return
	}
	if err := request.Validate(&sub); err != nil {
		var fe *request.FieldError
		if errors.As(err, &fe) {
			status := http.StatusUnprocessableEntity
			code := request.CodeInvalid
			if fe.Field == "picture" && strings.Contains(fe.Message, "太大") {
				status, code = http.StatusRequestEntityTooLarge, request.CodeTooLarge
			}
			writeErr(w, status, code, fe.Message, fe.Field)
			return
		}
		writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, err.Error(), "")
		return
	}
	if len(s.Departments) > 0 {
		for _, it := range sub.Items {
			if !contains(s.Departments, it.Department) {
				writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, "unknown department "+it.Department, "items")
				return
			}
		}
	}
	now := s.now()
	ticket, created, err := s.Store.create(r.Context(), key, raw, sub, now, s.Schedule.Due)
	if errors.Is(err, errConflict) {
		writeErr(w, http.StatusConflict, request.CodeIdempotencyConflict, err.Error(), "")
		return
	}
	if err != nil {
		s.internal(w, "create", err)
		return
	}
	t, err := s.view(r, ticket)
	if err != nil {
		s.internal(w, "view", err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		// The real hall texts the ticket to the contact phone; the stand-in
		// only says it would, without the number.
		s.log().Info("request received", "ticket", ticket, "items", len(sub.Items), "departments", strings.Join(t.Departments, ","))
	} else {
		s.log().Info("request repeated", "ticket", ticket)
	}
	writeJSON(w, status, t)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// view advances the ticket to the present on the server's clock and returns
// it as the API shows it.
func (s *Server) view(r *http.Request, ticket string) (request.Ticket, error) {
	row, err := s.Store.load(r.Context(), ticket)
	if err != nil {
		return request.Ticket{}, err
	}
	now := s.now()
	due := s.due(row)
	if len(due) > len(row.Events) {
		var add []request.Event
		for _, e := range due[len(row.Events):] {
			if !e.At.After(now) {
				add = append(add, e)
			}
		}
		if len(add) > 0 {
			if err := s.Store.addEvents(r.Context(), ticket, len(row.Events), add); err != nil {
				return request.Ticket{}, err
			}
			row.Events = append(row.Events, add...)
		}
	}
	return s.ticket(row, now), nil
}

// due lists every event the ticket will have, with its scheduled time.
func (s *Server) due(row row) []request.Event {
	evs := []request.Event{{State: request.StateReceived, At: row.Created, Note: "诉求已受理"}}
	for _, d := range departments(row.Body.Items) {
		evs = append(evs, request.Event{State: request.StateAssigned, At: row.Created.Add(s.Schedule.Assign), Department: d, Note: "已分派至" + d})
	}
	evs = append(evs,
		request.Event{State: request.StateInProgress, At: row.Created.Add(s.Schedule.Start), Note: "承办部门正在办理"},
		request.Event{State: request.StateResolved, At: row.Created.Add(s.Schedule.Resolve), Note: "已办结，请评价"})
	return evs
}

func departments(items []request.Item) []string {
	var ds []string
	for _, it := range items {
		if !contains(ds, it.Department) {
			ds = append(ds, it.Department)
		}
	}
	return ds
}

func (s *Server) ticket(row row, now time.Time) request.Ticket {
	t := request.Ticket{
		Ticket:      row.Ticket,
		State:       request.StateReceived,
		Departments: departments(row.Body.Items),
		Items:       row.Body.Items,
		CreatedAt:   row.Created,
		DueAt:       row.Due,
		Events:      row.Events,
		Reminders:   row.Reminders,
	}
	if n := len(row.Events); n > 0 {
		t.State = row.Events[n-1].State
	}
	t.Overdue = t.State != request.StateResolved && now.After(row.Due)
	if row.Score > 0 {
		t.Rating = &request.Rating{Score: row.Score, Comment: row.Comment, At: row.RatedAt}
	}
	if s.TrackURL != "" {
		t.TrackURL = fmt.Sprintf(s.TrackURL, row.Ticket)
	}
	return t
}

// authorised loads a ticket and checks the last four digits of its phone;
// a wrong ticket and a wrong phone look the same so tickets cannot be probed.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request, phone4 string) (row, bool) {
	ticket := request.NormalizeTicket(r.PathValue("ticket"))
	if !request.ValidPhone4(phone4) {
		writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, "phone4 must be four digits", "phone4")
		return row{}, false
	}
	rw, err := s.Store.load(r.Context(), ticket)
	if errors.Is(err, errNotFound) || (err == nil && rw.Phone4 != phone4) {
		writeErr(w, http.StatusNotFound, request.CodeNotFound, "no ticket with that number and phone", "")
		return row{}, false
	}
	if err != nil {
		s.internal(w, "load", err)
		return row{}, false
	}
	return rw, true
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	rw, ok := s.authorised(w, r, r.URL.Query().Get("phone4"))
	if !ok {
		return
	}
	t, err := s.view(r, rw.Ticket)
	if err != nil {
		s.internal(w, "view", err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func decodeSmall(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(v); err != nil {
		writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, "body: "+err.Error(), "")
		return false
	}
	return true
}

func (s *Server) remind(w http.ResponseWriter, r *http.Request) {
	var b request.RemindBody
	if !decodeSmall(w, r, &b) {
		return
	}
	rw, ok := s.authorised(w, r, b.Phone4)
	if !ok {
		return
	}
	t, err := s.view(r, rw.Ticket)
	if err != nil {
		s.internal(w, "view", err)
		return
	}
	switch {
	case t.State == request.StateResolved:
		writeErr(w, http.StatusConflict, request.CodeAlreadyResolved, "the ticket is resolved", "")
		return
	case !t.Overdue:
		writeErr(w, http.StatusConflict, request.CodeNotOverdue, "the ticket is due at "+t.DueAt.Format(time.RFC3339), "")
		return
	}
	if err := s.Store.remind(r.Context(), rw.Ticket, s.now()); err != nil {
		s.internal(w, "remind", err)
		return
	}
	s.log().Info("reminder received", "ticket", rw.Ticket)
	t.Reminders++
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	var b request.RateBody
	if !decodeSmall(w, r, &b) {
		return
	}
	rw, ok := s.authorised(w, r, b.Phone4)
	if !ok {
		return
	}
	if err := request.ValidateRating(b.Score, b.Comment); err != nil {
		var fe *request.FieldError
		errors.As(err, &fe)
		writeErr(w, http.StatusUnprocessableEntity, request.CodeInvalid, fe.Message, fe.Field)
		return
	}
	t, err := s.view(r, rw.Ticket)
	if err != nil {
		s.internal(w, "view", err)
		return
	}
	if t.State != request.StateResolved {
		writeErr(w, http.StatusConflict, request.CodeNotResolved, "only a resolved ticket can be rated", "")
		return
	}
	now := s.now()
	done, err := s.Store.rate(r.Context(), rw.Ticket, b.Score, request.CleanText(b.Comment), now)
	if err != nil {
		s.internal(w, "rate", err)
		return
	}
	if !done {
		writeErr(w, http.StatusConflict, request.CodeAlreadyRated, "the ticket was rated already", "")
		return
	}
	t.Rating = &request.Rating{Score: b.Score, Comment: request.CleanText(b.Comment), At: now}
	s.log().Info("rating received", "ticket", rw.Ticket, "score", b.Score)
	writeJSON(w, http.StatusOK, t)
}
