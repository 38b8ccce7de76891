package policyview_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/policy"
	"xiaofu/app/profile"
	"xiaofu/app/ui"
	"xiaofu/app/ui/policyview"
	"xiaofu/app/ui/uitest"
	"xiaofu/localkb"
)

var update = flag.Bool("update", false, "write the screenshots into docs/screens")

// fakeNav records what the screen asks of the kiosk.
type fakeNav struct {
	pushed     []fyne.CanvasObject
	titles     []string
	said       []string
	back       int
	celebrated bool
	touches    int
}

func (n *fakeNav) Push(title string, c fyne.CanvasObject) {
	n.titles = append(n.titles, title)
	n.pushed = append(n.pushed, c)
}
func (n *fakeNav) Back()           { n.back++ }
func (n *fakeNav) Home()           {}
func (n *fakeNav) Say(text string) { n.said = append(n.said, text) }
func (n *fakeNav) Celebrate()      { n.celebrated = true }
func (n *fakeNav) Sorry()          {}
func (n *fakeNav) Touch()          { n.touches++ }

var _ ui.Nav = (*fakeNav)(nil)

func engine(t *testing.T) *policy.Engine {
	t.Helper()
	var recs []localkb.Record
	for _, name := range []string{"policies.jsonl", "tags.jsonl"} {
		f, err := os.Open(filepath.Join("..", "..", "..", "tools", "kbbuild", "authored", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := policy.ReadRecords(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r...)
	}
	e, err := policy.New(recs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newApp(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme{})
}

var fixedNow = func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

// walk visits every object under o, including the contents of scrolls.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) { uitest.Walk(o, f) }

func button(t *testing.T, root fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on screen; texts: %s", label, texts(root))
	}
	return found
}

func entry(t *testing.T, root fyne.CanvasObject, placeholder string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && strings.Contains(e.PlaceHolder, placeholder) && found == nil {
			found = e
		}
	})
	if found == nil {
		t.Fatalf("no entry %q", placeholder)
	}
	return found
}

// texts is everything the visitor can read on the screen.
func texts(root fyne.CanvasObject) string {
	var b strings.Builder
	walk(root, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		case *widget.Button:
			b.WriteString("[" + x.Text + "]\n")
		}
	})
	return b.String()
}

func TestQuestionnaireTapThrough(t *testing.T) {
	newApp(t)
	nav := &fakeNav{}
	root := policyview.New(nav, policyview.Source{Engine: engine(t), Now: fixedNow})
	w := test.NewTempWindow(t, root)
	w.Resize(fyne.NewSize(1080, 1920))

	desc := entry(t, root, "我们是做软件的")
	test.Type(desc, "我们在杭州，是做软件的，三十来个人，去年营收两千万，研发占比百分之六，有软著2个")
	test.Tap(button(t, root, "听懂并填入"))
	seen := texts(root)
	for _, want := range []string{"我听到：", "所属行业 软件和信息技术服务", "职工人数 约30人", "上年度销售收入 2000万元", "注册地 浙江省杭州市"} {
		if !strings.Contains(seen, want) {
			t.Fatalf("after describing, screen lacks %q:\n%s", want, seen)
		}
	}
	// Answer every question the screen asks until none is left, the way a
	// visitor in a hurry would: yes, the first choice, or a round number.
	asked := map[string]bool{}
	for i := 0; i < 80; i++ {
		seen = texts(root)
		if strings.Contains(seen, "需要的信息都齐了") {
			break
		}
		q := questionText(seen)
		if asked[q] {
			t.Fatalf("question %q asked twice", q)
		}
		asked[q] = true
		switch {
		case hasButton(root, "是"):
			test.Tap(button(t, root, "是"))
		case hasButton(root, "选好了"):
			test.Tap(button(t, root, "都没有"))
		case hasEntry(root, "填数字"):
			e := entry(t, root, "填数字")
			test.Type(e, "三")
			test.Tap(button(t, root, "确定"))
		default:
			test.Tap(button(t, root, "不清楚，跳过"))
		}
	}
	if len(asked) < 5 {
		t.Fatalf("only %d questions asked", len(asked))
	}
	if asked["企业在哪里登记注册？（省、市、区）"] {
		t.Fatal("asked for the registration place although the description gave it")
	}
	test.Tap(button(t, root, "查看匹配结果"))
	if len(nav.pushed) != 1 || nav.titles[0] != "政策匹配结果" {
		t.Fatalf("result not pushed: %v", nav.titles)
	}
	res := texts(nav.pushed[0])
	for _, want := range []string{"可以申请", "省级科技型中小企业", "来源：", "发送到手机"} {
		if !strings.Contains(res, want) {
			t.Fatalf("result lacks %q:\n%s", want, res)
		}
	}
	if len(nav.said) != 1 || !strings.HasPrefix(nav.said[0], "您可以申请") || !nav.celebrated {
		t.Fatalf("said %v, celebrated %v", nav.said, nav.celebrated)
	}
	if nav.touches < len(asked) {
		t.Fatalf("touches %d < answers %d: the idle timer would log the visitor out", nav.touches, len(asked))
	}
}

