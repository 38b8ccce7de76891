package sentence_test

import (
	"reflect"
	"strings"
	"testing"

	"xiaofu/speech/sentence"
)

// feed pushes deltas one by one and returns every sentence, Flush included.
func feed(c *sentence.Cutter, deltas []string) []string {
	var out []string
	for _, d := range deltas {
		out = append(out, c.Push(d)...)
	}
	if s := c.Flush(); s != "" {
		out = append(out, s)
	}
	return out
}

// splitEvery cuts s into pieces of n bytes, which splits multi-byte
// characters the way a byte-oriented stream would not but a careless one
// could; the cutter takes string deltas, so pieces are cut on rune edges of n runes.
func splitRunes(s string, n int) []string {
	r := []rune(s)
	var out []string
	for i := 0; i < len(r); i += n {
		out = append(out, string(r[i:min(i+n, len(r))]))
	}
	return out
}

func TestCutter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deltas []string
		want   []string
	}{
		{"two sentences in odd pieces",
			[]string{"您好", "！营业执照可", "以在一楼", "3号窗口办理。请", "带好身份证"},
			[]string{"您好！", "营业执照可以在一楼3号窗口办理。", "请带好身份证"}},
		{"question and exclamation run stay together",
			[]string{"真的吗？", "！好的。"},
			[]string{"真的吗？！", "好的。"}},
		{"closing quote stays with its sentence",
			[]string{"窗口写着“请取号。", "”然后等待叫号。"},
			[]string{"窗口写着“请取号。”", "然后等待叫号。"}},
		{"decimal point is not a full stop",
			[]string{"税率为3.", "5个百分点. 下一步"},
			[]string{"税率为3.5个百分点.", "下一步"}},
		{"ellipsis run",
			[]string{"这个嘛…", "…我查一下。"},
			[]string{"这个嘛……", "我查一下。"}},
		{"line breaks end list items",
			[]string{"所需材料：\n1. 身份证\n2", ". 营业执照\n"},
			[]string{"所需材料：", "1. 身份证", "2. 营业执照"}},
		{"punctuation alone is not spoken",
			[]string{"。。", "\n\n", "好。"},
			[]string{"好。"}},
		{"english sentence end before chinese",
			[]string{"Please wait.请稍候。"},
			[]string{"Please wait.", "请稍候。"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sentence.New()
			c.FirstRunes = 0
			if got := feed(c, tc.deltas); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCutterSameResultWhateverTheDeltaSize(t *testing.T) {
	text := "您好！企业开办可以在“一网通办”平台上全程网办，一般1个工作日内办结。需要准备：营业执照、法定代表人身份证……如有疑问，请拨打12345。谢谢！"
	want := feed(sentence.New(), []string{text})
	for n := 1; n <= 7; n++ {
		if got := feed(sentence.New(), splitRunes(text, n)); !reflect.DeepEqual(got, want) {
			t.Errorf("deltas of %d runes:\n got  %q\n want %q", n, got, want)
		}
	}
	if strings.Join(want, "") != text {
		t.Errorf("cutting lost or changed text: %q", strings.Join(want, ""))
	}
}

func TestCutterLengthCaps(t *testing.T) {
	long := strings.Repeat("申请人应当提交材料", 8) + "，" + strings.Repeat("窗口受理后审核", 10)
	c := &sentence.Cutter{MaxRunes: 30, HardRunes: 50}
	got := feed(c, splitRunes(long, 3))
	for _, s := range got {
		if n := sentence.Runes(s); n > 50 {
			t.Errorf("sentence of %d runes over the hard cap: %q", n, s)
		}
	}
	if strings.Join(got, "") != long {
		t.Errorf("caps lost text")
	}
	if len(got) < 3 {
		t.Errorf("a %d-rune run-on gave %d pieces", sentence.Runes(long), len(got))
	}
}

func TestCutterFirstSentenceEndsEarlyAtComma(t *testing.T) {
	got := feed(sentence.New(), []string{"关于企业开办的材料要求，", "一般需要营业执照，", "还需要身份证。"})
	want := []string{"关于企业开办的材料要求，", "一般需要营业执照，还需要身份证。"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A thousands separator is not a pause.
	got = feed(sentence.New(), []string{"补贴金额最高可达人民币2,", "000,000元。"})
	if len(got) != 1 {
		t.Errorf("number with separators was cut: %q", got)
	}
}

func BenchmarkCutter(b *testing.B) {
	deltas := splitRunes(strings.Repeat("您好！企业开办可以在平台上全程网办，一般1个工作日内办结。", 10), 3)
	c := sentence.New()
	for b.Loop() {
		for _, d := range deltas {
			c.Push(d)
		}
		c.Flush()
	}
}
