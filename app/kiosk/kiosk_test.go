package kiosk

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/ui"
	"xiaofu/app/ui/uitest"
	"xiaofu/localkb"
)

// fakeAsker answers from a table and counts resets.
type fakeAsker struct {
	mu      sync.Mutex
	answers map[string]answer.Answer
	asked   []string
	resets  int
}

func (f *fakeAsker) Ask(_ context.Context, q string) (answer.Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, q)
	a, ok := f.answers[q]
	if !ok {
		return answer.Answer{}, errors.New("no such question")
	}
	return a, nil
}

func (f *fakeAsker) Reset() { f.mu.Lock(); f.resets++; f.mu.Unlock() }

type fakeCatalog struct{ recs []localkb.Record }

func (c fakeCatalog) Meta() localkb.Meta {
	return localkb.Meta{Hall: "测试区企业综合服务中心", Hot: []string{"研发费用加计扣除怎么申请", "公积金怎么缴存"}}
}
func (c fakeCatalog) Departments(context.Context) ([]string, error) {
	return []string{"市科委", "人社局"}, nil
}
func (c fakeCatalog) Topics(context.Context) ([]string, error) { return []string{"设立变更"}, nil }
func (c fakeCatalog) ByDepartment(_ context.Context, d string, _ int) ([]localkb.Record, error) {
	var out []localkb.Record
	for _, r := range c.recs {
		if r.Department == d {
			out = append(out, r)
		}
	}
	return out, nil
}
func (c fakeCatalog) ByTopic(context.Context, string, int) ([]localkb.Record, error) { return nil, nil }
func (c fakeCatalog) Get(_ context.Context, id string) (localkb.Record, error) {
	for _, r := range c.recs {
		if r.ID == id {
			return r, nil
		}
	}
	return localkb.Record{}, localkb.ErrNotFound
}

var grounded = answer.Answer{
	Question: "研发费用加计扣除怎么申请",
	Text:     "企业在年度汇算清缴时自行申报享受研发费用加计扣除，留存备查相关资料即可。",
	Grounded: true,
	Tier:     answer.TierFastPath,
	Citations: []answer.Citation{{
		ID: "政务问答-101", Kind: "faq", Title: "研发费用加计扣除政策如何享受？", Issuer: "市科委",
	}},
}

var unknown = answer.Answer{Question: "火星签证怎么办", Grounded: false, Tier: answer.TierOffline,
	Citations: []answer.Citation{{ID: "政务问答-7", Kind: "faq", Title: "不相关的记录"}}}

func newTestKiosk(t *testing.T, cfg Config) (*Kiosk, *fakeAsker, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme{})
	asker := &fakeAsker{answers: map[string]answer.Answer{grounded.Question: grounded, unknown.Question: unknown}}
	cat := fakeCatalog{recs: []localkb.Record{{ID: "政务问答-101", Kind: "faq", Title: "研发费用加计扣除政策如何享受？", Body: "自行申报。", Department: "市科委"}}}
	k := New(cfg, Deps{Asker: asker, Catalog: cat}, nil)
	k.goAsync = func(f func()) { f() }
	w := test.NewWindow(k.Content())
	w.Resize(fyne.NewSize(float32(cfg.Width), float32(cfg.Height)))
	t.Cleanup(w.Close)
	return k, asker, w
}

func texts(o fyne.CanvasObject) []string { return uitest.Texts(o) }

func screenHas(w fyne.Window, s string) bool { return uitest.Shows(w.Content(), s) }

func TestTypedQuestionShowsAnswerWithSources(t *testing.T) {
	k, asker, w := newTestKiosk(t, DefaultConfig())
	test.Type(k.Entry(), "研发费用加计扣除怎么申请")
	test.Tap(k.AskButton())
	if len(asker.asked) != 1 || asker.asked[0] != "研发费用加计扣除怎么申请" {
		t.Fatalf("asked %q", asker.asked)
	}
	for _, want := range []string{grounded.Text, "研发费用加计扣除政策如何享受？", "编号 政务问答-101", "市科委", "离线副本", "依据来源"} {
		if !screenHas(w, want) {
			t.Errorf("answer screen lacks %q; it shows %q", want, texts(w.Content()))
		}
	}
	if k.Entry().Text != "" {
		t.Errorf("entry not cleared after asking: %q", k.Entry().Text)
	}
}

