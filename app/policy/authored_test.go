package policy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"xiaofu/app/policy"
	"xiaofu/localkb"
)

// authored loads the hand-split policies and the vocabulary the knowledge
// base is built from, so the data is checked with the engine that reads it.
func authored(t testing.TB) []localkb.Record {
	t.Helper()
	var recs []localkb.Record
	for _, name := range []string{"policies.jsonl", "tags.jsonl"} {
		f, err := os.Open(filepath.Join("..", "..", "tools", "kbbuild", "authored", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := policy.ReadRecords(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs = append(recs, r...)
	}
	return recs
}

func TestAuthoredPoliciesAreWellFormed(t *testing.T) {
	recs := authored(t)
	e, err := policy.New(recs)
	if err != nil {
		t.Fatalf("authored policies do not compile: %v", err)
	}
	if e.Policies() < 50 || e.Conditions() < 200 {
		t.Fatalf("%d policies with %d conditions; the data set should hold dozens and well over 100", e.Policies(), e.Conditions())
	}
	tags := map[string]bool{}
	for _, r := range recs {
		if r.Kind == localkb.KindTag {
			if r.Tag.Ask == "" || r.Title == "" {
				t.Errorf("tag %s has no label or question", r.ID)
			}
			tags[r.Tag.Field] = true
		}
	}
	for _, f := range e.Fields() {
		if !tags[f] {
			t.Errorf("field %s is used by a condition but has no tag record", f)
		}
	}
	idRe := regexp.MustCompile(`^policy-[a-z0-9-]+#c\d+$`)
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Kind != localkb.KindPolicy {
			continue
		}
		if seen[r.ID] {
			t.Errorf("duplicate policy id %s", r.ID)
		}
		seen[r.ID] = true
		if r.Source == "" || r.Policy.Benefit == "" || r.Policy.Level == "" {
			t.Errorf("%s lacks source, benefit or level", r.ID)
		}
		for _, c := range r.Policy.Conditions {
			if !idRe.MatchString(c.ID) || !strings.HasPrefix(c.ID, r.ID+"#") {
				t.Errorf("condition id %q does not belong to %s", c.ID, r.ID)
			}
			if c.Text == "" || len([]rune(c.Source)) < 6 {
				t.Errorf("%s: every condition needs its text and the sentence it came from", c.ID)
			}
		}
	}
}

func TestAuthoredHangzhouSoftwareFirm(t *testing.T) {
	e, err := policy.New(authored(t))
	if err != nil {
		t.Fatal(err)
	}
	// A three-year-old Hangzhou software firm with 2 software copyrights,
	// 2,000万 revenue and 6% R&D: the municipal high-tech programme needs
	// 5% in its band and the provincial SME one a year's registration.
	p := policy.Profile{"reg_place": "浙江省杭州市西湖区", "reg_years": 3.0, "ip_count": 2.0,
		"high_tech_field": true, "revenue_wan": 2000.0, "rd_ratio_pct": 6.0}
	res := e.Match(p)
	met := map[string]bool{}
	for _, m := range res.Met {
		met[m.ID] = true
	}
	for _, id := range []string{"policy-hz-1", "policy-hz-2", "policy-hz-8"} {
		if !met[id] {
			t.Errorf("%s should be met for this firm", id)
		}
	}
	if res.Met[0].MaxWan < res.Met[len(res.Met)-1].MaxWan {
		t.Error("met policies are not ranked by value")
	}
	// Below the band: 4% R&D with 2,000万 revenue misses only the R&D line.
	p["rd_ratio_pct"] = 4.0
	res = e.Match(p)
	var hz2 *policy.PolicyMatch
	for i := range res.Nearly {
		if res.Nearly[i].ID == "policy-hz-2" {
			hz2 = &res.Nearly[i]
		}
	}
	if hz2 == nil {
		t.Fatalf("policy-hz-2 should be nearly met at 4%% R&D")
	}
	miss := hz2.Missing()
	if len(miss) != 1 || !strings.Contains(miss[0].Reason, "上年度销售收入 2000万元 时要求研发投入占销售收入比例不低于 5%") {
		t.Fatalf("missing = %+v", miss)
	}
	if !strings.Contains(miss[0].Source, "不低于5%") || miss[0].Hint == "" {
		t.Fatalf("missing line lacks its source or hint: %+v", miss[0])
	}
	if res.Next == nil {
		t.Fatal("no next question although many policies are open")
	}
}

var _ policy.RecordLister = (*localkb.KB)(nil)
