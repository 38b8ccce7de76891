package answer

import "testing"

func TestIsFollowUp(t *testing.T) {
	cases := []struct {
		q    string
		want bool
	}{
		{"那需要什么材料？", true},
		{"要多久？", true},
		{"在哪办？", true},
		{"那网上能办吗", true},
		{"这个收费吗", true},
		{"电话是多少", true},
		{"还需要带什么", true},
		{"那这个多久能办好", true},
		{"营业执照丢了怎么办", false},
		{"那营业执照丢了怎么办", false},
		{"食品经营许可证需要什么材料", false},
		{"我想开个茶馆", false},
		{"社保卡在哪里补办", false},
	}
	for _, tc := range cases {
		if got := isFollowUp(tc.q); got != tc.want {
			t.Errorf("isFollowUp(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}
