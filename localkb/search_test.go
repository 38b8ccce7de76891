package localkb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func smallKB(t *testing.T) *KB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	snap := strings.Join([]string{metaLine,
		faqLine("f-tax", "税务登记怎么办理", "到办税服务厅办理税务登记。"),
		faqLine("f-ss", "社会保险费如何缴纳", "单位按月向社保经办机构缴纳社会保险费。"),
		faqLine("f-hf", "住房公积金怎么提取", "购房、退休等情形可以提取住房公积金。"),
		faqLine("f-lic", "营业执照遗失如何补领", "在报纸声明作废后到登记机关申请补领营业执照。"),
		`{"id":"d-tax","kind":"department","title":"税务局","dept":{"duties":"税务登记、发票","windows":["5号窗口"]}}`,
	}, "\n")
	mustImport(t, snap, path)
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kb.Close() })
	return kb
}

func TestSearchShortTerms(t *testing.T) {
	kb := smallKB(t)
	for _, tc := range []struct{ q, want string }{
		{"税", "f-tax"},    // one character: trigram alone finds nothing
		{"社保", "f-ss"},    // two characters, and a synonym of 社会保险
		{"执照", "f-lic"},   // two characters inside 营业执照
		{"公积金", "f-hf"},   // canonical short form of 住房公积金
		{"设保怎么交", "f-ss"}, // recogniser homophone 设保 for 社保
	} {
		hits, err := kb.Search(context.Background(), tc.q, SearchOptions{Kinds: []string{KindFAQ}})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Record.ID != tc.want {
			t.Errorf("Search(%q) first hit = %v, want %s", tc.q, ids(hits), tc.want)
		}
	}
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Record.ID)
	}
	return out
}

func TestSearchKindsFilter(t *testing.T) {
	kb := smallKB(t)
	hits, err := kb.Search(context.Background(), "税务", SearchOptions{Kinds: []string{KindDepartment}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Record.ID != "d-tax" {
		t.Errorf("department-only search = %v", ids(hits))
	}
}

func TestSearchFillerOnlyFindsNothing(t *testing.T) {
	kb := smallKB(t)
	for _, q := range []string{"", "   ", "那个那个嗯", "？？"} {
		hits, err := kb.Search(context.Background(), q, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Grounded {
				t.Errorf("Search(%q) gave a grounded answer %s", q, h.Record.ID)
			}
		}
	}
}

// The grounded decision on the real knowledge base: paraphrases of stored
// questions are grounded; questions the hall never wrote about are not,
// even though FTS5 returns something for them.
func TestGroundedDecision(t *testing.T) {
	kb := sharedKB(t)
	ctx := context.Background()
	for _, q := range []string{"我想问一下那个社保卡丢了怎么补办呀", "高新技术企业认定要什么条件", "生育津贴怎么领"} {
		hits, err := kb.Search(ctx, q, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || !hits[0].Grounded {
			t.Errorf("%q: want a grounded answer, got %v", q, describe(hits))
		}
	}
	for _, q := range []string{"今天天气怎么样", "怎么做红烧肉", "我家猫生病了怎么办"} {
		hits, err := kb.Search(ctx, q, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := kb.PlainSearch(ctx, q, 3)
		if len(hits) > 0 && hits[0].Grounded {
			t.Errorf("%q: grounded answer %s (plain FTS5 returned %v)", q, describe(hits), plain)
		}
		for _, h := range hits {
			if h.Confidence < 0 || h.Confidence > 1 {
				t.Errorf("confidence %v out of range", h.Confidence)
			}
		}
	}
}

func describe(hits []Hit) string {
	var b strings.Builder
	for _, h := range hits {
		b.WriteString(h.Record.ID + " " + h.Record.Title + "; ")
	}
	return b.String()
}

func TestBrowse(t *testing.T) {
	kb := sharedKB(t)
	ctx := context.Background()
	st, err := kb.Stats(ctx)
	if err != nil || st.Total == 0 || st.ByKind[KindFAQ] == 0 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
	depts, err := kb.Departments(ctx)
	if err != nil || len(depts) == 0 {
		t.Fatalf("departments = %v, %v", depts, err)
	}
	recs, err := kb.ByDepartment(ctx, depts[0], nil, 5)
	if err != nil || len(recs) == 0 || len(recs) > 5 {
		t.Fatalf("by department %s = %d records, %v", depts[0], len(recs), err)
	}
	for _, r := range recs {
		if recordDept(&r) != depts[0] {
			t.Errorf("record %s of department %q listed under %q", r.ID, r.Department, depts[0])
		}
	}
	faqs, err := kb.ByKind(ctx, KindFAQ, 3)
	if err != nil || len(faqs) != 3 {
		t.Fatalf("by kind = %d, %v", len(faqs), err)
	}
	if topics, err := kb.Topics(ctx); err == nil && len(topics) > 0 {
		if _, err := kb.ByTopic(ctx, topics[0], 3); err != nil {
			t.Fatal(err)
		}
	}
}
