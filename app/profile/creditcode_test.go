package profile_test

import (
	"errors"
	"strings"
	"testing"

	"xiaofu/app/profile"
)

func TestCreditCodeValid(t *testing.T) {
	cases := []struct {
		in, code, dept, kind, region string
	}{
		// The example printed in explanations of GB 32100-2015.
		{"91350100M000100Y43", "91350100M000100Y43", "市场监管（工商）", "企业", "350100"},
		{"91330106MA2CFE802B", "91330106MA2CFE802B", "市场监管（工商）", "企业", "330106"},
		{"91440106MA59D3K00A", "91440106MA59D3K00A", "市场监管（工商）", "企业", "440106"},
		{"92310104MA1KL2R095", "92310104MA1KL2R095", "市场监管（工商）", "个体工商户", "310104"},
		{"52440106MJL1234033", "52440106MJL1234033", "民政", "", "440106"},
		{"organisation code with digits only", "91310104132210245L", "市场监管（工商）", "企业", "310104"},
		{"lower case and spaces", "91330106MA2CFE802B", "市场监管（工商）", "企业", "330106"},
		{"full width", "91330106MA2CFE802B", "市场监管（工商）", "企业", "330106"},
	}
	inputs := map[string]string{
		"organisation code with digits only": "91310104132210245L",
		"lower case and spaces":              " 9133 0106 ma2c fe80 2b ",
		"full width":                         "９１３３０１０６ＭＡ２ＣＦＥ８０２Ｂ",
	}
	for _, tc := range cases {
		in := tc.in
		if v, ok := inputs[in]; ok {
			in = v
		}
		t.Run(tc.in, func(t *testing.T) {
			c, err := profile.ParseCreditCode(in)
			if err != nil {
				t.Fatalf("ParseCreditCode(%q): %v", in, err)
			}
			if c.Code != tc.code || c.Dept != tc.dept || c.Kind != tc.kind || c.Region != tc.region || c.OrgCode != tc.code[8:17] {
				t.Fatalf("got %+v", c)
			}
		})
	}
}

func TestCreditCodeCorrupted(t *testing.T) {
	cases := []struct {
		name, in string
		pos      int
		want     string
	}{
		{"too short", "91330106MA2CFE802", 0, "应为18位，您输入的是17位"},
		{"too long", "91330106MA2CFE802BB", 0, "您输入的是19位"},
		{"empty", "", 0, "您输入的是0位"},
		{"letter O for zero", "91330106MA2CFE8O2B", 16, "第16位“O”不会出现在信用代码中"},
		{"letter I", "9I330106MA2CFE802B", 2, "是不是数字 1"},
		{"punctuation", "91330106MA2CFE80#B", 17, "第17位“#”不是有效字符"},
		{"unknown department", "B1330106MA2CFE802B", 1, "第1位“B”不是已有的登记管理部门代码"},
		{"letter in region", "913301A6MA2CFE802B", 7, "行政区划码，应为6位数字，第7位却是“A”"},
		{"one digit changed in the body", "91330106MA2CFE902B", 17, "组织机构代码的校验位应为"},
		{"wrong final check", "91330106MA2CFE802C", 18, "最后一位校验码应为“B”，实为“C”"},
		{"region digit changed", "91330107MA2CFE802B", 18, "最后一位校验码应为"},
		{"swapped neighbours in region", "91331006MA2CFE802B", 18, "最后一位校验码"},
		{"famous example corrupted", "91350100M000100Y44", 18, "应为“3”，实为“4”"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.ParseCreditCode(tc.in)
			var ce *profile.CodeError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CodeError", err)
			}
			if ce.Pos != tc.pos || !strings.Contains(ce.Error(), tc.want) {
				t.Fatalf("err = (pos %d) %q, want pos %d containing %q", ce.Pos, ce.Error(), tc.pos, tc.want)
			}
		})
	}
}

// Every single-character substitution of a valid code must be caught:
// that is what the two check characters are for.
func TestCreditCodeCatchesEverySubstitution(t *testing.T) {
	const valid = "91330106MA2CFE802B"
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for i := 0; i < 18; i++ {
		for _, r := range alphabet {
			if byte(r) == valid[i] {
				continue
			}
			bad := valid[:i] + string(r) + valid[i+1:]
			if _, err := profile.ParseCreditCode(bad); err == nil {
				t.Fatalf("substitution at %d (%s) accepted", i+1, bad)
			}
		}
	}
}

func TestOrgCheckChar(t *testing.T) {
	cases := map[string]byte{"M000100Y": '4', "MA2CFE80": '2', "13221024": '5', "D2143569": 'X'}
	for body, want := range cases {
		if got := profile.OrgCheckChar(body); got != want {
			t.Errorf("OrgCheckChar(%s) = %c, want %c", body, got, want)
		}
	}
}

func TestRedactCreditCode(t *testing.T) {
	if got := profile.RedactCreditCode("91330106MA2CFE802B"); got != "91330106**********" || strings.Contains(got, "MA2C") {
		t.Fatalf("redacted = %q", got)
	}
}
