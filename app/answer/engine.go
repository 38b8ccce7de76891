package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"xiaofu/app/health"
	"xiaofu/app/llm"
	"xiaofu/localkb"
)

// Searcher ranks knowledge-base records for a question; *localkb.KB is one.
type Searcher interface {
	Search(ctx context.Context, q string, opts localkb.SearchOptions) ([]localkb.Hit, error)
}

// Chat streams a model's answer; *llm.Client is one. onDelta is called in
// order from the calling goroutine; an error from it stops the stream.
type Chat interface {
	Stream(ctx context.Context, msgs []llm.Message, onDelta func(string) error) (llm.Result, error)
}

// Engine answers questions from the knowledge base, through the LLM when it
// is usable and straight from the records when not. Set the fields before
// the first Ask; an Engine is then safe for concurrent use.
type Engine struct {
	KB Searcher
	// LLM is nil when no model is configured: every answer is offline.
	LLM Chat
	// Breaker is the LLM endpoint's circuit breaker; nil means always try.
	// A failure inside a turn opens it so the next turn skips the model.
	Breaker *health.Breaker
	// Offline skips the model entirely (`--offline`).
	Offline bool
	// Hall is the hall's name for the system prompt.
	Hall string
	// Decline is said when nothing answers (default DefaultDecline).
	Decline string
	// Sources is how many records the model is given (default 5).
	Sources int
	// FastPathConfidence is the confidence above which a grounded FAQ hit
	// is read word for word without the model (default 0.9).
	FastPathConfidence float64
	// MinSourceConfidence is the confidence the best hit needs before the
	// model is asked at all; below it the kiosk declines (default 0.2).
	MinSourceConfidence float64
	// Secrets are strings (API keys) that must never appear in an answer.
	Secrets []string
	// Logger gets one line per answer; nil means slog.Default().
	Logger *slog.Logger
}

func (e *Engine) log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

func (e *Engine) decline() string {
	if e.Decline != "" {
		return e.Decline
	}
	return DefaultDecline
}

// ErrNoKB is returned when the engine has no knowledge base to search.
var ErrNoKB = errors.New("answer: no knowledge base")

// Ask answers q within the visit s (which may be nil for one-off questions)
// and records the turn in s. onDelta, if not nil, receives the spoken text as
// it is produced (see Delta), from the calling goroutine, so the voice can
// start before the answer is complete; every tier calls it at least once.
// Ask returns an error only when ctx is cancelled or the knowledge base
// fails; a failing model is handled by falling back to the offline tier.
func (e *Engine) Ask(ctx context.Context, s *Session, q string, onDelta func(Delta)) (Answer, error) {
	start := time.Now()
	if onDelta == nil {
		onDelta = func(Delta) {}
	}
	q = strings.TrimSpace(q)
	a, err := e.ask(ctx, s, q, onDelta)
	a.Question = q
	a.Elapsed = time.Since(start)
	if err != nil {
		return a, err
	}
	e.log().Info("answer", "tier", a.Tier, "grounded", a.Grounded, "citations", len(a.Citations),
		"route", a.Route, "ms", a.Elapsed.Milliseconds())
	return a, nil
}

