package policy_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"xiaofu/app/policy"
	"xiaofu/localkb"
)

func tag(field, label, typ, unit, ask string, values ...string) localkb.Record {
	return localkb.Record{ID: "tag-" + field, Kind: localkb.KindTag, Title: label,
		Tag: &localkb.Tag{Field: field, Type: typ, Unit: unit, Ask: ask, Values: values}}
}

func pol(id string, maxWan float64, conds ...localkb.Condition) localkb.Record {
	return localkb.Record{ID: id, Kind: localkb.KindPolicy, Title: "政策 " + id,
		Policy: &localkb.Policy{MaxWan: maxWan, Conditions: conds}}
}

// value decodes JSON so condition values have the shapes a snapshot gives.
func value(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test value %s: %v", s, err)
	}
	return v
}

func oneCondition(t *testing.T, c localkb.Condition) *policy.Engine {
	t.Helper()
	c.ID = "p#c1"
	c.Text = "条件"
	e, err := policy.New([]localkb.Record{
		tag("revenue_wan", "营业收入", "number", "万元", "去年营收多少？"),
		tag("rd_ratio_pct", "研发投入占比", "number", "%", ""),
		pol("p", 10, c),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func TestOperators(t *testing.T) {
	cases := []struct {
		name    string
		op      string
		field   string
		value   string // JSON
		profile policy.Profile
		want    policy.Status
	}{
		{"eq number holds", "eq", "headcount", `30`, policy.Profile{"headcount": 30}, policy.StatusMet},
		{"eq number fails", "eq", "headcount", `30`, policy.Profile{"headcount": 31.0}, policy.StatusFailed},
		{"eq text holds", "eq", "industry", `"软件和信息技术服务"`, policy.Profile{"industry": "软件和信息技术服务"}, policy.StatusMet},
		{"eq text fails", "eq", "industry", `"软件和信息技术服务"`, policy.Profile{"industry": "餐饮"}, policy.StatusFailed},
		{"eq bool", "eq", "credit_good", `true`, policy.Profile{"credit_good": false}, policy.StatusFailed},
		{"eq missing is unknown", "eq", "headcount", `30`, policy.Profile{}, policy.StatusUnknown},
		{"ne holds", "ne", "industry", `"房地产"`, policy.Profile{"industry": "餐饮"}, policy.StatusMet},
		{"ne fails", "ne", "industry", `"房地产"`, policy.Profile{"industry": "房地产"}, policy.StatusFailed},
		{"ne missing is unknown, not met", "ne", "industry", `"房地产"`, policy.Profile{}, policy.StatusUnknown},
		{"gt above", "gt", "revenue_wan", `200`, policy.Profile{"revenue_wan": 201}, policy.StatusMet},
		{"gt equal fails", "gt", "revenue_wan", `200`, policy.Profile{"revenue_wan": 200}, policy.StatusFailed},
		{"gte equal holds", "gte", "revenue_wan", `200`, policy.Profile{"revenue_wan": 200}, policy.StatusMet},
		{"gte below fails", "gte", "revenue_wan", `200`, policy.Profile{"revenue_wan": 199.5}, policy.StatusFailed},
		{"lt below", "lt", "reg_years", `5`, policy.Profile{"reg_years": 4.9}, policy.StatusMet},
		{"lt equal fails", "lt", "reg_years", `5`, policy.Profile{"reg_years": 5}, policy.StatusFailed},
		{"lte equal holds", "lte", "reg_capital_wan", `1000`, policy.Profile{"reg_capital_wan": 1000}, policy.StatusMet},
		{"lte above fails", "lte", "reg_capital_wan", `1000`, policy.Profile{"reg_capital_wan": 1001}, policy.StatusFailed},
		{"gte on text is unknown", "gte", "revenue_wan", `200`, policy.Profile{"revenue_wan": "很多"}, policy.StatusUnknown},
		{"gte on numeric text", "gte", "revenue_wan", `200`, policy.Profile{"revenue_wan": "300"}, policy.StatusMet},
		{"between inside", "between", "age", `[18, 45]`, policy.Profile{"age": 45}, policy.StatusMet},
		{"between low edge", "between", "age", `[18, 45]`, policy.Profile{"age": 18}, policy.StatusMet},
		{"between outside", "between", "age", `[18, 45]`, policy.Profile{"age": 46}, policy.StatusFailed},
		{"in one of", "in", "industry", `["软件和信息技术服务","科学研究和技术服务"]`, policy.Profile{"industry": "科学研究和技术服务"}, policy.StatusMet},
		{"in none of", "in", "industry", `["软件和信息技术服务"]`, policy.Profile{"industry": "餐饮"}, policy.StatusFailed},
		{"in with a set profile", "in", "industry", `["软件和信息技术服务"]`, policy.Profile{"industry": []string{"餐饮", "软件和信息技术服务"}}, policy.StatusMet},
		{"has qualification", "has", "qualifications", `"高新技术企业"`, policy.Profile{"qualifications": []string{"科技型中小企业", "高新技术企业"}}, policy.StatusMet},
		{"has not", "has", "qualifications", `"高新技术企业"`, policy.Profile{"qualifications": []string{"科技型中小企业"}}, policy.StatusFailed},
		{"has empty set fails (answered: none)", "has", "qualifications", `"高新技术企业"`, policy.Profile{"qualifications": []string{}}, policy.StatusFailed},
		{"has all of a list", "has", "qualifications", `["高新技术企业","专精特新"]`, policy.Profile{"qualifications": []string{"高新技术企业"}}, policy.StatusFailed},
		{"has substring of a place", "has", "reg_place", `"杭州市"`, policy.Profile{"reg_place": "浙江省杭州市西湖区"}, policy.StatusMet},
		{"has place elsewhere", "has", "reg_place", `"杭州市"`, policy.Profile{"reg_place": "上海市徐汇区"}, policy.StatusFailed},
		{"true holds", "true", "has_rd_org", `null`, policy.Profile{"has_rd_org": true}, policy.StatusMet},
		{"true fails", "true", "has_rd_org", `null`, policy.Profile{"has_rd_org": false}, policy.StatusFailed},
		{"true missing", "true", "has_rd_org", `null`, policy.Profile{}, policy.StatusUnknown},
		{"false holds", "false", "abnormal_list", `null`, policy.Profile{"abnormal_list": false}, policy.StatusMet},
		{"false fails", "false", "abnormal_list", `null`, policy.Profile{"abnormal_list": true}, policy.StatusFailed},
		{"true on a number is unknown", "true", "has_rd_org", `null`, policy.Profile{"has_rd_org": 1}, policy.StatusUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := oneCondition(t, localkb.Condition{Field: tc.field, Op: tc.op, Value: value(t, tc.value)})
			res := e.Match(tc.profile)
			got := statusOf(t, res, "p")
			if got != tc.want {
				t.Fatalf("status = %s, want %s (result %+v)", got, tc.want, res)
			}
		})
	}
}

func statusOf(t *testing.T, res policy.Result, id string) policy.Status {
	t.Helper()
	for _, l := range [][]policy.PolicyMatch{res.Met, res.Nearly, res.Open} {
		for _, m := range l {
			if m.ID == id {
				return m.Lines[0].Status
			}
		}
	}
	if res.NotMet > 0 {
		return policy.StatusFailed
	}
	t.Fatalf("policy %s not in result", id)
	return ""
}

func TestComposite(t *testing.T) {
	ipRule := `[{"field":"invention_patents","op":"gte","value":1},{"field":"minor_ip_count","op":"gte","value":4}]`
	band := `{"by":"revenue_wan","bands":[{"upto":5000,"min":5},{"upto":20000,"min":4},{"min":3}]}`
	cases := []struct {
		name    string
		op      string
		field   string
		value   string
		profile policy.Profile
		want    policy.Status
	}{
		{"any: first holds", "any", "", ipRule, policy.Profile{"invention_patents": 1}, policy.StatusMet},
		{"any: second holds while first unknown", "any", "", ipRule, policy.Profile{"minor_ip_count": 5}, policy.StatusMet},
		{"any: one fails one unknown", "any", "", ipRule, policy.Profile{"invention_patents": 0}, policy.StatusUnknown},
		{"any: both fail", "any", "", ipRule, policy.Profile{"invention_patents": 0, "minor_ip_count": 3}, policy.StatusFailed},
		{"all: one fails decides", "all", "", ipRule, policy.Profile{"invention_patents": 0}, policy.StatusFailed},
		{"all: both hold", "all", "", ipRule, policy.Profile{"invention_patents": 2, "minor_ip_count": 4}, policy.StatusMet},
		{"all: one unknown", "all", "", ipRule, policy.Profile{"invention_patents": 2}, policy.StatusUnknown},
		{"banded: small firm needs 5%", "banded", "rd_ratio_pct", band, policy.Profile{"revenue_wan": 2000, "rd_ratio_pct": 4.5}, policy.StatusFailed},
		{"banded: band edge is inclusive", "banded", "rd_ratio_pct", band, policy.Profile{"revenue_wan": 5000, "rd_ratio_pct": 5}, policy.StatusMet},
		{"banded: middle band needs 4%", "banded", "rd_ratio_pct", band, policy.Profile{"revenue_wan": 8000, "rd_ratio_pct": 4.5}, policy.StatusMet},
		{"banded: large firm needs 3%", "banded", "rd_ratio_pct", band, policy.Profile{"revenue_wan": 30000, "rd_ratio_pct": 3}, policy.StatusMet},
		{"banded: revenue unknown", "banded", "rd_ratio_pct", band, policy.Profile{"rd_ratio_pct": 9}, policy.StatusUnknown},
		{"banded: ratio unknown", "banded", "rd_ratio_pct", band, policy.Profile{"revenue_wan": 9}, policy.StatusUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := oneCondition(t, localkb.Condition{Field: tc.field, Op: tc.op, Value: value(t, tc.value)})
			if got := statusOf(t, e.Match(tc.profile), "p"); got != tc.want {
				t.Fatalf("status = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBadConditionsAreRejected(t *testing.T) {
	cases := []struct {
		name string
		c    localkb.Condition
		want string
	}{
		{"unknown op", localkb.Condition{Field: "x", Op: "like", Value: 1}, `unknown operator "like"`},
		{"gte on text", localkb.Condition{Field: "x", Op: "gte", Value: "many"}, "needs a number"},
		{"between one number", localkb.Condition{Field: "x", Op: "between", Value: []any{1.0}}, "between needs"},
		{"between descending", localkb.Condition{Field: "x", Op: "between", Value: []any{5.0, 1.0}}, "ascending"},
		{"op without field", localkb.Condition{Op: "gte", Value: 1}, "needs a field"},
		{"in without values", localkb.Condition{Field: "x", Op: "in", Value: []any{}}, "list of texts"},
		{"band not open-ended", localkb.Condition{Field: "x", Op: "banded", Value: map[string]any{"by": "y", "bands": []any{map[string]any{"upto": 1.0, "min": 2.0}}}}, "open-ended"},
		{"any empty", localkb.Condition{Op: "any", Value: []any{}}, "at least one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.ID = "bad#c1"
			_, err := policy.New([]localkb.Record{pol("bad", 1, tc.c)})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad#c1") {
				t.Fatalf("err = %v, want one naming bad#c1 and %q", err, tc.want)
			}
		})
	}
}

func threePolicies(t *testing.T) *policy.Engine {
	t.Helper()
	e, err := policy.New([]localkb.Record{
		tag("reg_place", "注册地", "text", "", "企业注册在哪里？"),
		tag("reg_years", "成立年限", "number", "年", "企业成立几年了？"),
		tag("revenue_wan", "营业收入", "number", "万元", "去年营业收入多少万元？"),
		tag("qualifications", "资质", "set", "", "企业已有哪些资质？", "高新技术企业", "专精特新"),
		pol("big", 300,
			localkb.Condition{ID: "big#c1", Text: "杭州市注册", Field: "reg_place", Op: "has", Value: "杭州市", Source: "杭州市注册企业"},
			localkb.Condition{ID: "big#c2", Text: "国家高新技术企业", Field: "qualifications", Op: "has", Value: "高新技术企业", Source: "已获评国家高新技术企业", Hint: "先申报国家高新技术企业认定"},
			localkb.Condition{ID: "big#c3", Text: "研发投入1000万元以上", Field: "rd_expense_wan", Op: "gt", Value: 1000.0, Source: "上年度研发投入在1000万元以上"},
		),
		pol("small", 1,
			localkb.Condition{ID: "small#c1", Text: "成立一年以上", Field: "reg_years", Op: "gte", Value: 1.0, Source: "在本省登记注册成立一年以上"},
			localkb.Condition{ID: "small#c2", Text: "产权明晰", Source: "产权明晰，实行独立核算"},
		),
		pol("mid", 20,
			localkb.Condition{ID: "mid#c1", Text: "成立一年以上", Field: "reg_years", Op: "gte", Value: 1.0, Source: "s1"},
			localkb.Condition{ID: "mid#c2", Text: "营收不超过3000万", Field: "revenue_wan", Op: "lte", Value: 3000.0, Source: "s2"},
		),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMissingDataIsNotFailure(t *testing.T) {
	e := threePolicies(t)
	res := e.Match(policy.Profile{})
	if len(res.Met) != 0 || len(res.Nearly) != 0 || res.NotMet != 0 {
		t.Fatalf("empty profile: met %d nearly %d notmet %d, want everything open", len(res.Met), len(res.Nearly), res.NotMet)
	}
	if len(res.Open) != 3 || res.Open[0].ID != "big" {
		t.Fatalf("open = %v, want 3 with the 300万 programme first", ids(res.Open))
	}
	for _, l := range res.Open[0].Lines {
		if l.Status != policy.StatusUnknown || !strings.HasPrefix(l.Reason, "还不知道") || l.Source == "" {
			t.Fatalf("line %+v: want unknown with a 还不知道 reason and its source", l)
		}
	}
}

func TestVerdictsRankingAndReasons(t *testing.T) {
	e := threePolicies(t)
	res := e.Match(policy.Profile{"reg_place": "浙江省杭州市西湖区", "reg_years": 3.0, "revenue_wan": 2000.0,
		"qualifications": []string{"科技型中小企业"}, "rd_expense_wan": 1200.0})
	if got := ids(res.Met); strings.Join(got, ",") != "mid,small" {
		t.Fatalf("met = %v, want mid (20万) before small (1万)", got)
	}
	small := res.Met[1]
	if small.Lines[1].Status != policy.StatusManual || !strings.Contains(small.Lines[1].Reason, "核实") {
		t.Fatalf("manual line = %+v", small.Lines[1])
	}
	if len(res.Nearly) != 1 || res.Nearly[0].ID != "big" {
		t.Fatalf("nearly = %v, want big", ids(res.Nearly))
	}
	miss := res.Nearly[0].Missing()
	if len(miss) != 1 || miss[0].Hint != "先申报国家高新技术企业认定" || miss[0].Source != "已获评国家高新技术企业" {
		t.Fatalf("missing = %+v", miss)
	}
	if !strings.Contains(miss[0].Reason, "资质 科技型中小企业") || !strings.Contains(miss[0].Reason, "高新技术企业") {
		t.Fatalf("reason %q should name what the firm has and what is needed", miss[0].Reason)
	}
	if !strings.Contains(res.Met[0].Lines[1].Reason, "营业收入 2000万元，要求不超过 3000万元") {
		t.Fatalf("met reason = %q", res.Met[0].Lines[1].Reason)
	}
	if res.Next != nil {
		t.Fatalf("nothing open, but next question %+v", res.Next)
	}
}

func TestNextQuestionUnlocksMostValue(t *testing.T) {
	e := threePolicies(t)
	res := e.Match(policy.Profile{"reg_years": 2.0})
	// big (300万) waits on reg_place, qualifications and rd_expense_wan;
	// mid (20万) only on revenue_wan: 301/3 > 21/1, so ask about big first.
	if res.Next == nil || res.Next.Field != "reg_place" {
		t.Fatalf("next = %+v, want reg_place (vocabulary order breaks the tie among big's fields)", res.Next)
	}
	if res.Next.Ask != "企业注册在哪里？" || res.Next.ValueWan != 300 || res.Next.Policies != 1 {
		t.Fatalf("next = %+v", res.Next)
	}
	res = e.Match(policy.Profile{"reg_years": 2.0, "reg_place": "杭州市", "qualifications": []string{"高新技术企业"}})
	// big now waits only on rd_expense_wan (301) which beats revenue_wan (21).
	if res.Next.Field != "rd_expense_wan" {
		t.Fatalf("next = %+v, want rd_expense_wan", res.Next)
	}
	if res.Next.Ask != "请问贵企业的rd_expense_wan是？" {
		t.Fatalf("a field without a tag should still get a question, got %q", res.Next.Ask)
	}
	res = e.Match(policy.Profile{"reg_years": 2.0, "reg_place": "杭州市", "qualifications": []string{"高新技术企业"}}, "rd_expense_wan")
	if res.Next.Field != "revenue_wan" {
		t.Fatalf("after skipping, next = %+v, want revenue_wan", res.Next)
	}
}

func TestDerive(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	p := policy.Derive(policy.Profile{"reg_date": "2020-05-31", "rd_expense_wan": 150.0, "revenue_wan": 3000.0,
		"rd_staff": 6.0, "headcount": 40.0, "invention_patents": 2.0, "utility_patents": 3.0, "design_patents": 1.0,
		"software_copyrights": 4.0}, now)
	want := map[string]float64{"reg_years": 6, "rd_ratio_pct": 5, "rd_staff_pct": 15, "patent_score": 17, "minor_ip_count": 8, "ip_count": 10}
	for f, w := range want {
		if got, _ := p[f].(float64); got != w {
			t.Errorf("%s = %v, want %v", f, p[f], w)
		}
	}
	p = policy.Derive(policy.Profile{"invention_patents": 2.0, "rd_ratio_pct": 7.0, "rd_expense_wan": 1.0, "revenue_wan": 0.0}, now)
	if _, ok := p["patent_score"]; ok {
		t.Error("patent_score derived from a partial count")
	}
	if p["rd_ratio_pct"] != 7.0 {
		t.Error("a given field was overwritten by its derivation")
	}
}

func TestParseProfile(t *testing.T) {
	p, err := policy.ParseProfile([]byte(`{"headcount": 30, "industry": "软件", "qualifications": ["高新技术企业"], "x": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if p["headcount"] != 30.0 || p["industry"] != "软件" || len(p["qualifications"].([]string)) != 1 {
		t.Fatalf("profile = %#v", p)
	}
	if _, ok := p["x"]; ok {
		t.Fatal("null should mean unknown")
	}
	if _, err := policy.ParseProfile([]byte(`{"headcount": `)); err == nil {
		t.Fatal("broken JSON accepted")
	}
}

func ids(l []policy.PolicyMatch) []string {
	var out []string
	for _, m := range l {
		out = append(out, m.ID)
	}
	return out
}
