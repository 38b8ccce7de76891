package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Verdict is what a policy is for one profile.
type Verdict string

// Verdicts, in the order the result lists them.
const (
	VerdictMet    Verdict = "met"    // every checkable condition holds
	VerdictNearly Verdict = "nearly" // one or two conditions fail
	VerdictOpen   Verdict = "open"   // nothing fails yet, some conditions are unknown
	VerdictNotMet Verdict = "not_met"
)

// Line is one condition of a policy as the visitor sees it: the condition's
// text, whether it holds, why, and the sentence of the policy it came from.
type Line struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status Status `json:"status"`
	Reason string `json:"reason"`
	Source string `json:"source,omitempty"`
	Hint   string `json:"hint,omitempty"` // what would meet it (failed and unknown lines)
	// Fields are the profile fields whose answers would decide an unknown line.
	Fields []string `json:"fields,omitempty"`
}

// PolicyMatch is one policy's result for one profile.
type PolicyMatch struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Issuer  string  `json:"issuer,omitempty"`
	Level   string  `json:"level,omitempty"`
	Benefit string  `json:"benefit,omitempty"`
	MaxWan  float64 `json:"max_wan,omitempty"`
	Link    string  `json:"link,omitempty"`
	Verdict Verdict `json:"verdict"`
	// Reason is one sentence for the result list ("3 项条件均满足", "差 1 项：…").
	Reason string `json:"reason"`
	Lines  []Line `json:"lines"`
	Failed int    `json:"failed"`
	Open   int    `json:"unknown"`
}

// Missing returns the failed lines: what keeps a nearly-met policy from being met.
func (m PolicyMatch) Missing() []Line { return m.linesWith(StatusFailed) }

// Unknown returns the lines the profile cannot answer yet.
func (m PolicyMatch) Unknown() []Line { return m.linesWith(StatusUnknown) }

func (m PolicyMatch) linesWith(s Status) []Line {
	var out []Line
	for _, l := range m.Lines {
		if l.Status == s {
			out = append(out, l)
		}
	}
	return out
}

// Question is the next thing to ask: the field whose answer decides the
// most value across the policies still open.
type Question struct {
	Field  string   `json:"field"`
	Label  string   `json:"label"`
	Ask    string   `json:"ask"`
	Type   string   `json:"type"`
	Unit   string   `json:"unit,omitempty"`
	Values []string `json:"values,omitempty"`
	// Policies is how many open policies wait on this answer and ValueWan
	// the most cash they offer together.
	Policies int     `json:"policies"`
	ValueWan float64 `json:"value_wan"`
}

// Result is a profile matched against every policy, best value first
// within each list.
type Result struct {
	Met    []PolicyMatch `json:"met"`
	Nearly []PolicyMatch `json:"nearly"`
	Open   []PolicyMatch `json:"to_ask"`
	NotMet int           `json:"not_met"`
	Next   *Question     `json:"next_question,omitempty"`
}

// Match checks p against every policy. skip names fields the visitor chose
// not to answer ("不清楚"), so the next question is another one.
func (e *Engine) Match(p Profile, skip ...string) Result {
	fs := e.facts(p)
	var res Result
	for i := range e.policies {
		m := e.matchOne(&e.policies[i], fs, p)
		switch m.Verdict {
		case VerdictMet:
			res.Met = append(res.Met, m)
		case VerdictNearly:
			res.Nearly = append(res.Nearly, m)
		case VerdictOpen:
			res.Open = append(res.Open, m)
		default:
			res.NotMet++
		}
	}
	byValue := func(l []PolicyMatch, extra func(a, b PolicyMatch) (bool, bool)) {
		sort.SliceStable(l, func(i, j int) bool {
			if extra != nil {
				if less, decided := extra(l[i], l[j]); decided {
					return less
				}
			}
			if l[i].MaxWan != l[j].MaxWan {
				return l[i].MaxWan > l[j].MaxWan
			}
			return l[i].ID < l[j].ID
		})
	}
	byValue(res.Met, nil)
	byValue(res.Nearly, func(a, b PolicyMatch) (bool, bool) {
		if a.Failed != b.Failed {
			return a.Failed < b.Failed, true
		}
		if a.Open != b.Open {
			return a.Open < b.Open, true
		}
		return false, false
	})
	byValue(res.Open, nil)
	res.Next = e.nextQuestion(res, skip)
	return res
}

