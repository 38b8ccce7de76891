package policy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"xiaofu/localkb"
)

// Operators a condition may use. The first eleven are the snapshot format's;
// any, all and banded combine sub-conditions for texts such as "发明专利≥1件
// 或实用新型+外观+软著≥4件" and R&D ratios that depend on the revenue band.
const (
	OpEq      = "eq"
	OpNe      = "ne"
	OpGt      = "gt"
	OpGte     = "gte"
	OpLt      = "lt"
	OpLte     = "lte"
	OpIn      = "in"      // profile value is one of Value (a list)
	OpHas     = "has"     // profile set holds Value; a text field contains it
	OpBetween = "between" // Value is [low, high], both included
	OpTrue    = "true"
	OpFalse   = "false"
	OpAny     = "any"    // Value is a list of sub-conditions; one must hold
	OpAll     = "all"    // Value is a list of sub-conditions; all must hold
	OpBanded  = "banded" // Value is {"by": field, "bands": [{"upto"|"below": n, "min": m}...]}
)

// Field is one entry of the profile vocabulary as the engine uses it: the
// label shown in reasons, its type and unit, and the question to ask.
type Field struct {
	Name   string   `json:"field"`
	Label  string   `json:"label"`
	Type   string   `json:"type"`
	Unit   string   `json:"unit,omitempty"`
	Values []string `json:"values,omitempty"`
	Ask    string   `json:"ask,omitempty"`
}

type opcode uint8

const (
	opEq opcode = iota + 1
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opHas
	opBetween
	opTrue
	opFalse
	opAny
	opAll
	opBanded
	opManual // no field: a person has to check it
)

var opcodes = map[string]opcode{
	OpEq: opEq, OpNe: opNe, OpGt: opGt, OpGte: opGte, OpLt: opLt, OpLte: opLte,
	OpIn: opIn, OpHas: opHas, OpBetween: opBetween, OpTrue: opTrue, OpFalse: opFalse,
	OpAny: opAny, OpAll: opAll, OpBanded: opBanded,
}

type band struct {
	limit     float64
	inclusive bool // "upto" (含) rather than "below"
	open      bool // the last band: no upper limit
	min       float64
}

// cond is a compiled condition: field names resolved to slots so that a
// batch of profiles is checked without map look-ups per condition.
type cond struct {
	src    *localkb.Condition // behind a pointer so the hot fields share cache lines
	op     opcode
	field  int // slot; -1 for manual and composite conditions
	num    float64
	num2   float64
	str    string
	strs   []string
	isNum  bool
	isStr  bool
	isBool bool
	b      bool
	sub    []cond
	by     int
	bands  []band
}

type compiledPolicy struct {
	rec   localkb.Record
	conds []cond
}

// Engine holds compiled policies and the vocabulary. It is safe for
// concurrent use once built.
type Engine struct {
	policies []compiledPolicy
	slots    map[string]int
	names    []string
	vocab    map[string]Field
	order    []string // vocabulary order, for stable tie-breaks
}

// New compiles the policy records among recs and reads the tag records as
// the vocabulary; other kinds are ignored. A condition with an unknown
// operator or a value of the wrong shape is an error naming the condition.
func New(recs []localkb.Record) (*Engine, error) {
	e := &Engine{slots: map[string]int{}, vocab: map[string]Field{}}
	for _, r := range recs {
		if r.Kind != localkb.KindTag || r.Tag == nil {
			continue
		}
		f := Field{Name: r.Tag.Field, Label: r.Title, Type: r.Tag.Type, Unit: r.Tag.Unit, Values: r.Tag.Values, Ask: r.Tag.Ask}
		if f.Label == "" {
			f.Label = f.Name
		}
		if _, dup := e.vocab[f.Name]; !dup {
			e.order = append(e.order, f.Name)
		}
		e.vocab[f.Name] = f
	}
	for _, r := range recs {
		if r.Kind != localkb.KindPolicy || r.Policy == nil {
			continue
		}
		cp := compiledPolicy{rec: r}
		for _, c := range r.Policy.Conditions {
			cc, err := e.compile(c)
			if err != nil {
				return nil, fmt.Errorf("policy %s: condition %s: %w", r.ID, c.ID, err)
			}
			cp.conds = append(cp.conds, cc)
		}
		e.policies = append(e.policies, cp)
	}
	return e, nil
}

// Policies is the number of compiled policies; Conditions the number of
// their top-level conditions.
func (e *Engine) Policies() int { return len(e.policies) }

// Conditions counts the top-level conditions of all policies.
func (e *Engine) Conditions() int {
	n := 0
	for _, p := range e.policies {
		n += len(p.conds)
	}
	return n
}

// Vocabulary returns the field with its label, type and question; a field
// that has no tag record gets its name as label.
func (e *Engine) Vocabulary(name string) Field {
	if f, ok := e.vocab[name]; ok {
		return f
	}
	return Field{Name: name, Label: name}
}

func (e *Engine) slot(name string) int {
	if i, ok := e.slots[name]; ok {
		return i
	}
	i := len(e.names)
	e.slots[name] = i
	e.names = append(e.names, name)
	return i
}