func TestUnansweredQuestionShowsNoSourceAndPointsToWindow(t *testing.T) {
	k, _, w := newTestKiosk(t, DefaultConfig())
	k.Ask("火星签证怎么办")
	if !screenHas(w, "没有找到") || !screenHas(w, "综合咨询窗口") {
		t.Errorf("decline not shown: %q", texts(w.Content()))
	}
	if screenHas(w, "不相关的记录") || screenHas(w, "依据来源") {
		t.Errorf("an ungrounded answer showed a source as if it answered: %q", texts(w.Content()))
	}
}

func TestHotQuestionTileAsks(t *testing.T) {
	k, asker, w := newTestKiosk(t, DefaultConfig())
	tl := findTile(w.Content(), "研发费用加计扣除怎么申请")
	if tl == nil {
		t.Fatal("hot question tile not on the home screen")
	}
	test.Tap(tl)
	if len(asker.asked) != 1 {
		t.Fatalf("tapping the hot question asked %v", asker.asked)
	}
	if !screenHas(w, grounded.Text) {
		t.Error("hot question's answer not shown")
	}
	_ = k
}

func TestBrowseByDepartmentOpensRecordWithCitation(t *testing.T) {
	k, _, w := newTestKiosk(t, DefaultConfig())
	test.Tap(findTile(w.Content(), "按部门查找"))
	d := findTile(w.Content(), "市科委")
	if d == nil {
		t.Fatalf("department list lacks 市科委: %q", texts(w.Content()))
	}
	test.Tap(d)
	r := findTile(w.Content(), "研发费用加计扣除政策如何享受？")
	if r == nil {
		t.Fatalf("department's records not listed: %q", texts(w.Content()))
	}
	test.Tap(r)
	if !screenHas(w, "编号 政务问答-101") || !screenHas(w, "自行申报。") {
		t.Errorf("record card lacks body or citation: %q", texts(w.Content()))
	}
	k.Back()
	k.Back()
	k.Back()
	if !screenHas(w, "大家常问") {
		t.Error("three backs did not return home")
	}
}

func TestIdleResetWipesTheVisit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.IdleReset = 80 * time.Millisecond
	k, asker, w := newTestKiosk(t, cfg)
	test.Type(k.Entry(), "研发费用加计扣除怎么申请")
	test.Tap(k.AskButton())
	test.Type(k.Entry(), "半句没打完")
	if !screenHas(w, grounded.Text) {
		t.Fatal("answer not shown")
	}
	deadline := time.Now().Add(3 * time.Second)
	for screenHas(w, grounded.Text) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if screenHas(w, grounded.Text) || screenHas(w, "您问：") {
		t.Fatalf("conversation still on screen after idle reset: %q", texts(w.Content()))
	}
	if k.Entry().Text != "" {
		t.Errorf("typed text survived the reset: %q", k.Entry().Text)
	}
	if !screenHas(w, "大家常问") {
		t.Error("not back on the home screen")
	}
	asker.mu.Lock()
	defer asker.mu.Unlock()
	if asker.resets != 1 {
		t.Errorf("answer context reset %d times, want 1", asker.resets)
	}
}

func TestLayoutHasNoOverlapAndLargeTargets(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 1080, Height: 1920}, {Width: 1920, Height: 1080}} {
		cfg := DefaultConfig()
		cfg.Width, cfg.Height = int(size.Width), int(size.Height)
		_, _, w := newTestKiosk(t, cfg)
		body := findStage(w.Content())
		if body == nil {
			t.Fatal("stage layout not found")
		}
		stage, panel := body.Objects[0], body.Objects[1]
		if overlaps(stage, panel) {
			t.Errorf("%v: stage %v+%v overlaps panel %v+%v", size, stage.Position(), stage.Size(), panel.Position(), panel.Size())
		}
		if stage.Size().Height < 200 || panel.Size().Height < 400 {
			t.Errorf("%v: stage %v or panel %v too small", size, stage.Size(), panel.Size())
		}
		forTiles(w.Content(), func(tl *tile) {
			if tl.Size().Height < ui.TouchHeight {
				t.Errorf("%v: tile %q is %.0f px tall, below the touch minimum", size, tl.text, tl.Size().Height)
			}
		})
	}
}

