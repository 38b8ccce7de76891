package request

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Completer is the one thing routing needs from a language model: a system
// and a user message in, the whole answer text out. app/llm's client is
// adapted to it by LLMCompleter.
type Completer interface {
	Complete(ctx context.Context, system, user string) (string, error)
}

// Routed is one item of a routed request with what the kiosk shows about it.
type Routed struct {
	Item
	Domain     string  // the topic the classifier saw, "" from the LLM
	Confidence float64 // 0..1; the LLM's items carry 1
}

// Routing is a request split into items, each with a department.
type Routing struct {
	Items []Routed
	Kind  string // 咨询, 建言 or 投诉求助 (offline classifier)
	// Source is "llm" or "offline"; Fallback says why the LLM was not used.
	Source   string
	Fallback string
}

// Sources of a routing.
const (
	SourceLLM     = "llm"
	SourceOffline = "offline"
)

//go:embed routemodel.gob.gz
var embeddedModel []byte

var (
	modelOnce sync.Once
	modelVal  *Model
	modelErr  error
)

// EmbeddedModel returns the classifier trained on the labelled citizen
// messages, decoded once (about 0.1 s).
func EmbeddedModel() (*Model, error) {
	modelOnce.Do(func() { modelVal, modelErr = ReadModel(bytes.NewReader(embeddedModel)) })
	return modelVal, modelErr
}

// Router splits and routes requests: by the LLM when one is set and answers
// well, otherwise by the local classifier.
type Router struct {
	LLM    Completer // nil: offline only
	Model  *Model
	Logger *slog.Logger

	depts []profile
}

// NewRouter returns a router over the hall's departments; llm may be nil.
func NewRouter(depts []Department, model *Model, llm Completer) *Router {
	return &Router{LLM: llm, Model: model, depts: profiles(depts)}
}

// Departments lists the names an item may be routed to, in the knowledge
// base's order (the confirmation screen offers them for correction).
func (r *Router) Departments() []string {
	out := make([]string, len(r.depts))
	for i, p := range r.depts {
		out[i] = p.Name
	}
	return out
}

func (r *Router) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// ErrNoDepartments means the knowledge base lists no departments.
var ErrNoDepartments = errors.New("route: no departments in the knowledge base")

// Route splits text into items and routes each. It fails only on empty
// text or an empty department list: an LLM failure falls back to the
// classifier and says so in Routing.Fallback.
func (r *Router) Route(ctx context.Context, text string) (Routing, error) {
	text = CleanText(text)
	if text == "" {
		return Routing{}, ErrEmpty
	}
	if len(r.depts) == 0 {
		return Routing{}, ErrNoDepartments
	}
	kind := ""
	if r.Model != nil && r.Model.Kind != nil {
		kind, _ = r.Model.Kind.Predict(text)
	}
	if r.LLM != nil {
		items, err := r.routeLLM(ctx, text)
		if err == nil {
			return Routing{Items: items, Kind: kind, Source: SourceLLM}, nil
		}
		r.log().Warn("llm routing failed, using the local classifier", "err", err)
		rt := r.RouteOffline(text)
		rt.Fallback = err.Error()
		return rt, nil
	}
	rt := r.RouteOffline(text)
	rt.Fallback = "no language model configured"
	return rt, nil
}

// llmAnswer is the JSON the model must produce.
type llmAnswer struct {
	Items []struct {
		Text       string `json:"text"`
		Department string `json:"department"`
		Reason     string `json:"reason"`
	} `json:"items"`
}

// Errors of an LLM answer that fails validation.
var (
	ErrLLMNotJSON       = errors.New("llm answer is not the required JSON")
	ErrLLMUnknownDept   = errors.New("llm answer names a department the hall does not have")
	ErrLLMInvalidAnswer = errors.New("llm answer breaks the schema")
)

func (r *Router) systemPrompt() string {
	var b strings.Builder
	b.WriteString("你是政务服务大厅的诉求分派助手。把访客的诉求拆分成一项或多项（每项只涉及一件事），并把每项分派给下列部门之一。\n")
	b.WriteString("只输出一个 JSON 对象，不要输出任何其他文字：{\"items\":[{\"text\":\"这一项诉求的原话或简述\",\"department\":\"部门名称\",\"reason\":\"为什么由这个部门办理（一句话）\"}]}\n")
	b.WriteString("department 必须与下列部门名称完全一致。最多 ")
	fmt.Fprint(&b, MaxItems)
	b.WriteString(" 项。\n部门及职责：\n")
	for _, p := range r.depts {
		b.WriteString("- ")
		b.WriteString(p.Name)
		b.WriteString("：")
		kws := p.keywords
		if len(kws) > 24 {
			kws = kws[:24]
		}
		if p.Duties != "" {
			b.WriteString(p.Duties)
			b.WriteString("；")
		}
		b.WriteString(strings.Join(kws, "、"))
		b.WriteString("\n")
	}
	return b.String()
}