func (e *Engine) compile(c localkb.Condition) (cond, error) {
	cc := cond{src: &c, field: -1, by: -1}
	if c.Op == "" && c.Field == "" {
		cc.op = opManual
		return cc, nil
	}
	op, ok := opcodes[c.Op]
	if !ok {
		return cc, fmt.Errorf("unknown operator %q", c.Op)
	}
	cc.op = op
	switch op {
	case opAny, opAll:
		subs, err := subConditions(c.Value)
		if err != nil {
			return cc, err
		}
		if len(subs) == 0 {
			return cc, fmt.Errorf("%s needs at least one sub-condition", c.Op)
		}
		for i, s := range subs {
			if s.ID == "" {
				s.ID = fmt.Sprintf("%s.%d", c.ID, i+1)
			}
			if s.Source == "" {
				s.Source = c.Source
			}
			sc, err := e.compile(s)
			if err != nil {
				return cc, fmt.Errorf("sub-condition %d: %w", i+1, err)
			}
			if sc.op == opManual {
				return cc, fmt.Errorf("sub-condition %d has no field", i+1)
			}
			cc.sub = append(cc.sub, sc)
		}
		return cc, nil
	}
	if c.Field == "" {
		return cc, fmt.Errorf("operator %s needs a field", c.Op)
	}
	cc.field = e.slot(c.Field)
	switch op {
	case opTrue, opFalse:
		return cc, nil
	case opGt, opGte, opLt, opLte:
		n, ok := toNumber(c.Value)
		if !ok {
			return cc, fmt.Errorf("%s needs a number, got %v", c.Op, c.Value)
		}
		cc.num, cc.isNum = n, true
	case opBetween:
		l, ok := c.Value.([]any)
		if !ok || len(l) != 2 {
			return cc, fmt.Errorf("between needs [low, high], got %v", c.Value)
		}
		a, ok1 := toNumber(l[0])
		b, ok2 := toNumber(l[1])
		if !ok1 || !ok2 || a > b {
			return cc, fmt.Errorf("between needs two ascending numbers, got %v", c.Value)
		}
		cc.num, cc.num2, cc.isNum = a, b, true
	case opEq, opNe:
		switch v := c.Value.(type) {
		case bool:
			cc.b, cc.isBool = v, true
		case string:
			cc.str, cc.isStr = v, true
		default:
			n, ok := toNumber(v)
			if !ok {
				return cc, fmt.Errorf("%s needs a number, text or yes/no, got %v", c.Op, c.Value)
			}
			cc.num, cc.isNum = n, true
		}
	case opIn, opHas:
		s, ok := toStrings(c.Value)
		if !ok || len(s) == 0 {
			return cc, fmt.Errorf("%s needs text or a list of texts, got %v", c.Op, c.Value)
		}
		cc.strs = s
	case opBanded:
		if err := e.compileBands(&cc, c.Value); err != nil {
			return cc, err
		}
	}
	return cc, nil
}

func subConditions(v any) ([]localkb.Condition, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var subs []localkb.Condition
	if err := json.Unmarshal(raw, &subs); err != nil {
		return nil, fmt.Errorf("sub-conditions must be a list of {field, op, value}: %w", err)
	}
	return subs, nil
}