func overlaps(a, b fyne.CanvasObject) bool {
	ap, as, bp, bs := a.Position(), a.Size(), b.Position(), b.Size()
	return ap.X < bp.X+bs.Width && bp.X < ap.X+as.Width && ap.Y < bp.Y+bs.Height && bp.Y < ap.Y+as.Height
}

func findStage(o fyne.CanvasObject) *fyne.Container {
	var found *fyne.Container
	walkObjects(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			if _, ok := c.Layout.(*stageLayout); ok {
				found = c
			}
		}
	})
	return found
}

func findTile(o fyne.CanvasObject, text string) *tile {
	var found *tile
	forTiles(o, func(t *tile) {
		if t.text == text && found == nil {
			found = t
		}
	})
	return found
}

func forTiles(o fyne.CanvasObject, f func(*tile)) {
	walkObjects(o, func(o fyne.CanvasObject) {
		if t, ok := o.(*tile); ok {
			f(t)
		}
	})
}

func walkObjects(o fyne.CanvasObject, f func(fyne.CanvasObject)) { uitest.Walk(o, f) }

func TestOnScreenKeyboardComposesAQuestion(t *testing.T) {
	k, asker, _ := newTestKiosk(t, DefaultConfig())
	test.Tap(k.keyboardButton)
	if !k.keyboard.panel.Visible() {
		t.Fatal("keyboard did not open")
	}
	for _, label := range []string{"社保", "怎么办理"} {
		b := findButton(k.keyboard.panel, label)
		if b == nil {
			t.Fatalf("no %q key", label)
		}
		test.Tap(b)
	}
	test.Tap(findButton(k.keyboard.panel, "删除"))
	if got := k.Entry().Text; got != "社保怎么办" {
		t.Fatalf("entry reads %q after two words and a delete", got)
	}
	test.Tap(k.AskButton())
	if len(asker.asked) != 1 || asker.asked[0] != "社保怎么办" {
		t.Errorf("asked %q", asker.asked)
	}
}

func findButton(o fyne.CanvasObject, label string) *widget.Button { return uitest.Button(o, label) }

// fakeVoice plays back the events a conversation emits for a typed question.
type fakeVoice struct {
	k          *Kiosk
	asked      []string
	talks      int
	interrupts int
	resets     int
}

func (v *fakeVoice) Text(_ context.Context, q string) error {
	v.asked = append(v.asked, q)
	turn := uint64(len(v.asked))
	a := grounded
	a.Question = q
	for _, ev := range []convo.Event{
		{Kind: convo.EventTranscript, Turn: turn, Text: q},
		{Kind: convo.EventThinking, Turn: turn},
		{Kind: convo.EventCaption, Turn: turn, Text: "企业在年度汇算清缴时自行申报享受研发费用加计扣除，"},
		{Kind: convo.EventSpeaking, Turn: turn},
	} {
		v.k.handleEvent(ev)
	}
	return nil
}
func (v *fakeVoice) Talk()      { v.talks++ }
func (v *fakeVoice) Interrupt() { v.interrupts++ }
func (v *fakeVoice) Reset()     { v.resets++ }

