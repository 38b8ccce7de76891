// Package answer turns a visitor's question into an Answer: retrieved records
// from the local knowledge base, optionally phrased by the LLM, always with the
// citations the answer rests on.
package answer

import "time"

// Tiers say where an answer came from; the UI shows an "offline copy" badge
// for every tier but TierOnline.
const (
	TierOnline   = "online"  // LLM phrased the answer from retrieved records
	TierFastPath = "faq"     // a stored FAQ answer matched with certainty, read word for word
	TierOffline  = "offline" // LLM unreachable or --offline: best record read out directly
)

// Citation is one source an answer rests on, as the answer card shows it.
type Citation struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Title  string `json:"title"`
	Issuer string `json:"issuer,omitempty"` // department or issuing body
	Date   string `json:"date,omitempty"`
	Link   string `json:"link,omitempty"`
}

// Answer is what the kiosk says and shows for one question.
type Answer struct {
	Question  string        `json:"q"`
	Text      string        `json:"answer"`
	Grounded  bool          `json:"grounded"`
	Citations []Citation    `json:"citations"` // best first
	Tier      string        `json:"tier"`
	Elapsed   time.Duration `json:"-"`
	// Note is a short line for the visitor about the tier, e.g. that the answer
	// comes from the offline copy; empty online.
	Note string `json:"note,omitempty"`
	// Route names a screen the question calls for ("guide", "bundle",
	// "policy", "request") with the record id it concerns, if any.
	Route   string `json:"route,omitempty"`
	RouteID string `json:"route_id,omitempty"`
	// Speech is what the kiosk says aloud: Note and Text without citation
	// marks or markup. The card shows Text with its [n] marks.
	Speech string `json:"-"`
}

// Delta is a piece of an answer's spoken text as it is produced, for the
// voice pipeline. Text is already checked and has no citation marks. When
// Restart is set, whatever earlier deltas of the same answer said must be
// dropped (stop speaking it) and Text starts the replacement: that happens
// when a streamed answer fails its checks or the stream breaks off.
type Delta struct {
	Text    string
	Restart bool
}