func (e *Engine) compileBands(cc *cond, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var spec struct {
		By    string `json:"by"`
		Bands []struct {
			Upto  *float64 `json:"upto"`
			Below *float64 `json:"below"`
			Min   *float64 `json:"min"`
		} `json:"bands"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil || spec.By == "" || len(spec.Bands) == 0 {
		return fmt.Errorf(`banded needs {"by": field, "bands": [...]}, got %v`, v)
	}
	cc.by = e.slot(spec.By)
	for i, b := range spec.Bands {
		if b.Min == nil {
			return fmt.Errorf("band %d has no min", i+1)
		}
		nb := band{min: *b.Min}
		switch {
		case b.Upto != nil:
			nb.limit, nb.inclusive = *b.Upto, true
		case b.Below != nil:
			nb.limit = *b.Below
		default:
			if i != len(spec.Bands)-1 {
				return fmt.Errorf("only the last band may be open-ended")
			}
			nb.open = true
		}
		cc.bands = append(cc.bands, nb)
	}
	if !cc.bands[len(cc.bands)-1].open {
		return fmt.Errorf("the last band must be open-ended")
	}
	return nil
}

// fact is one profile value resolved for a slot.
type fact struct {
	known bool
	isNum bool
	num   float64
	isB   bool
	b     bool
	strs  []string // text as one element, sets as many
	text  bool     // a single text value, for substring "has"
	one   [1]string
}

func (e *Engine) facts(p Profile) []fact {
	return e.factsInto(make([]fact, len(e.names)), p)
}

// factsInto resolves p into fs (len(e.names) long), reusing its memory. A
// profile holds fewer fields than the engine reads, so it walks the profile.
func (e *Engine) factsInto(fs []fact, p Profile) []fact {
	clear(fs)
	for name, v := range p {
		i, ok := e.slots[name]
		if !ok || v == nil {
			continue
		}
		f := fact{known: true}
		switch x := v.(type) {
		case bool:
			f.isB, f.b = true, x
		case string:
			f.one[0], f.text = x, true
			if looksNumeric(x) {
				n, _ := toNumber(x)
				f.isNum, f.num = true, n
			}
		case []string:
			f.strs = x
		case []any:
			f.strs, _ = toStrings(x)
		default:
			n, ok := toNumber(x)
			if !ok {
				continue
			}
			f.isNum, f.num = true, n
		}
		fs[i] = f
		if f.text {
			// A single text is a one-element set backed by the fact itself,
			// so resolving a profile does not allocate.
			fs[i].strs = fs[i].one[:]
		}
	}
	return fs
}

// looksNumeric spares ParseFloat (and its error allocation) for texts such
// as places that cannot be numbers.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c == '+' || c == '-' || c == '.' || c == ' ' {
		_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return err == nil
	}
	if c < '0' || c > '9' {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// Status is the outcome of one condition for one profile.
type Status string

// Condition outcomes. Manual conditions have no field: a member of staff
// checks them when the enterprise applies, so they never block a match.
const (
	StatusMet     Status = "met"
	StatusFailed  Status = "failed"
	StatusUnknown Status = "unknown"
	StatusManual  Status = "manual"
)

func (c *cond) eval(fs []fact) Status {
	switch c.op {
	case opManual:
		return StatusManual
	case opAny, opAll:
		unknown := false
		for i := range c.sub {
			s := c.sub[i].eval(fs)
			switch {
			case c.op == opAny && s == StatusMet:
				return StatusMet
			case c.op == opAll && s == StatusFailed:
				return StatusFailed
			case s == StatusUnknown:
				unknown = true
			}
		}
		if unknown {
			return StatusUnknown
		}
		if c.op == opAny {
			return StatusFailed
		}
		return StatusMet
	}
	f := &fs[c.field]
	if !f.known {
		return StatusUnknown
	}
	ok, valid := c.test(f, fs)
	if !valid {
		return StatusUnknown
	}
	if ok {
		return StatusMet
	}
	return StatusFailed
}

// test reports whether fact f satisfies c; valid is false when the answer
// cannot be decided (a type the operator cannot read, a band whose
// deciding field is unknown).
func (c *cond) test(f *fact, fs []fact) (ok, valid bool) {
	switch c.op {
	case opTrue, opFalse:
		if !f.isB {
			return false, false
		}
		return f.b == (c.op == opTrue), true
	case opGt, opGte, opLt, opLte, opBetween:
		if !f.isNum {
			return false, false
		}
		switch c.op {
		case opGt:
			return f.num > c.num, true
		case opGte:
			return f.num >= c.num, true
		case opLt:
			return f.num < c.num, true
		case opLte:
			return f.num <= c.num, true
		}
		return f.num >= c.num && f.num <= c.num2, true
	case opEq, opNe:
		var eq bool
		switch {
		case c.isBool:
			if !f.isB {
				return false, false
			}
			eq = f.b == c.b
		case c.isNum:
			if !f.isNum {
				return false, false
			}
			eq = f.num == c.num
		default:
			if len(f.strs) == 0 {
				return false, false
			}
			eq = len(f.strs) == 1 && f.strs[0] == c.str
		}
		return eq == (c.op == opEq), true
	case opIn:
		if f.strs == nil && f.isNum {
			for _, s := range c.strs {
				if n, ok := toNumber(s); ok && n == f.num {
					return true, true
				}
			}
			return false, true
		}
		if f.strs == nil {
			return false, false
		}
		for _, have := range f.strs {
			for _, want := range c.strs {
				if have == want {
					return true, true
				}
			}
		}
		return false, true
	case opHas:
		if f.strs == nil {
			return false, false
		}
		for _, want := range c.strs {
			found := false
			for _, have := range f.strs {
				if have == want || (f.text && strings.Contains(have, want)) {
					found = true
					break
				}
			}
			if !found {
				return false, true
			}
		}
		return true, true
	case opBanded:
		if !f.isNum {
			return false, false
		}
		by := &fs[c.by]
		if !by.known || !by.isNum {
			return false, false
		}
		b := c.bandFor(by.num)
		return f.num >= b.min, true
	}
	return false, false
}

func (c *cond) bandFor(x float64) band {
	for _, b := range c.bands {
		if b.open || x < b.limit || (b.inclusive && x == b.limit) {
			return b
		}
	}
	return c.bands[len(c.bands)-1]
}

// unknownFields appends the fields whose answers would decide c.
func (c *cond) unknownFields(fs []fact, names []string, out []string) []string {
	switch c.op {
	case opManual:
		return out
	case opAny, opAll:
		for i := range c.sub {
			if c.sub[i].eval(fs) == StatusUnknown {
				out = c.sub[i].unknownFields(fs, names, out)
			}
		}
		return out
	}
	if !fs[c.field].known {
		out = append(out, names[c.field])
	}
	if c.op == opBanded && !fs[c.by].known {
		out = append(out, names[c.by])
	}
	return out
}

// Fields lists every profile field some condition reads, in first-use order.
func (e *Engine) Fields() []string { return append([]string(nil), e.names...) }