func (r *Router) routeLLM(ctx context.Context, text string) ([]Routed, error) {
	out, err := r.LLM.Complete(ctx, r.systemPrompt(), text)
	if err != nil {
		return nil, fmt.Errorf("route llm: %w", err)
	}
	return r.ParseLLM(out)
}

// ParseLLM validates a model's answer against the schema: a JSON object
// with 1..MaxItems items, each with text, a department the hall has (by name
// or alias) and a reason. A fenced ```json block is accepted; anything else
// around the object is not.
func (r *Router) ParseLLM(out string) ([]Routed, error) {
	s := strings.TrimSpace(out)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "```json"), "```")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var a llmAnswer
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("route llm: %w: %v", ErrLLMNotJSON, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("route llm: %w: text after the object", ErrLLMNotJSON)
	}
	if len(a.Items) == 0 || len(a.Items) > MaxItems {
		return nil, fmt.Errorf("route llm: %w: %d items", ErrLLMInvalidAnswer, len(a.Items))
	}
	items := make([]Routed, 0, len(a.Items))
	for i, it := range a.Items {
		t := CleanText(it.Text)
		if t == "" || utf8.RuneCountInString(t) > MaxItemRunes || strings.TrimSpace(it.Reason) == "" {
			return nil, fmt.Errorf("route llm: %w: item %d lacks text or reason", ErrLLMInvalidAnswer, i+1)
		}
		name, ok := r.canonical(it.Department)
		if !ok {
			return nil, fmt.Errorf("route llm: %w: %q", ErrLLMUnknownDept, it.Department)
		}
		items = append(items, Routed{Item: Item{Text: t, Department: name, Reason: CleanText(it.Reason)}, Confidence: 1})
	}
	return items, nil
}

// canonical maps a department name or alias to the hall's name for it.
func (r *Router) canonical(name string) (string, bool) {
	name = strings.TrimSpace(name)
	for _, p := range r.depts {
		if p.Name == name {
			return p.Name, true
		}
	}
	for _, p := range r.depts {
		for _, a := range p.Aliases {
			if a == name {
				return p.Name, true
			}
		}
	}
	return "", false
}

// Valid reports whether name is one of the hall's departments.
func (r *Router) Valid(name string) bool {
	_, ok := r.canonical(name)
	return ok
}

// clauseBreaks end a clause; a comma ends one too, and weak clauses are
// merged back (see RouteOffline).
const clauseBreaks = "。！？；;!?\n，,"

// connectives open a new ask inside a sentence ("…，还想问问…", "…另外…").
var connectives = []string{"另外", "此外", "还想", "还有", "顺便", "同时还", "再问"}

// Clauses cuts text into clauses at sentence punctuation, commas and the
// connectives visitors use to add a second ask.
func Clauses(text string) []string {
	var out []string
	for _, c := range clauses(text) {
		out = append(out, c.text)
	}
	return out
}

// clause is a piece of a request; soft means only a comma separates it from
// the one before, so it is more likely the same ask continued.
type clause struct {
	text string
	soft bool
}

const sentenceBreaks = "。！？；;!?\n"

func clauses(text string) []clause {
	var out []clause
	soft := false
	start := 0
	flush := func(end int, nextSoft bool) {
		if p := strings.TrimSpace(text[start:end]); p != "" {
			out = append(out, cutConnectives(p, soft)...)
		}
		soft = nextSoft
	}
	for i, r := range text {
		switch {
		case strings.ContainsRune(sentenceBreaks, r):
			flush(i, false)
			start = i + utf8.RuneLen(r)
		case r == '，' || r == ',':
			flush(i, true)
			start = i + utf8.RuneLen(r)
		}
	}
	flush(len(text), false)
	return out
}

// cutConnectives splits a clause before each connective; the first piece
// keeps the clause's softness, the rest are hard (a connective opens a new ask).
func cutConnectives(part string, soft bool) []clause {
	var cuts []int
	for _, c := range connectives {
		for off := 0; ; {
			i := strings.Index(part[off:], c)
			if i < 0 {
				break
			}
			if off+i > 0 {
				cuts = append(cuts, off+i)
			}
			off += i + len(c)
		}
	}
	sort.Ints(cuts)
	var out []clause
	prev := 0
	for _, c := range cuts {
		if c > prev {
			if p := strings.TrimSpace(part[prev:c]); p != "" {
				out = append(out, clause{text: p, soft: soft && len(out) == 0})
			}
			prev = c
		}
	}
	if p := strings.TrimSpace(part[prev:]); p != "" {
		out = append(out, clause{text: p, soft: soft && len(out) == 0})
	}
	if len(out) > 0 && prev > 0 {
		// The piece after the last connective is a new ask.
		out[len(out)-1].soft = false
	}
	return out
}

