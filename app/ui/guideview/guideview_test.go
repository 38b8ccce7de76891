package guideview_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/guide"
	"xiaofu/app/ui"
	"xiaofu/app/ui/guideview"
	"xiaofu/app/ui/uitest"
	"xiaofu/localkb"
)

var update = flag.Bool("update", false, "write the screenshots into docs/screens")

type fakeNav struct {
	titles []string
	pushed []fyne.CanvasObject
	touch  int
}

func (n *fakeNav) Push(title string, c fyne.CanvasObject) {
	n.titles = append(n.titles, title)
	n.pushed = append(n.pushed, c)
}
func (n *fakeNav) Back()      {}
func (n *fakeNav) Home()      {}
func (n *fakeNav) Say(string) {}
func (n *fakeNav) Celebrate() {}
func (n *fakeNav) Sorry()     {}
func (n *fakeNav) Touch()     { n.touch++ }

var _ ui.Nav = (*fakeNav)(nil)

// memKB serves guide records from the demo snapshot the kiosk embeds.
type memKB map[string]localkb.Record

func (m memKB) Get(_ context.Context, id string) (localkb.Record, error) {
	r, ok := m[id]
	if !ok {
		return localkb.Record{}, fmt.Errorf("get %s: %w", id, localkb.ErrNotFound)
	}
	return r, nil
}

// load reads every record of a snapshot or authored file (the meta line
// has no id and is skipped).
func load(t *testing.T, path string) []localkb.Record {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []localkb.Record
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var r localkb.Record
		if len(line) == 0 || json.Unmarshal(line, &r) != nil || r.ID == "" {
			continue
		}
		out = append(out, r)
	}
	return out
}

func fixtures(t *testing.T) (memKB, []localkb.Record) {
	kb := memKB{}
	for _, r := range load(t, filepath.Join("..", "..", "..", "assets", "kb", "demo.jsonl")) {
		if r.Kind == localkb.KindGuide {
			kb[r.ID] = r
		}
	}
	return kb, load(t, filepath.Join("..", "..", "..", "tools", "kbbuild", "authored", "bundles.jsonl"))
}

func newApp(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme{})
}

func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, fn)
		}
	}
}

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

func TestGuideOnOneScreen(t *testing.T) {
	newApp(t)
	kb, _ := fixtures(t)
	rec, err := kb.Get(context.Background(), "11440000553612461J2442111036001")
	if err != nil {
		t.Fatal(err)
	}
	root := guideview.NewGuide(&fakeNav{}, rec)
	w := test.NewTempWindow(t, root)
	w.Resize(fyne.NewSize(1080, 1920))
	s := texts(root)
	for _, want := range []string{
		"工伤医疗/康复/辅助器具配置费用申报", "这是什么", "受理条件：", "办理部门：广东省人力资源和社会保障厅",
		"地点：广州市天河区林和中路168号", "咨询电话：020-12333", "承诺 20 个工作日办结（法定 30 个工作日）",
		"收费：", "要带的材料（15 项）", "工伤职工签字确认的单位垫付凭证", "网上办理",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("guide lacks %q:\n%s", want, s)
		}
	}
	var ticks []*guideview.Tick
	walk(root, func(o fyne.CanvasObject) {
		if tk, ok := o.(*guideview.Tick); ok {
			ticks = append(ticks, tk)
		}
	})
	if len(ticks) != 15 {
		t.Fatalf("%d checklist rows, want 15", len(ticks))
	}
	test.Tap(ticks[0])
	if !ticks[0].Check.Checked {
		t.Fatal("tapping a material row did not tick it")
	}
	if h := ticks[0].MinSize().Height; h < ui.TouchHeight {
		t.Fatalf("checklist row %v high, want at least %v", h, ui.TouchHeight)
	}
}

func TestDaysText(t *testing.T) {
	cases := []struct {
		legal, promised int
		want            string
	}{
		{30, 20, "承诺 20 个工作日办结（法定 30 个工作日）"},
		{0, 5, "承诺 5 个工作日办结"},
		{7, 0, "法定 7 个工作日办结"},
		{0, 0, "办事指南未注明时限"},
	}
	for _, tc := range cases {
		if got := guideview.DaysText(tc.legal, tc.promised); got != tc.want {
			t.Errorf("DaysText(%d, %d) = %q, want %q", tc.legal, tc.promised, got, tc.want)
		}
	}
}

