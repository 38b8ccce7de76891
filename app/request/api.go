package request

import "time"

// The wire types of the hall's request API (docs/request-api.md). The kiosk's
// client and the stand-in server in app/hallserver both use them, so the
// document, the client and the server cannot drift apart silently.

// States a ticket moves through, in order.
const (
	StateReceived   = "received"
	StateAssigned   = "assigned"
	StateInProgress = "in_progress"
	StateResolved   = "resolved"
)

// StateLabel is what the kiosk shows for a state.
func StateLabel(state string) string {
	switch state {
	case StateReceived:
		return "已受理"
	case StateAssigned:
		return "已分派"
	case StateInProgress:
		return "办理中"
	case StateResolved:
		return "已办结"
	}
	return state
}

// Limits the API enforces; the kiosk checks them before anything is queued so
// a request that would be refused is never committed to the outbox.
const (
	MaxDescriptionRunes = 1000                       // the whole description
	MaxItemRunes        = 500                        // one routed item's text
	MaxItems            = 5                          // items per request
	MaxPictures         = 3                          // pictures per request
	MaxPictureBytes     = 2 << 20                    // one picture, decoded
	MaxBodyBytes        = 4*MaxPictureBytes + 64<<10 // a whole POST body (base64 grows pictures by a third)
	MaxCompanyRunes     = 100
	MaxLocationRunes    = 200
	MaxNameRunes        = 30
	MaxCommentRunes     = 500
)

// Submission is the body of POST /api/requests.
type Submission struct {
	Description string    `json:"description"`
	Items       []Item    `json:"items"`
	Contact     Contact   `json:"contact"`
	Pictures    []Picture `json:"pictures,omitempty"`
	Kind        string    `json:"kind,omitempty"`    // 咨询, 建言 or 投诉求助, when known
	Channel     string    `json:"channel,omitempty"` // "kiosk"
	KioskID     string    `json:"kiosk_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"` // when the visitor confirmed, kiosk clock
}

// Item is one part of a request routed to one department.
type Item struct {
	Text       string `json:"text"`
	Department string `json:"department"`
	Reason     string `json:"reason,omitempty"` // why this department, shown to the visitor
}

// Contact is who the hall calls back. Phone is required; the rest only when
// the request needs it (a broken kerb needs a location, a financing question a
// company).
type Contact struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone"`
	Company  string `json:"company,omitempty"`
	Location string `json:"location,omitempty"`
}

// Picture is an attached photo: JPEG or PNG, at most MaxPictureBytes.
type Picture struct {
	Type string `json:"type"` // image/jpeg or image/png
	Data []byte `json:"data"` // base64 in JSON
}

// Ticket is the answer to a submission and to a status lookup.
type Ticket struct {
	Ticket      string    `json:"ticket"`
	State       string    `json:"state"`
	Departments []string  `json:"departments"`
	Items       []Item    `json:"items"`
	CreatedAt   time.Time `json:"created_at"`
	DueAt       time.Time `json:"due_at"`
	Overdue     bool      `json:"overdue"`
	Events      []Event   `json:"events,omitempty"`
	Reminders   int       `json:"reminders"`
	Rating      *Rating   `json:"rating,omitempty"`
	TrackURL    string    `json:"track_url,omitempty"` // for the QR code
}

// Event is one step of a ticket's timeline.
type Event struct {
	State      string    `json:"state"`
	At         time.Time `json:"at"`
	Department string    `json:"department,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// Rating is the visitor's verdict on a resolved ticket.
type Rating struct {
	Score   int       `json:"score"` // 1..5
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// RemindBody is the body of POST /api/requests/{ticket}/remind.
type RemindBody struct {
	Phone4 string `json:"phone4"`
}

// RateBody is the body of POST /api/requests/{ticket}/rate.
type RateBody struct {
	Phone4  string `json:"phone4"`
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// ErrorBody is every error response: {"error": {...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names what went wrong in a machine-readable code.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error codes of the API.
const (
	CodeInvalid             = "invalid"                 // 422, Field names the field
	CodeTooLarge            = "too_large"               // 413
	CodeMissingKey          = "missing_idempotency_key" // 400
	CodeIdempotencyConflict = "idempotency_conflict"    // 409: same key, different body
	CodeNotFound            = "not_found"               // 404: no such ticket, or phone4 does not match
	CodeNotOverdue          = "not_overdue"             // 409
	CodeNotResolved         = "not_resolved"            // 409
	CodeAlreadyResolved     = "already_resolved"        // 409
	CodeAlreadyRated        = "already_rated"           // 409
	CodeRateLimited         = "rate_limited"            // 429
	CodeInternal            = "internal"                // 500
	CodeUnavailable         = "unavailable"             // 503
)