func questionText(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasSuffix(l, "？") || strings.HasSuffix(l, "）") && strings.Contains(l, "？") {
			return l
		}
	}
	return screen
}

func hasButton(root fyne.CanvasObject, label string) bool {
	ok := false
	walk(root, func(o fyne.CanvasObject) {
		if b, is := o.(*widget.Button); is && b.Text == label {
			ok = true
		}
	})
	return ok
}

func hasEntry(root fyne.CanvasObject, placeholder string) bool {
	ok := false
	walk(root, func(o fyne.CanvasObject) {
		if e, is := o.(*widget.Entry); is && strings.Contains(e.PlaceHolder, placeholder) {
			ok = true
		}
	})
	return ok
}

func TestCreditCodeEntry(t *testing.T) {
	newApp(t)
	nav := &fakeNav{}
	root := policyview.New(nav, policyview.Source{Engine: engine(t), Now: fixedNow})
	test.NewTempWindow(t, root).Resize(fyne.NewSize(1080, 1920))
	code := entry(t, root, "18位统一社会信用代码")

	test.Type(code, "91330106MA2CFE802C")
	test.Tap(button(t, root, "核验"))
	if s := texts(root); !strings.Contains(s, "✗ 最后一位校验码应为“B”，实为“C”") {
		t.Fatalf("wrong code not explained:\n%s", s)
	}
	code.SetText("")
	test.Type(code, "91330106MA2CFE802B")
	test.Tap(button(t, root, "核验"))
	if s := texts(root); !strings.Contains(s, "✓ 代码有效：市场监管（工商）登记的企业，登记地 浙江省杭州市西湖区。现在离线") {
		t.Fatalf("valid code not confirmed:\n%s", s)
	}
}