func TestBundleStepsAndMergedMaterials(t *testing.T) {
	newApp(t)
	kb, bundles := fixtures(t)
	b, ok := guide.FindBundle("员工受伤了怎么办", bundles)
	if !ok {
		t.Fatal("work-injury bundle not found")
	}
	items, err := guideview.ResolveSteps(context.Background(), kb, b)
	if err != nil {
		t.Fatal(err)
	}
	nav := &fakeNav{}
	root := guideview.NewBundle(nav, b, items)
	w := test.NewTempWindow(t, root)
	w.Resize(fyne.NewSize(1080, 1920))
	s := texts(root)
	merged := guide.MergeMaterials(items)
	total := 0
	for _, it := range items {
		total += len(it.Guide.Materials)
	}
	if len(merged) >= total-5 {
		t.Fatalf("merged %d of %d materials: the shared documents were not merged", len(merged), total)
	}
	for _, want := range []string{
		"员工工伤", "办理顺序：5 步", "第 1 步", "工伤事故备案", "第 5 步", "一次性工伤医疗补助金申请",
		fmt.Sprintf("合并后的材料清单（%d 项", len(merged)),
		"用于：工伤医疗/康复/辅助器具配置费用申报、工伤保险住院伙食补助费申领、工伤保险市外交通食宿费申领、一次性工伤医疗补助金申请",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("bundle lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "\n工伤职工身份证\n") != 1 {
		t.Fatalf("工伤职工身份证 listed %d times, want once", strings.Count(s, "\n工伤职工身份证\n"))
	}
	var open *widget.Button
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "查看办事指南" && open == nil {
			open = b
		}
	})
	if h := open.Size().Height; h < ui.TouchHeight {
		t.Fatalf("step button %.0f px high, want at least %.0f", h, ui.TouchHeight)
	}
	test.Tap(open)
	if len(nav.titles) != 1 || nav.titles[0] != "工伤事故备案" || nav.touch != 1 {
		t.Fatalf("tapping the first step pushed %v", nav.titles)
	}
}

func TestBundleWithMissingItem(t *testing.T) {
	newApp(t)
	kb, bundles := fixtures(t)
	b := bundles[0]
	delete(kb, b.Bundle.Steps[1].ItemID)
	items, err := guideview.ResolveSteps(context.Background(), kb, b)
	if !errors.Is(err, localkb.ErrNotFound) || len(items) != len(b.Bundle.Steps)-1 {
		t.Fatalf("items %d, err %v", len(items), err)
	}
	root := guideview.NewBundle(&fakeNav{}, b, items)
	test.NewTempWindow(t, root).Resize(fyne.NewSize(1080, 1920))
	if s := texts(root); !strings.Contains(s, "目录中暂未找到事项 "+b.Bundle.Steps[1].ItemID) {
		t.Fatalf("missing step not explained:\n%s", s)
	}
}

func TestScreenshots(t *testing.T) {
	newApp(t)
	kb, bundles := fixtures(t)
	rec, _ := kb.Get(context.Background(), "11440000MB2D0234372440125017008")
	w := test.NewTempWindow(t, guideview.NewGuide(&fakeNav{}, rec))
	w.Resize(fyne.NewSize(1080, 1920))
	shoot(t, w, "guide.png")
	b, _ := guide.FindBundle("我想开个茶馆，要办哪些手续？", bundles)
	items, _ := guideview.ResolveSteps(context.Background(), kb, b)
	w.SetContent(guideview.NewBundle(&fakeNav{}, b, items))
	w.Resize(fyne.NewSize(1080, 1920))
	shoot(t, w, "bundle.png")
	bi, _ := guide.FindBundle("员工受伤了怎么办", bundles)
	items, _ = guideview.ResolveSteps(context.Background(), kb, bi)
	scroll := guideview.NewBundle(&fakeNav{}, bi, items).(*container.Scroll)
	w.SetContent(scroll)
	w.Resize(fyne.NewSize(1080, 1920))
	scroll.ScrollToBottom()
	shoot(t, w, "bundle-materials.png")

	browse := guideview.NewBrowse(&fakeNav{}, newCatalog(t))
	w.SetContent(browse)
	w.Resize(fyne.NewSize(1080, 1920))
	waitFor(t, browse, "个主题，点一个看看")
	tapButton(t, browse, "社会保险")
	waitFor(t, browse, "“社会保险”下有")
	shoot(t, w, "browse.png")
}

func shoot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	img := uitest.Capture(t, w, name, *update || uitest.UpdateScreens())
	if b := img.Bounds(); b.Dx() < 1080 || b.Dy() < 1920 {
		t.Fatalf("%s rendered at %v", name, b)
	}
}

func TestSpoken(t *testing.T) {
	kb, bundles := fixtures(t)
	rec, _ := kb.Get(context.Background(), "11440000553612461J2442111036001")
	if got := guideview.SpokenGuide(rec); got != "工伤医疗/康复/辅助器具配置费用申报由广东省人力资源和社会保障厅办理，需要准备 15 项材料，承诺 20 个工作日办结。详细信息在屏幕上。" {
		t.Fatalf("SpokenGuide = %q", got)
	}
	b, _ := guide.FindBundle("开茶馆", bundles)
	items, _ := guideview.ResolveSteps(context.Background(), kb, b)
	got := guideview.SpokenBundle(b, items)
	if !strings.HasPrefix(got, "开茶馆一共 5 步，涉及 3 个部门，材料合并后 ") {
		t.Fatalf("SpokenBundle = %q", got)
	}
}
