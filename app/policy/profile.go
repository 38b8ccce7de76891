package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Profile is what is known about one enterprise: field name (from the tag
// vocabulary, e.g. "revenue_wan") to value. Numbers are float64 (ints are
// accepted), yes/no answers bool, enums string, sets []string. A field that
// is absent is unknown, which is not the same as zero or false.
type Profile map[string]any

// Clone returns a shallow copy, so a questionnaire can add answers without
// touching the caller's profile.
func (p Profile) Clone() Profile {
	c := make(Profile, len(p)+8)
	for k, v := range p {
		c[k] = v
	}
	return c
}

// Set records an answer; a nil value forgets the field (back to unknown).
func (p Profile) Set(field string, v any) {
	if v == nil {
		delete(p, field)
		return
	}
	p[field] = v
}

// ParseProfile reads a profile from JSON (an object of field to value).
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	for k, v := range p {
		switch x := v.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return nil, fmt.Errorf("profile: field %s: %w", k, err)
			}
			p[k] = f
		case []any:
			s := make([]string, 0, len(x))
			for _, e := range x {
				s = append(s, fmt.Sprint(e))
			}
			p[k] = s
		case nil:
			delete(p, k)
		}
	}
	return p, nil
}

// Derived fields are computed from others when the profile does not hold
// them itself; a visitor may answer either way ("研发投入 300 万" or
// "研发占比 6%").
var derivations = []struct {
	field string
	from  []string
	calc  func(v []float64) float64
}{
	{"rd_ratio_pct", []string{"rd_expense_wan", "revenue_wan"}, func(v []float64) float64 {
		if v[1] <= 0 {
			return math.NaN()
		}
		return round2(v[0] / v[1] * 100)
	}},
	{"rd_staff_pct", []string{"rd_staff", "headcount"}, func(v []float64) float64 {
		if v[1] <= 0 {
			return math.NaN()
		}
		return round2(v[0] / v[1] * 100)
	}},
	// 专利折算分值 as the Hangzhou patent pilot programmes define it:
	// invention 5, utility model 2, design 1 point each.
	{"patent_score", []string{"invention_patents", "utility_patents", "design_patents"}, func(v []float64) float64 {
		return 5*v[0] + 2*v[1] + v[2]
	}},
	// 实用新型+外观设计+软件著作权 counted together, as several programmes do.
	{"minor_ip_count", []string{"utility_patents", "design_patents", "software_copyrights"}, func(v []float64) float64 {
		return v[0] + v[1] + v[2]
	}},
	{"ip_count", []string{"invention_patents", "utility_patents", "design_patents", "software_copyrights"}, func(v []float64) float64 {
		return v[0] + v[1] + v[2] + v[3]
	}},
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Derive returns a copy of p with the derived fields filled in where their
// inputs are all known: reg_years from reg_date (YYYY-MM-DD, counted to now),
// R&D ratio from R&D expense and revenue, R&D staff share, the patent score
// and IP counts. Fields the profile already holds are kept as given.
func Derive(p Profile, now time.Time) Profile {
	out := p.Clone()
	if _, ok := out["reg_years"]; !ok {
		if s, ok := out["reg_date"].(string); ok {
			if t, err := time.Parse("2006-01-02", s); err == nil && !t.After(now) {
				years := now.Sub(t).Hours() / 24 / 365.2425
				out["reg_years"] = math.Floor(years*10) / 10
			}
		}
	}
	for _, d := range derivations {
		if _, ok := out[d.field]; ok {
			continue
		}
		vals := make([]float64, len(d.from))
		all := true
		for i, f := range d.from {
			n, ok := toNumber(out[f])
			if !ok {
				all = false
				break
			}
			vals[i] = n
		}
		if !all {
			continue
		}
		if v := d.calc(vals); !math.IsNaN(v) {
			out[d.field] = v
		}
	}
	return out
}

func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func toStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out, true
	case string:
		return []string{x}, true
	}
	return nil, false
}

// Fields lists the profile's field names in order, for stable output.
func (p Profile) Fields() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