func TestSpokenAnswerShowsCaptionsThenTheCard(t *testing.T) {
	k, _, w := newTestKiosk(t, DefaultConfig())
	v := &fakeVoice{k: k}
	k.deps.Voice = v
	k.micButton.Show()

	test.Type(k.Entry(), "研发费用加计扣除怎么申请")
	test.Tap(k.AskButton())
	if len(v.asked) != 1 {
		t.Fatalf("typed question did not go to the voice: %v", v.asked)
	}
	if !screenHas(w, "企业在年度汇算清缴时自行申报享受研发费用加计扣除，") {
		t.Errorf("live caption not on the answer screen: %q", texts(w.Content()))
	}
	if k.micButton.Text != "停止" {
		t.Errorf("while speaking the microphone button reads %q, want a stop button", k.micButton.Text)
	}
	test.Tap(k.micButton)
	if v.interrupts != 1 {
		t.Errorf("stop button interrupted %d times", v.interrupts)
	}

	final := grounded
	k.handleEvent(convo.Event{Kind: convo.EventCitations, Turn: 1, Answer: &final})
	k.handleEvent(convo.Event{Kind: convo.EventDone, Turn: 1})
	if !screenHas(w, "编号 政务问答-101") {
		t.Errorf("final card lacks its citation: %q", texts(w.Content()))
	}
	if k.micButton.Text != "说话" {
		t.Errorf("after the turn the microphone button reads %q", k.micButton.Text)
	}

	// Events of an older turn arriving late are ignored.
	k.handleEvent(convo.Event{Kind: convo.EventTranscript, Turn: 2, Text: "新问题"})
	k.handleEvent(convo.Event{Kind: convo.EventCaption, Turn: 1, Text: "过时的句子"})
	if screenHas(w, "过时的句子") {
		t.Error("a stale turn's caption reached the screen")
	}
}

func TestVoiceDownOffersKeyboard(t *testing.T) {
	k, _, w := newTestKiosk(t, DefaultConfig())
	v := &fakeVoice{k: k}
	k.deps.Voice = v
	k.micButton.Show()
	test.Tap(k.micButton)
	if v.talks != 1 || !screenHas(w, "我在听") {
		t.Fatalf("tapping the microphone did not show listening at once (talks=%d)", v.talks)
	}
	k.handleEvent(convo.Event{Kind: convo.EventTypeInstead, Turn: 1, Text: convo.TypeInstead})
	if !k.keyboard.panel.Visible() || !k.micButton.Disabled() {
		t.Error("with speech recognition down the keyboard should open and the microphone be disabled")
	}
	if !screenHas(w, convo.TypeInstead) {
		t.Error("visitor not told to tap or type")
	}
	k.Reset()
	if k.micButton.Disabled() || v.resets != 1 {
		t.Error("the next visitor should get the microphone back")
	}
}

func TestRoutedAnswerOpensItsScreen(t *testing.T) {
	k, asker, w := newTestKiosk(t, DefaultConfig())
	opened := ""
	k.deps.Screens.Policy = func(nav ui.Nav) fyne.CanvasObject {
		opened = "policy"
		return widget.NewLabel("政策匹配问卷")
	}
	asker.answers["我们公司能申请哪些补贴"] = answer.Answer{Question: "我们公司能申请哪些补贴",
		Text: "企业能申请哪些政策，要看企业自己的情况。", Route: "policy", Tier: answer.TierOffline}
	k.Ask("我们公司能申请哪些补贴")
	if opened != "policy" || !screenHas(w, "政策匹配问卷") {
		t.Fatalf("policy screen not opened: %q", texts(w.Content()))
	}
	if screenHas(w, "没有找到") {
		t.Error("a routed question was also declined")
	}
	k.Back()
	if !screenHas(w, "大家常问") {
		t.Error("back from the routed screen should go home, not to an empty card")
	}
}

// A long spoken sentence once grew the stage until the window's minimum
// height passed the screen's, pushing the question entry off a landscape
// panel.
func TestLongCaptionKeepsTheWindowOnScreen(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Width, cfg.Height = 1920, 1080
	k, _, w := newTestKiosk(t, cfg)
	k.deps.Voice = &fakeVoice{k: k}
	long := strings.Repeat("按照国务院放管服的要求，国家税务总局公告明确企业享受税收优惠时采取自行判别、申报享受、相关资料留存备查的办理方式，", 4)
	k.handleEvent(convo.Event{Kind: convo.EventTranscript, Turn: 1, Text: long})
	k.handleEvent(convo.Event{Kind: convo.EventCaption, Turn: 1, Text: long})
	if h := w.Content().MinSize().Height; h > 1080 {
		t.Errorf("window content needs %.0f px, more than the 1080 px panel", h)
	}
}
