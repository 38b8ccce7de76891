package guide_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"xiaofu/app/guide"
	"xiaofu/app/policy"
	"xiaofu/localkb"
)

func item(title string, mats ...string) localkb.Record {
	return localkb.Record{ID: title, Kind: localkb.KindGuide, Title: title, Guide: &localkb.Guide{Materials: mats}}
}

func TestMergeMaterials(t *testing.T) {
	cases := []struct {
		name  string
		items []localkb.Record
		want  []guide.Material
	}{
		{"exact duplicates across items",
			[]localkb.Record{item("甲", "工伤职工身份证", "代办委托书"), item("乙", "工伤职工身份证")},
			[]guide.Material{{Name: "工伤职工身份证", Items: []string{"甲", "乙"}}, {Name: "代办委托书", Items: []string{"甲"}}}},
		{"parenthetical on one side only",
			[]localkb.Record{item("甲", "出院小结（记录）"), item("乙", "出院小结")},
			[]guide.Material{{Name: "出院小结（记录）", Items: []string{"甲", "乙"}, Variants: []string{"出院小结"}}}},
		{"different parentheticals are different documents",
			[]localkb.Record{item("甲", "法定登记注册文件（营业执照）", "法定登记注册文件（民办非企业单位登记证）")},
			[]guide.Material{{Name: "法定登记注册文件（营业执照）", Items: []string{"甲"}}, {Name: "法定登记注册文件（民办非企业单位登记证）", Items: []string{"甲"}}}},
		{"an alternative accepts the plain one; the fuller name is shown",
			[]localkb.Record{item("甲", "代办人身份证"), item("乙", "代办人身份证原件或社会保障卡原件")},
			[]guide.Material{{Name: "代办人身份证原件或社会保障卡原件", Items: []string{"甲", "乙"}, Variants: []string{"代办人身份证"}}}},
		{"trailing 信息, book marks and width",
			[]localkb.Record{item("甲", "参保人社会保障卡或银行存折/借记卡信息"), item("乙", "参保人社会保障卡或银行存折／借记卡"), item("丙", "《公司章程》"), item("丁", "公司章程")},
			[]guide.Material{{Name: "参保人社会保障卡或银行存折/借记卡信息", Items: []string{"甲", "乙"}, Variants: []string{"参保人社会保障卡或银行存折／借记卡"}},
				{Name: "《公司章程》", Items: []string{"丙", "丁"}, Variants: []string{"公司章程"}}}},
		{"short prefix of the same document",
			[]localkb.Record{item("甲", "委托书"), item("乙", "代办委托书")},
			[]guide.Material{{Name: "代办委托书", Items: []string{"甲", "乙"}, Variants: []string{"委托书"}}}},
		{"a longer prefix is another document",
			[]localkb.Record{item("甲", "身份证件", "纳税人身份证件")},
			[]guide.Material{{Name: "身份证件", Items: []string{"甲"}}, {Name: "纳税人身份证件", Items: []string{"甲"}}}},
		{"无 and blanks dropped, items without a guide skipped",
			[]localkb.Record{item("甲", "无", " "), {ID: "x", Title: "x"}},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := guide.MergeMaterials(tc.items)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func bundles(t *testing.T) []localkb.Record {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "tools", "kbbuild", "authored", "bundles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := policy.ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestFindBundle(t *testing.T) {
	bs := bundles(t)
	if len(bs) < 4 {
		t.Fatalf("%d bundles authored, want 4–6", len(bs))
	}
	cases := []struct{ text, want string }{
		{"我想开个茶馆，要办哪些手续？", "bundle-open-teahouse"},
		{"开饭店要办什么证", "bundle-open-restaurant"},
		{"我们要招人，新员工入职要办什么", "bundle-new-hire"},
		{"公司要搬家了", "bundle-relocate"},
		{"员工受伤了怎么办", "bundle-work-injury"},
		{"我们公司能申请哪些补贴？", ""},
		{"你好", ""},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			b, ok := guide.FindBundle(tc.text, bs)
			if ok != (tc.want != "") || b.ID != tc.want {
				t.Fatalf("FindBundle = %q, %v; want %q", b.ID, ok, tc.want)
			}
		})
	}
}

// The authored bundles must name real items of the Guangdong catalogue.
func TestBundlesUseRealItems(t *testing.T) {
	// The shared data sits beside the repository (CI lays it there too).
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "guangdong-service-items", "gd_service_items.jsonl"))
	if err != nil {
		t.Fatalf("the Guangdong catalogue beside the repository: %v", err)
	}
	for _, b := range bundles(t) {
		if len(b.Bundle.Steps) < 4 {
			t.Errorf("%s has %d steps", b.ID, len(b.Bundle.Steps))
		}
		for _, s := range b.Bundle.Steps {
			if !contains(raw, `"TASK_CODE":"`+s.ItemID+`"`) || s.Note == "" {
				t.Errorf("%s: step %s is not a catalogue TASK_CODE or has no note", b.ID, s.ItemID)
			}
		}
	}
}

func contains(b []byte, s string) bool { return len(s) > 0 && indexOf(string(b), s) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestRoute(t *testing.T) {
	bs := bundles(t)
	cases := []struct{ text, route, id string }{
		{"我想开个茶馆，要办哪些手续？", guide.RouteBundle, "bundle-open-teahouse"},
		{"我们公司能申请哪些补贴？", guide.RoutePolicy, ""},
		{"高新技术企业认定有什么条件", guide.RoutePolicy, ""},
		{"社保卡丢了怎么补办", "", ""},
	}
	for _, tc := range cases {
		route, id := guide.Route(tc.text, bs)
		if route != tc.route || id != tc.id {
			t.Errorf("Route(%q) = %q, %q; want %q, %q", tc.text, route, id, tc.route, tc.id)
		}
	}
}
