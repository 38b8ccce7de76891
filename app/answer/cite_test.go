package answer

import "testing"

func TestCheckCitations(t *testing.T) {
	ids := []string{"政务问答-17", "11440100MB2C91012Q001", "天河文件-3"}
	cases := []struct {
		name, text, card string
		cited            []int
		invalid          int
	}{
		{"numbers", "甲[2]。乙[1]。丙[2]。", "甲[1]。乙[2]。丙[1]。", []int{1, 0}, 0},
		{"full-width and grouped", "甲【3】，乙[1,2]。", "甲[1]，乙[2][3]。", []int{2, 0, 1}, 0},
		{"named source", "甲[来源2]。", "甲[1]。", []int{1}, 0},
		{"literal id", "甲[天河文件-3]。", "甲[1]。", []int{2}, 0},
		{"out of range", "甲[4]。", "甲。", nil, 1},
		{"unknown id", "甲[政务问答-999]。", "甲。", nil, 1},
		{"not a citation", "【温馨提示】请带好证件[1]。", "【温馨提示】请带好证件[1]。", []int{0}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := checkCitations(tc.text, ids)
			if c.card != tc.card || len(c.invalid) != tc.invalid || len(c.cited) != len(tc.cited) {
				t.Fatalf("got %+v", c)
			}
			for i := range tc.cited {
				if c.cited[i] != tc.cited[i] {
					t.Fatalf("cited %v want %v", c.cited, tc.cited)
				}
			}
		})
	}
}

func TestForSpeech(t *testing.T) {
	in := "**注意**：请到一楼[1]办理【2】。\n- 带身份证[政务问答-17]\n【温馨提示】周末不办公。"
	want := "注意：请到一楼办理。\n带身份证\n【温馨提示】周末不办公。"
	if got := ForSpeech(in); got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestReleaserHoldsSplitMarks(t *testing.T) {
	var out []string
	g := newOutputGuard(systemPrompt(""), nil, nil)
	r := &releaser{guard: g, emit: func(s string) { out = append(out, s) }}
	for _, d := range []string{"您好", "，请到一楼[", "1", "]，八号", "窗口[2", "]。"} {
		if err := r.add(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.flush(); err != nil {
		t.Fatal(err)
	}
	if r.spoken != "您好，请到一楼，八号窗口。" || out[0] != "您好，" {
		t.Errorf("spoken %q pieces %q", r.spoken, out)
	}
}