func (e *Engine) ask(ctx context.Context, s *Session, q string, onDelta func(Delta)) (Answer, error) {
	tier := TierOnline
	if !e.online() {
		tier = TierOffline
	}
	if q == "" {
		return e.say(Answer{Tier: tier, Text: e.decline()}, onDelta), nil
	}
	switch CheckInput(q) {
	case ReasonInjection, ReasonSecrets:
		e.log().Warn("question refused", "reason", "injection")
		return e.say(Answer{Tier: tier, Text: Refusal}, onDelta), nil
	case ReasonApproval:
		return e.say(Answer{Tier: tier, Text: NoApproval}, onDelta), nil
	}
	if e.KB == nil {
		return Answer{Tier: tier}, ErrNoKB
	}

	// Retrieve, leaning on the previous turn's item for follow-ups.
	topic := s.topic()
	follow := topic != nil && isFollowUp(q)
	query := q
	if follow {
		query = topic.Title + " " + q
	}
	n := e.Sources
	if n <= 0 {
		n = 5
	}
	hits, err := e.KB.Search(ctx, query, localkb.SearchOptions{Limit: n, Kinds: answerKinds})
	if err != nil {
		return Answer{Tier: tier}, fmt.Errorf("answer: search: %w", err)
	}
	if follow {
		hits = withTopicFirst(hits, *topic, n)
	}
	route, routeID := routeFor(q, hits)
	if route == RouteBundle && routeID == "" {
		// Words like 开店 call for a bundle, but only a bundle the hall has
		// described helps: look for one among the bundles alone.
		routeID = e.findBundle(ctx, q)
		if routeID == "" {
			route = ""
		}
	}
	finish := func(a Answer) Answer {
		a.Route, a.RouteID = route, routeID
		var primary *localkb.Record
		if a.Grounded && len(a.Citations) > 0 {
			for _, h := range hits {
				if h.Record.ID == a.Citations[0].ID {
					r := h.Record
					primary = &r
					break
				}
			}
		}
		s.add(Turn{Question: q, Answer: ForSpeech(a.Text), Primary: primary})
		return a
	}

	// A question that calls for a screen (一类事, policy matching, a
	// request) and that no record answers outright is answered by opening
	// that screen, with a line saying so, rather than with a refusal.
	if line, ok := routeLines[route]; ok && !follow && (len(hits) == 0 || !hits[0].Grounded) {
		return finish(e.say(Answer{Tier: tier, Text: line}, onDelta)), nil
	}

	// Fast path: a certain FAQ match is the hall's own wording; read it.
	if !follow && len(hits) > 0 {
		top := hits[0]
		if top.Record.Kind == localkb.KindFAQ && top.Grounded && top.Confidence >= e.fastPathConfidence() &&
			strings.TrimSpace(top.Record.Body) != "" {
			a := Answer{Tier: TierFastPath, Text: top.Record.Body, Grounded: true,
				Citations: []Citation{citationOf(top.Record)}}
			return finish(e.say(a, onDelta)), nil
		}
	}

	if tier == TierOffline {
		return finish(e.say(e.direct(hits, q, TierOffline, NoteOffline), onDelta)), nil
	}
	if len(hits) == 0 || hits[0].Confidence < e.minSourceConfidence() && !hits[0].Grounded {
		return finish(e.say(Answer{Tier: TierOnline, Text: e.decline()}, onDelta)), nil
	}
	a, err := e.generate(ctx, s, q, hits, onDelta)
	if err != nil {
		return a, err
	}
	return finish(a), nil
}

// answerKinds are the records that can answer a question. Tag records are
// the enterprise-profile vocabulary ("是劳务派遣单位"): they match questions'
// words but answer nothing.
var answerKinds = []string{localkb.KindFAQ, localkb.KindGuide, localkb.KindPolicy, localkb.KindDepartment,
	localkb.KindDoc, localkb.KindBundle}

// bundleConfidence is how sure a bundles-only search must be before a
// question is taken to be about that 一类事 ("开个饭店" finds 开办餐饮店 at
// 0.55; "火星上怎么注册公司" finds nothing above 0.15 in the demo KB).
const bundleConfidence = 0.25

func (e *Engine) findBundle(ctx context.Context, q string) string {
	hits, err := e.KB.Search(ctx, q, localkb.SearchOptions{Kinds: []string{localkb.KindBundle}, Limit: 1})
	if err != nil || len(hits) == 0 || hits[0].Confidence < bundleConfidence {
		return ""
	}
	return hits[0].Record.ID
}

func (e *Engine) fastPathConfidence() float64 {
	if e.FastPathConfidence > 0 {
		return e.FastPathConfidence
	}
	return 0.9
}

