package guideview_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/ui/guideview"
	"xiaofu/localkb"
)

// fakeCatalog answers from the demo snapshot's records in memory, the way
// localkb would, with substring search.
type fakeCatalog struct {
	memKB
	recs []localkb.Record
}

func newCatalog(t *testing.T) *fakeCatalog {
	c := &fakeCatalog{memKB: memKB{}}
	c.recs = append(load(t, filepath.Join("..", "..", "..", "assets", "kb", "demo.jsonl")),
		load(t, filepath.Join("..", "..", "..", "tools", "kbbuild", "authored", "bundles.jsonl"))...)
	for _, r := range c.recs {
		c.memKB[r.ID] = r
	}
	return c
}

func (c *fakeCatalog) Topics(context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, r := range c.recs {
		for _, tp := range r.Topics {
			if !seen[tp] {
				seen[tp] = true
				out = append(out, tp)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func (c *fakeCatalog) ByTopic(_ context.Context, topic string, limit int) ([]localkb.Record, error) {
	var out []localkb.Record
	for _, r := range c.recs {
		for _, tp := range r.Topics {
			if tp == topic && len(out) < limit {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func (c *fakeCatalog) Departments(context.Context) ([]string, error) {
	var out []string
	for _, r := range c.recs {
		if r.Kind == localkb.KindDepartment {
			out = append(out, r.Title)
		}
	}
	return out, nil
}

func (c *fakeCatalog) ByDepartment(_ context.Context, dept string, kinds []string, limit int) ([]localkb.Record, error) {
	var out []localkb.Record
	for _, r := range c.recs {
		if r.Department == dept && r.Kind == kinds[0] && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *fakeCatalog) Search(_ context.Context, q string, opts localkb.SearchOptions) ([]localkb.Hit, error) {
	var out []localkb.Hit
	for _, r := range c.recs {
		ok := false
		for _, k := range opts.Kinds {
			ok = ok || r.Kind == k
		}
		if ok && (strings.Contains(r.Title, q) || strings.Contains(strings.Join(r.Alt, " "), q)) && len(out) < opts.Limit {
			out = append(out, localkb.Hit{Record: r})
		}
	}
	return out, nil
}

func waitFor(t *testing.T, root fyne.CanvasObject, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := texts(root)
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q:\n%s", want, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tapButton(t *testing.T, root fyne.CanvasObject, label string) {
	t.Helper()
	var found *widget.Button
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q:\n%s", label, texts(root))
	}
	test.Tap(found)
}

func TestBrowseByTopicDepartmentAndSearch(t *testing.T) {
	newApp(t)
	nav := &fakeNav{}
	root := guideview.NewBrowse(nav, newCatalog(t))
	w := test.NewTempWindow(t, root)
	w.Resize(fyne.NewSize(1080, 1920))

	waitFor(t, root, "个主题，点一个看看")
	tapButton(t, root, "社会保险")
	waitFor(t, root, "“社会保险”下有")
	tapButton(t, root, "工伤医疗/康复/辅助器具配置费用申报")
	if len(nav.titles) != 1 || nav.titles[0] != "工伤医疗/康复/辅助器具配置费用申报" {
		t.Fatalf("pushed %v", nav.titles)
	}

	tapButton(t, root, "按部门找")
	waitFor(t, root, "个部门。")
	tapButton(t, root, "民政局")
	waitFor(t, root, "民政局：窗口 民政窗口 C4号；电话 87515995")

	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			test.Type(e, "茶馆")
		}
	})
	tapButton(t, root, "搜索")
	waitFor(t, root, "[一类事：开茶馆]")
	tapButton(t, root, "一类事：开茶馆")
	deadline := time.Now().Add(10 * time.Second)
	for len(nav.titles) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("bundle never opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if nav.titles[1] != "开茶馆" || !strings.Contains(texts(nav.pushed[1]), "办理顺序：5 步") {
		t.Fatalf("pushed %v", nav.titles)
	}
}

func TestWindowLine(t *testing.T) {
	cases := []struct {
		rec  localkb.Record
		want string
	}{
		{localkb.Record{Title: "民政局", Dept: &localkb.Department{Windows: []string{"C4号"}, Phones: []string{"87515995"}, Address: "行政中心一楼"}},
			"民政局：窗口 C4号；电话 87515995；地址 行政中心一楼"},
		{localkb.Record{Title: "体育局", Dept: &localkb.Department{Duties: "答复"}}, "体育局：暂无窗口信息，请到综合窗口咨询。"},
		{localkb.Record{Title: "某局"}, "某局：暂无窗口信息，请到综合窗口咨询。"},
	}
	for _, tc := range cases {
		if got := guideview.WindowLine(tc.rec); got != tc.want {
			t.Errorf("WindowLine(%s) = %q, want %q", tc.rec.Title, got, tc.want)
		}
	}
}

// The knowledge base itself must satisfy what the screens ask of it.
var (
	_ guideview.Catalog = (*localkb.KB)(nil)
	_ guideview.Getter  = (*localkb.KB)(nil)
)