// supports reports whether text names any duty keyword of p.
func supports(text string, p *profile) bool {
	for _, k := range p.keywords {
		if strings.Contains(text, k) {
			return true
		}
	}
	return false
}

// scored is one department's score for a piece of text.
type scored struct {
	p       *profile
	score   float64
	matched []string
	domain  string
	domP    float64
}

// score ranks departments for text: the classifier's topic probabilities
// spread over the departments serving each topic, times the evidence of
// duty keywords found in the text (longer keywords count more).
func (r *Router) score(text string) []scored {
	var domP map[string]float64
	topDom, topP := "", 0.0
	if r.Model != nil && r.Model.Domain != nil {
		s := r.Model.Domain.Scores(text)
		domP = make(map[string]float64, len(s))
		for i, l := range r.Model.Domain.Labels {
			domP[l] = s[i]
			if s[i] > topP {
				topDom, topP = l, s[i]
			}
		}
	}
	out := make([]scored, len(r.depts))
	for i := range r.depts {
		p := &r.depts[i]
		prior := priorFloor
		for dom, w := range p.domains {
			prior += domP[dom] * w
		}
		var matched []string
		lex := 0.0
		for _, k := range p.keywords {
			if strings.Contains(text, k) {
				matched = append(matched, k)
				lex += float64(utf8.RuneCountInString(k))
			}
		}
		out[i] = scored{p: p, score: math.Log(prior) + lexWeight*lex, matched: matched, domain: topDom, domP: topP}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].score > out[b].score })
	return out
}

// RouteOffline splits and routes with the local classifier only: each
// clause is scored; a clause with no duty keyword and no clear topic is
// joined to its neighbour, and neighbours routed to the same department are
// joined, so "公司门口的人行道破了个洞，希望尽快修好" stays one item while
// "我们急需一笔融资，还想问问人才公寓" becomes two.
func (r *Router) RouteOffline(text string) Routing {
	text = CleanText(text)
	rt := Routing{Source: SourceOffline}
	if r.Model != nil && r.Model.Kind != nil {
		rt.Kind, _ = r.Model.Kind.Predict(text)
	}
	type piece struct {
		text   string
		best   scored
		strong bool
		soft   bool
	}
	var ps []piece
	for _, c := range clauses(text) {
		s := r.score(c.text)
		strong := len(s[0].matched) > 0 || (s[0].domP >= 0.8 && utf8.RuneCountInString(c.text) >= 8)
		ps = append(ps, piece{text: c.text, best: s[0], strong: strong, soft: c.soft})
	}
	// Join weak clauses to the previous one (or the next, at the start), and
	// a clause after a mere comma when the two name each other's duties
	// ("小区停水两天了，自来水一直没来" is one ask).
	var merged []piece
	for _, p := range ps {
		var last *piece
		if len(merged) > 0 {
			last = &merged[len(merged)-1]
		}
		switch {
		case last != nil && (!p.strong || last.best.p == p.best.p ||
			(p.soft && (supports(last.text, p.best.p) || supports(p.text, last.best.p)))):
			m := &merged[len(merged)-1]
			m.text += "，" + p.text
		case len(merged) == 1 && !merged[0].strong:
			p.text = merged[0].text + "，" + p.text
			merged[0] = p
		default:
			merged = append(merged, p)
		}
	}
	// Cap the number of items by folding the tail into the last one.
	for len(merged) > MaxItems {
		last := merged[len(merged)-1]
		merged = merged[:len(merged)-1]
		merged[len(merged)-1].text += "，" + last.text
	}
	for _, m := range merged {
		best := r.score(m.text) // rescore the joined text
		b := best[0]
		second := 0.0
		if len(best) > 1 {
			second = best[1].score
		}
		conf := 1 / (1 + math.Exp(second-b.score)) // margin over the runner-up
		rt.Items = append(rt.Items, Routed{
			Item:       Item{Text: m.text, Department: b.p.Name, Reason: reason(b)},
			Domain:     b.domain,
			Confidence: conf,
		})
	}
	return rt
}

func reason(s scored) string {
	if len(s.matched) > 0 {
		m := s.matched
		if len(m) > 3 {
			m = m[:3]
		}
		return "诉求涉及“" + strings.Join(m, "”“") + "”，属于" + s.p.Name + "的职责"
	}
	if s.domain != "" {
		return "诉求属于“" + s.domain + "”类，一般由" + s.p.Name + "办理"
	}
	return "按诉求内容推荐" + s.p.Name
}

// lexWeight is what one character of a matched duty keyword is worth in
// log-probability: a two-character keyword (≈3.0) outweighs the classifier's
// topic prior unless the topic is very clear, because a named thing
// ("发票", "路灯") is better evidence than the style of the message.
var lexWeight = 1.5

// priorFloor keeps a department the topic classifier ignores within reach
// of its duty keywords: naive Bayes posteriors are overconfident (0.9+ for
// most messages), and a named thing ("诈骗", "发票") should still win.
var priorFloor = 0.1