func (e *Engine) minSourceConfidence() float64 {
	if e.MinSourceConfidence > 0 {
		return e.MinSourceConfidence
	}
	return 0.2
}

// online reports whether this turn may use the model.
func (e *Engine) online() bool {
	if e.Offline || e.LLM == nil {
		return false
	}
	return e.Breaker == nil || e.Breaker.Allow()
}

// withTopicFirst puts the previous turn's record first among the sources,
// removing its duplicate, so a follow-up is answered about the same item.
func withTopicFirst(hits []localkb.Hit, topic localkb.Record, n int) []localkb.Hit {
	out := []localkb.Hit{{Record: topic, Confidence: 1, Grounded: true}}
	for _, h := range hits {
		if h.Record.ID != topic.ID && len(out) < n {
			out = append(out, h)
		}
	}
	return out
}

// say completes an answer that is not streamed (fast path, offline, set
// lines): its spoken form goes out as one delta.
func (e *Engine) say(a Answer, onDelta func(Delta)) Answer {
	a.Speech = speechOf(a)
	onDelta(Delta{Text: a.Speech})
	return a
}

func speechOf(a Answer) string {
	s := ForSpeech(a.Text)
	if a.Note != "" {
		s = a.Note + s
	}
	return s
}

// direct reads the best grounded record as the answer, or declines. It never
// presents a record that is only related as if it were the answer.
func (e *Engine) direct(hits []localkb.Hit, q, tier, note string) Answer {
	for _, h := range hits {
		if h.Grounded {
			return Answer{Tier: tier, Note: note, Grounded: true, Text: directText(h.Record, q),
				Citations: []Citation{citationOf(h.Record)}}
		}
		break // hits are ranked: a lower grounded hit under an ungrounded one is not trusted
	}
	return Answer{Tier: tier, Text: e.decline()}
}

// errGuard stops the model's stream when the output guard objects.
type errGuard struct{ reason string }

func (g errGuard) Error() string { return "output refused: " + g.reason }

// generate asks the model, streaming checked text out, then checks the
// citations; any failure falls back to the record read directly.
func (e *Engine) generate(ctx context.Context, s *Session, q string, hits []localkb.Hit, onDelta func(Delta)) (Answer, error) {
	sys := systemPrompt(e.Hall)
	records := make([]localkb.Record, len(hits))
	ids := make([]string, len(hits))
	for i, h := range hits {
		records[i], ids[i] = h.Record, h.Record.ID
	}
	msgs := []llm.Message{{Role: llm.RoleSystem, Text: sys}}
	for _, t := range s.Turns() {
		msgs = append(msgs, llm.Message{Role: llm.RoleUser, Text: t.Question},
			llm.Message{Role: llm.RoleAssistant, Text: t.Answer})
	}
	msgs = append(msgs, llm.Message{Role: llm.RoleUser, Text: userTurn(records, q)})

	guard := newOutputGuard(sys, []string{Refusal, e.decline(), NoApproval, identity(e.Hall)}, e.Secrets)
	rel := &releaser{guard: guard, emit: func(t string) { onDelta(Delta{Text: t}) }}
	res, err := e.LLM.Stream(ctx, msgs, rel.add)
	if err == nil {
		err = rel.flush()
	}
	fallback := func(reason string) Answer {
		note := NoteDirect
		tier := TierOffline
		a := e.direct(hits, q, tier, note)
		a.Speech = speechOf(a)
		onDelta(Delta{Text: a.Speech, Restart: rel.released})
		e.log().Warn("model answer replaced", "reason", reason, "released", rel.released)
		return a
	}
	var ge errGuard
	switch {
	case errors.As(err, &ge):
		if e.Breaker != nil {
			e.Breaker.Success() // the endpoint works; its words were the problem
		}
		if ge.reason == ReasonLeak || ge.reason == ReasonKey {
			a := Answer{Tier: TierOnline, Text: Refusal, Speech: Refusal}
			onDelta(Delta{Text: a.Speech, Restart: rel.released})
			e.log().Warn("model answer replaced", "reason", ge.reason, "released", rel.released)
			return a, nil
		}
		return fallback(ge.reason), nil
	case err != nil && ctx.Err() != nil:
		return Answer{Tier: TierOnline}, ctx.Err()
	case err != nil:
		if e.Breaker != nil {
			e.Breaker.Failure(err)
		}
		e.log().Warn("model failed, answering offline", "err", err)
		a := e.direct(hits, q, TierOffline, NoteOffline)
		a.Speech = speechOf(a)
		onDelta(Delta{Text: a.Speech, Restart: rel.released})
		return a, nil
	}
	if e.Breaker != nil {
		e.Breaker.Success()
	}

	text := strings.TrimSpace(res.Text)
	if strings.Contains(squash(text), squash(Refusal)) {
		a := Answer{Tier: TierOnline, Text: Refusal, Speech: Refusal}
		if rel.spoken != Refusal {
			onDelta(Delta{Text: Refusal, Restart: rel.released})
		}
		return a, nil
	}
	chk := checkCitations(text, ids)
	if len(chk.invalid) > 0 {
		return fallback("invalid citation " + strings.Join(chk.invalid, ",")), nil
	}
	if len(chk.cited) == 0 {
		return fallback("no citation"), nil
	}
	a := Answer{Tier: TierOnline, Text: chk.card, Grounded: true}
	for _, i := range chk.cited {
		a.Citations = append(a.Citations, citationOf(records[i]))
	}
	a.Speech = rel.spoken
	return a, nil
}