func TestCreditCodeLookupFillsProfile(t *testing.T) {
	newApp(t)
	nav := &fakeNav{}
	lookup := func(ctx context.Context, code string) (profile.Enterprise, error) {
		return profile.Enterprise{CreditCode: code, Name: "杭州示例软件有限公司", Profile: policy.Profile{
			"reg_years": 3.0, "ip_count": 2.0, "high_tech_field": true, "revenue_wan": 2000.0, "rd_ratio_pct": 6.0}}, nil
	}
	root := policyview.New(nav, policyview.Source{Engine: engine(t), Lookup: lookup, Now: fixedNow})
	test.NewTempWindow(t, root).Resize(fyne.NewSize(1080, 1920))
	test.Type(entry(t, root, "18位统一社会信用代码"), "91330106MA2CFE802B")
	test.Tap(button(t, root, "核验"))
	deadline := time.Now().Add(10 * time.Second)
	for s := texts(root); !strings.Contains(s, "已读取“杭州示例软件有限公司”的企业画像，填入 5 项信息") || !strings.Contains(s, "可申请 3 项"); s = texts(root) {
		if time.Now().After(deadline) {
			t.Fatalf("lookup result never shown:\n%s", texts(root))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := texts(root); !strings.Contains(s, "可申请 3 项") {
		t.Fatalf("profile from the hall should meet 3 programmes:\n%s", s)
	}
}

func TestResultShowsReasonsHintsAndSources(t *testing.T) {
	newApp(t)
	e := engine(t)
	res := e.Match(policy.Profile{"reg_place": "浙江省杭州市西湖区", "reg_years": 3.0, "ip_count": 2.0,
		"high_tech_field": true, "revenue_wan": 2000.0, "rd_ratio_pct": 4.0})
	nav := &fakeNav{}
	root := policyview.NewResult(nav, res, "https://hall.example/r/abc")
	test.NewTempWindow(t, root).Resize(fyne.NewSize(1080, 1920))
	s := texts(root)
	for _, want := range []string{
		"差一点", "市级高新技术企业",
		"✗ 研发费用占销售收入比例达到所在收入档的要求",
		"怎样满足：提高研发投入，使其占销售收入达到所在收入档的比例",
		"来源：3.最近一年销售收入小于3000万元（含）的企业",
		"还需确认", "[继续回答问题]",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("result lacks %q:\n%s", want, s)
		}
	}
	test.Tap(button(t, root, "继续回答问题"))
	if nav.back != 1 {
		t.Fatal("继续回答问题 did not go back to the questionnaire")
	}
}

func TestSummaryFitsAQRCode(t *testing.T) {
	e := engine(t)
	all := policy.Profile{}
	res := e.Match(all)
	s := policyview.Summary(res, fixedNow())
	if !strings.HasPrefix(s, "小服政策匹配 2026-06-01") || len(s) > 900 {
		t.Fatalf("summary (%d bytes) = %q", len(s), s)
	}
}

// TestScreenshots renders the questionnaire and a result at the kiosk's
// 1080x1920 and writes them to docs/screens with -update.
func TestScreenshots(t *testing.T) {
	newApp(t)
	e := engine(t)
	nav := &fakeNav{}
	root := policyview.New(nav, policyview.Source{Engine: e, Now: fixedNow})
	w := test.NewTempWindow(t, root)
	w.Resize(fyne.NewSize(1080, 1920))
	test.Type(entry(t, root, "我们是做软件的"), "我们在杭州，是做软件的，三十来个人，去年营收两千万")
	test.Tap(button(t, root, "听懂并填入"))
	shoot(t, w, "policy-questionnaire.png")

	res := e.Match(policy.Derive(policy.Profile{"reg_place": "浙江省杭州市西湖区", "reg_years": 3.0, "ip_count": 2.0,
		"high_tech_field": true, "revenue_wan": 2000.0, "rd_ratio_pct": 6.0, "industry": "软件和信息技术服务"}, fixedNow()), "")
	w.SetContent(policyview.NewResult(nav, res, policyview.Summary(res, fixedNow())))
	w.Resize(fyne.NewSize(1080, 1920))
	shoot(t, w, "policy-result.png")
}

func shoot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	img := uitest.Capture(t, w, name, *update || uitest.UpdateScreens())
	if b := img.Bounds(); b.Dx() < 1080 || b.Dy() < 1920 {
		t.Fatalf("%s rendered at %v, want 1080x1920", name, b)
	}
}

// Every button a visitor can tap must be at least ui.TouchHeight tall.
func TestTouchTargets(t *testing.T) {
	newApp(t)
	e := engine(t)
	for name, root := range map[string]fyne.CanvasObject{
		"questionnaire": policyview.New(&fakeNav{}, policyview.Source{Engine: e, Now: fixedNow}),
		"result":        policyview.NewResult(&fakeNav{}, e.Match(policy.Profile{"reg_place": "浙江省杭州市", "reg_years": 2.0}), "x"),
	} {
		w := test.NewTempWindow(t, root)
		w.Resize(fyne.NewSize(1080, 1920))
		n := 0
		walk(root, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok {
				n++
				if h := b.Size().Height; h < ui.TouchHeight {
					t.Errorf("%s: button %q is %.0f px high, want at least %.0f", name, b.Text, h, ui.TouchHeight)
				}
			}
		})
		if n == 0 {
			t.Fatalf("%s: no buttons found", name)
		}
	}
}

func TestPrefilledFromLicence(t *testing.T) {
	newApp(t)
	root := policyview.New(&fakeNav{}, policyview.Source{Engine: engine(t), Now: fixedNow,
		Initial: policy.Profile{"reg_years": 3.0}, CreditCode: "91440106MA59D3K00A"})
	test.NewTempWindow(t, root).Resize(fyne.NewSize(1080, 1920))
	s := texts(root)
	if !strings.Contains(s, "✓ 代码有效：市场监管（工商）登记的企业，登记地 广东省广州市天河区") || !strings.Contains(s, "已填 2 项信息") {
		t.Fatalf("licence prefill not applied:\n%s", s)
	}
}
