package answer

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

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
	anaphora  = regexp.MustCompile(`^(那么|那个|那|这个|这|它|该|此|还有|另外|还要|还需要|还得|然后|再问|顺便问)`)
	aspectAsk = regexp.MustCompile(askMaterials.String() + "|" + askTime.String() + "|" + askPlace.String() + "|" +
		askPhone.String() + "|" + askFee.String() + "|" + askSteps.String() + "|" + askOnline.String() + "|" + askWho.String())
	// filler is what is left of a question that names nothing of its own.
	filler = regexp.MustCompile(`那么|那个|这个|还有|另外|然后|顺便|请问|一下|需要|什么|哪些|怎么|如何|可以|多少|准备|提交|办理|[那这它该此还也都要能吗呢吧啊呀的了得是有我您你办去在到带交再问几个些就先后]`)
)

// isFollowUp reports whether q leans on the previous turn: once the
// pointing-back words ("那…", "这个…"), the aspects of an item ("材料",
// "多久", "在哪") and the fillers are taken out, nothing is left that could
// name an item of its own. "那需要什么材料？" is a follow-up; "营业执照丢了
// 怎么办" is a new question even right after another item.
func isFollowUp(q string) bool {
	q = strings.TrimSpace(q)
	if !anaphora.MatchString(q) && !aspectAsk.MatchString(q) {
		return false
	}
	rest := aspectAsk.ReplaceAllString(q, "")
	rest = filler.ReplaceAllString(rest, "")
	n := 0
	for _, r := range rest {
		if unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n <= 1
}