// releaser holds the model's text back until a clause is complete, checks
// everything so far with the output guard, and only then lets the clause
// out, without citation marks, to be shown and spoken. A clause is short, so
// this costs the voice almost nothing, and nothing unchecked is ever said.
type releaser struct {
	guard    *outputGuard
	emit     func(string)
	all      strings.Builder // everything received
	pending  strings.Builder // received, not yet released
	spoken   string          // everything released, marks stripped
	released bool
}

// clauseEnd are the marks after which held text may be released. ASCII ','
// and '.' are left out: they sit inside numbers ("1,000", "3.5").
const clauseEnd = "，。！？；：、\n!?;"

// maxHold releases text that runs on without punctuation.
const maxHold = 60

func (r *releaser) add(d string) error {
	r.all.WriteString(d)
	r.pending.WriteString(d)
	p := r.pending.String()
	cut := strings.LastIndexAny(p, clauseEnd)
	if cut >= 0 {
		_, size := utf8.DecodeRuneInString(p[cut:])
		cut += size
		// A clause end inside an open citation bracket is not an end.
		if open := strings.LastIndexAny(p[:cut], "[【"); open >= 0 && strings.IndexAny(p[open:cut], "]】") < 0 {
			cut = open
		}
	} else if utf8.RuneCountInString(p) > maxHold && !strings.ContainsAny(p, "[【") {
		cut = len(p)
	}
	if cut <= 0 {
		return nil
	}
	return r.release(p[:cut], p[cut:])
}

func (r *releaser) release(out, keep string) error {
	if reason := r.guard.check(r.all.String()); reason != "" {
		return errGuard{reason}
	}
	r.pending.Reset()
	r.pending.WriteString(keep)
	t := ForSpeech(out)
	if strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
		t = strings.TrimSpace(t)
	}
	if t == "" {
		return nil
	}
	r.spoken += t
	r.released = true
	r.emit(t)
	return nil
}

// flush releases what is left when the stream has ended.
func (r *releaser) flush() error {
	p := r.pending.String()
	if p == "" {
		if reason := r.guard.check(r.all.String()); reason != "" {
			return errGuard{reason}
		}
		return nil
	}
	return r.release(p, "")
}
