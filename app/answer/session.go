package answer

import (
	"regexp"
	"strings"
	"sync"

	"xiaofu/localkb"
)

// MaxTurns is how many earlier turns a Session keeps for follow-ups.
const MaxTurns = 4

// Turn is one earlier question and answer of a visit.
type Turn struct {
	Question string
	Answer   string          // what was said, without citation marks
	Primary  *localkb.Record // the record the answer rested on, if grounded
}

// Session is one visitor's conversation: the last few turns, so that "那需要
// 什么材料？" is understood against the item asked about before. The kiosk
// wipes it when the visitor leaves (Reset). It is safe for concurrent use.
type Session struct {
	mu    sync.Mutex
	turns []Turn
}

// NewSession starts an empty visit.
func NewSession() *Session { return &Session{} }

// Reset forgets the visit: nothing of it stays in memory.
func (s *Session) Reset() {
	if s == nil {
		return
	}
	s.mu.Lock()
	for i := range s.turns {
		s.turns[i] = Turn{}
	}
	s.turns = nil
	s.mu.Unlock()
}

// Turns returns a copy of the kept turns, oldest first.
func (s *Session) Turns() []Turn {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Turn(nil), s.turns...)
}

func (s *Session) add(t Turn) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.turns = append(s.turns, t)
	if len(s.turns) > MaxTurns {
		s.turns = append([]Turn(nil), s.turns[len(s.turns)-MaxTurns:]...)
	}
	s.mu.Unlock()
}

// topic is the record the last grounded turn was about.
func (s *Session) topic() *localkb.Record {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.turns); n > 0 {
		return s.turns[n-1].Primary
	}
	return nil
}

var (
	anaphora  = regexp.MustCompile(`^(那|那么|那个|这个|它|这|该|此|还有|另外|还要|还需要|还得|然后|再问|顺便问)`)
	aspectAsk = regexp.MustCompile(askMaterials.String() + "|" + askTime.String() + "|" + askPlace.String() + "|" +
		askPhone.String() + "|" + askFee.String() + "|" + askSteps.String() + "|" + askOnline.String() + "|" + askWho.String())
)

// isFollowUp reports whether q leans on the previous turn: it starts by
// pointing back ("那…", "这个…") or is a short question about an aspect of
// an item ("要多久？", "在哪办？") that names no item of its own.
func isFollowUp(q string) bool {
	q = strings.TrimSpace(q)
	if anaphora.MatchString(q) {
		return true
	}
	return len([]rune(q)) <= 12 && aspectAsk.MatchString(q)
}
