package profile_test

import (
	"reflect"
	"testing"

	"xiaofu/app/policy"
	"xiaofu/app/profile"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in     string
		want   float64
		approx bool
	}{
		{"30", 30, false},
		{"三十", 30, false},
		{"十五", 15, false},
		{"一百二十", 120, false},
		{"两千", 2000, false},
		{"两千五百", 2500, false},
		{"一千零五", 1005, false},
		{"三十来", 30, true},
		{"五十多", 50, true},
		{"两千多万", 2e7, true},
		{"两千万", 2e7, false},
		{"1.5亿", 1.5e8, false},
		{"一个亿", 1e8, false},
		{"两个亿左右", 2e8, true},
		{"3千", 3000, false},
		{"２００万", 2e6, false},
		{"二十万上下", 2e5, true},
		{"八百余万", 8e6, true},
		{"百分之五", 5, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			v, approx, ok := profile.ParseNumber(tc.in)
			if !ok || v != tc.want || approx != tc.approx {
				t.Fatalf("ParseNumber(%q) = %v, %v, %v; want %v, %v", tc.in, v, approx, ok, tc.want, tc.approx)
			}
		})
	}
	if _, _, ok := profile.ParseNumber("没有数字"); ok {
		t.Fatal("a text without numbers parsed as a number")
	}
}

func TestParseSpoken(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want policy.Profile
	}{
		{"the issue's example", "我们是做软件的，三十来个人，去年营收两千万",
			policy.Profile{"industry": "软件和信息技术服务", "sectors": []string{"软件和信息服务"}, "headcount": 30.0, "revenue_wan": 2000.0}},
		{"restaurant with yuan", "我开了个火锅店，员工12名，一年营业额大概300万元",
			policy.Profile{"industry": "住宿和餐饮", "headcount": 12.0, "revenue_wan": 300.0}},
		{"hundred million", "我们在杭州西湖区做机器人，两百多人，年销售收入一个亿，研发投入八百万，是高新技术企业",
			policy.Profile{"industry": "制造业", "sectors": []string{"具身智能"}, "reg_place": "浙江省杭州市西湖区",
				"headcount": 200.0, "revenue_wan": 10000.0, "rd_expense_wan": 800.0, "qualifications": []string{"国家高新技术企业"}}},
		{"patents, years and R&D share", "公司成立三年了，有发明专利两项，软著15个，研发占比百分之六",
			policy.Profile{"reg_years": 3.0, "invention_patents": 2.0, "software_copyrights": 15.0, "rd_ratio_pct": 6.0}},
		{"negated qualification", "我们还不是高新企业，注册资本500万，在上海徐汇",
			policy.Profile{"reg_capital_wan": 500.0, "reg_place": "上海市徐汇区"}},
		{"AI with 1.5亿", "做大模型的，研发人员四十人左右，营收1.5亿",
			policy.Profile{"industry": "软件和信息技术服务", "sectors": []string{"人工智能"}, "rd_staff": 40.0, "revenue_wan": 15000.0}},
		{"bare revenue without a unit is not guessed", "营收两千",
			policy.Profile{}},
		{"nothing to hear", "你好，我想问问政策", policy.Profile{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, heard := profile.ParseSpoken(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseSpoken(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
			if len(heard) != len(got) {
				t.Fatalf("heard %d facts for %d fields: %+v", len(heard), len(got), heard)
			}
		})
	}
}

func TestParseSpokenMarksRoundFigures(t *testing.T) {
	_, heard := profile.ParseSpoken("三十来个人，去年营收两千万")
	for _, h := range heard {
		if h.Field == "headcount" && (!h.Approx || h.Phrase == "") {
			t.Fatalf("headcount heard as %+v, want approx with its phrase", h)
		}
		if h.Field == "revenue_wan" && h.Approx {
			t.Fatalf("两千万 is not approximate: %+v", h)
		}
	}
}