func (e *Engine) matchOne(cp *compiledPolicy, fs []fact, p Profile) PolicyMatch {
	r := cp.rec
	m := PolicyMatch{ID: r.ID, Title: r.Title, Issuer: r.Issuer, Link: r.Link}
	if r.Policy != nil {
		m.Level, m.Benefit, m.MaxWan = r.Policy.Level, r.Policy.Benefit, r.Policy.MaxWan
	}
	checked := 0
	for i := range cp.conds {
		c := &cp.conds[i]
		st := c.eval(fs)
		l := Line{ID: c.src.ID, Text: c.src.Text, Status: st, Source: c.src.Source}
		switch st {
		case StatusMet:
			checked++
			l.Reason = "满足：" + e.explain(c, fs, p)
		case StatusFailed:
			m.Failed++
			l.Reason = "不满足：" + e.explain(c, fs, p)
			l.Hint = e.hint(c)
		case StatusUnknown:
			m.Open++
			l.Fields = dedupe(c.unknownFields(fs, e.names, nil))
			labels := make([]string, len(l.Fields))
			for i, f := range l.Fields {
				labels[i] = e.Vocabulary(f).Label
			}
			l.Reason = "还不知道" + strings.Join(labels, "、")
			l.Hint = e.hint(c)
		case StatusManual:
			l.Reason = "需工作人员核实"
		}
		m.Lines = append(m.Lines, l)
	}
	switch {
	case m.Failed == 0 && m.Open == 0:
		m.Verdict = VerdictMet
		m.Reason = fmt.Sprintf("可核对的 %d 项条件都满足", checked)
	case m.Failed >= 1 && m.Failed <= 2:
		m.Verdict = VerdictNearly
		var names []string
		for _, l := range m.Lines {
			if l.Status == StatusFailed {
				names = append(names, l.Text)
			}
		}
		m.Reason = fmt.Sprintf("差 %d 项：%s", m.Failed, strings.Join(names, "；"))
	case m.Failed == 0:
		m.Verdict = VerdictOpen
		m.Reason = fmt.Sprintf("已满足 %d 项，还有 %d 项要问", checked, m.Open)
	default:
		m.Verdict = VerdictNotMet
		m.Reason = fmt.Sprintf("有 %d 项条件不满足", m.Failed)
	}
	return m
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// nextQuestion scores every unknown field of the open policies by the cash
// it could unlock: each policy's value (plus one, so programmes without a
// stated amount still count) is split among the fields it still waits on,
// so a field that completes a policy weighs more than one of many.
func (e *Engine) nextQuestion(res Result, skip []string) *Question {
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	score := map[string]float64{}
	count := map[string]int{}
	value := map[string]float64{}
	for _, m := range res.Open {
		var fields []string
		for _, l := range m.Lines {
			if l.Status == StatusUnknown {
				fields = append(fields, l.Fields...)
			}
		}
		fields = dedupe(fields)
		var ask []string
		for _, f := range fields {
			if !skipped[f] {
				ask = append(ask, f)
			}
		}
		for _, f := range ask {
			score[f] += (m.MaxWan + 1) / float64(len(ask))
			count[f]++
			value[f] += m.MaxWan
		}
	}
	if len(score) == 0 {
		return nil
	}
	rank := map[string]int{}
	for i, f := range e.order {
		rank[f] = i
	}
	best := ""
	for f, s := range score {
		// Scores are sums of fractions added in map order: compare with a
		// tolerance so equal values fall to the vocabulary order, not to
		// rounding.
		d := s - score[best]
		if best == "" || d > 1e-6 || (d > -1e-6 && tieLess(f, best, rank)) {
			best = f
		}
	}
	v := e.Vocabulary(best)
	ask := v.Ask
	if ask == "" {
		ask = "请问贵企业的" + v.Label + "是？"
	}
	return &Question{Field: best, Label: v.Label, Ask: ask, Type: v.Type, Unit: v.Unit, Values: v.Values,
		Policies: count[best], ValueWan: value[best]}
}

func tieLess(a, b string, rank map[string]int) bool {
	ra, oka := rank[a]
	rb, okb := rank[b]
	switch {
	case oka && okb:
		return ra < rb
	case oka != okb:
		return oka
	}
	return a < b
}

var opWords = map[opcode]string{
	opEq: "为", opNe: "不为", opGt: "大于", opGte: "不低于", opLt: "低于", opLte: "不超过",
	opIn: "属于", opHas: "含", opBetween: "在",
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func (e *Engine) actual(slot int, fs []fact) string {
	f := fs[slot]
	v := e.Vocabulary(e.names[slot])
	switch {
	case !f.known:
		return "未知"
	case f.isB:
		if f.b {
			return "是"
		}
		return "否"
	case f.isNum && !f.text:
		return num(f.num) + v.Unit
	}
	return strings.Join(f.strs, "、")
}

// explain says in one short phrase how the profile compares with c, e.g.
// "营业收入 2000万元，要求不超过 3000万元".
func (e *Engine) explain(c *cond, fs []fact, p Profile) string {
	switch c.op {
	case opAny, opAll:
		var parts []string
		for i := range c.sub {
			s := &c.sub[i]
			st := s.eval(fs)
			if (c.op == opAny && st == StatusMet) || (c.op == opAll && st == StatusFailed) {
				return e.explain(s, fs, p)
			}
			parts = append(parts, e.explain(s, fs, p))
		}
		return strings.Join(parts, "；")
	}
	v := e.Vocabulary(e.names[c.field])
	have := v.Label + " " + e.actual(c.field, fs)
	switch c.op {
	case opTrue:
		return have + "，要求为是"
	case opFalse:
		return have + "，要求为否"
	case opBetween:
		return fmt.Sprintf("%s，要求在 %s–%s%s 之间", have, num(c.num), num(c.num2), v.Unit)
	case opBanded:
		by := fs[c.by]
		b := c.bandFor(by.num)
		bv := e.Vocabulary(e.names[c.by])
		return fmt.Sprintf("%s %s 时要求%s不低于 %s%s，实际 %s",
			bv.Label, e.actual(c.by, fs), v.Label, num(b.min), v.Unit, e.actual(c.field, fs))
	case opIn, opHas:
		return fmt.Sprintf("%s，要求%s“%s”", have, opWords[c.op], strings.Join(c.strs, "、"))
	}
	want := c.str
	switch {
	case c.isNum:
		want = num(c.num) + v.Unit
	case c.isBool:
		want = map[bool]string{true: "是", false: "否"}[c.b]
	}
	return fmt.Sprintf("%s，要求%s %s", have, opWords[c.op], want)
}

// hint is the condition's own hint from the data, or one made from its
// operator and value.
func (e *Engine) hint(c *cond) string {
	if c.src.Hint != "" {
		return c.src.Hint
	}
	switch c.op {
	case opAny:
		var parts []string
		for i := range c.sub {
			parts = append(parts, e.hint(&c.sub[i]))
		}
		return strings.Join(parts, "，或")
	case opAll:
		var parts []string
		for i := range c.sub {
			parts = append(parts, e.hint(&c.sub[i]))
		}
		return strings.Join(parts, "，且")
	case opManual:
		return ""
	}
	v := e.Vocabulary(e.names[c.field])
	switch c.op {
	case opTrue:
		return v.Label + "为是"
	case opFalse:
		return v.Label + "为否"
	case opBetween:
		return fmt.Sprintf("%s在 %s–%s%s 之间", v.Label, num(c.num), num(c.num2), v.Unit)
	case opBanded:
		var parts []string
		bv := e.Vocabulary(e.names[c.by])
		for _, b := range c.bands {
			switch {
			case b.open:
				parts = append(parts, fmt.Sprintf("其余不低于 %s%s", num(b.min), v.Unit))
			case b.inclusive:
				parts = append(parts, fmt.Sprintf("%s %s%s（含）以下不低于 %s%s", bv.Label, num(b.limit), bv.Unit, num(b.min), v.Unit))
			default:
				parts = append(parts, fmt.Sprintf("%s低于 %s%s 时不低于 %s%s", bv.Label, num(b.limit), bv.Unit, num(b.min), v.Unit))
			}
		}
		return v.Label + "：" + strings.Join(parts, "，")
	case opIn, opHas:
		return fmt.Sprintf("%s%s“%s”", v.Label, opWords[c.op], strings.Join(c.strs, "、"))
	}
	want := c.str
	switch {
	case c.isNum:
		want = num(c.num) + v.Unit
	case c.isBool:
		want = map[bool]string{true: "是", false: "否"}[c.b]
	}
	return fmt.Sprintf("%s%s %s", v.Label, opWords[c.op], want)
}

// Summary is the compact per-profile outcome of MatchBatch.
type Summary struct {
	Met, Nearly, Open int
	MetWan            float64 // sum of MaxWan over met policies
}

// MatchBatch checks many profiles for targeted push and calls fn with each
// profile's summary and the indexes (into the engine's policy order) of the
// policies it fully meets. It skips building reasons, so it is much cheaper
// than Match. met is reused between calls; copy it to keep it.
func (e *Engine) MatchBatch(profiles []Profile, fn func(i int, s Summary, met []int)) {
	met := make([]int, 0, len(e.policies))
	fs := make([]fact, len(e.names))
	for i, p := range profiles {
		fs = e.factsInto(fs, p)
		var s Summary
		met = met[:0]
		for j := range e.policies {
			cp := &e.policies[j]
			failed, open := 0, 0
			for k := range cp.conds {
				switch cp.conds[k].eval(fs) {
				case StatusFailed:
					failed++
				case StatusUnknown:
					open++
				}
			}
			switch {
			case failed == 0 && open == 0:
				s.Met++
				s.MetWan += cp.rec.Policy.MaxWan
				met = append(met, j)
			case failed >= 1 && failed <= 2:
				s.Nearly++
			case failed == 0:
				s.Open++
			}
		}
		fn(i, s, met)
	}
}

// PolicyID returns the record id of the policy at index i of the engine's order.
func (e *Engine) PolicyID(i int) string { return e.policies[i].rec.ID }
