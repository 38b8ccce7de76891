package guideview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/ui"
	"xiaofu/localkb"
)

// Catalog is the part of the knowledge base the browse screen reads;
// *localkb.KB satisfies it. Calls run off the Fyne goroutine.
type Catalog interface {
	Getter
	Topics(ctx context.Context) ([]string, error)
	ByTopic(ctx context.Context, topic string, limit int) ([]localkb.Record, error)
	Departments(ctx context.Context) ([]string, error)
	ByDepartment(ctx context.Context, dept string, kinds []string, limit int) ([]localkb.Record, error)
	Search(ctx context.Context, q string, opts localkb.SearchOptions) ([]localkb.Hit, error)
}

type browser struct {
	nav    ui.Nav
	cat    Catalog
	status *widget.Label
	list   *fyne.Container
	scroll *container.Scroll
	query  *widget.Entry
}

// NewBrowse lets a visitor find a service item by theme, by department or
// by searching; a department shows its windows and phones first ("which
// window do I go to"), and an item or bundle opens its screen.
func NewBrowse(nav ui.Nav, cat Catalog) fyne.CanvasObject {
	b := &browser{nav: nav, cat: cat, status: ui.Wrapped(""), list: container.NewVBox()}
	b.query = widget.NewEntry()
	b.query.SetPlaceHolder("输入想办的事，例如：开茶馆、工伤、发票")
	b.query.OnSubmitted = func(string) { b.search() }
	searchRow := container.NewBorder(nil, nil, nil, ui.Tall(ui.BigButton("搜索", widget.HighImportance, b.search)), ui.Tall(b.query))
	modes := container.NewGridWithColumns(2,
		ui.Tall(ui.BigButton("按主题找", widget.HighImportance, b.showTopics)),
		ui.Tall(ui.BigButton("按部门找", widget.HighImportance, b.showDepartments)),
	)
	top := container.NewVBox(searchRow, modes, b.status)
	b.scroll = container.NewVScroll(container.NewPadded(b.list))
	b.showTopics()
	return container.NewBorder(container.NewPadded(top), nil, nil, nil, b.scroll)
}

// load runs fetch off the UI goroutine and shows its buttons when done.
func (b *browser) load(busy string, fetch func(ctx context.Context) (string, []fyne.CanvasObject, error)) {
	b.nav.Touch()
	b.status.SetText(busy)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		msg, objs, err := fetch(ctx)
		fyne.Do(func() {
			if err != nil {
				msg = "暂时查不到，请稍后再试或到综合窗口咨询。"
				objs = nil
			}
			b.list.RemoveAll()
			for _, o := range objs {
				b.list.Add(o)
			}
			b.list.Refresh()
			b.scroll.ScrollToTop()
			b.scroll.Refresh()
			// The status goes last: it tells that the list below is ready.
			b.status.SetText(msg)
		})
	}()
}

func (b *browser) showTopics() {
	b.load("正在读取主题……", func(ctx context.Context) (string, []fyne.CanvasObject, error) {
		topics, err := b.cat.Topics(ctx)
		if err != nil {
			return "", nil, err
		}
		grid := container.NewGridWithColumns(2)
		for _, t := range topics {
			grid.Add(ui.Tall(ui.BigButton(t, widget.MediumImportance, func() { b.showTopic(t) })))
		}
		return fmt.Sprintf("共 %d 个主题，点一个看看有哪些事项。", len(topics)), []fyne.CanvasObject{grid}, nil
	})
}

func (b *browser) showTopic(topic string) {
	b.load("正在读取“"+topic+"”……", func(ctx context.Context) (string, []fyne.CanvasObject, error) {
		recs, err := b.cat.ByTopic(ctx, topic, 300)
		if err != nil {
			return "", nil, err
		}
		objs := b.itemButtons(recs)
		return fmt.Sprintf("“%s”下有 %d 个事项。", topic, len(objs)), objs, nil
	})
}

func (b *browser) showDepartments() {
	b.load("正在读取部门……", func(ctx context.Context) (string, []fyne.CanvasObject, error) {
		depts, err := b.cat.Departments(ctx)
		if err != nil {
			return "", nil, err
		}
		grid := container.NewGridWithColumns(2)
		for _, d := range depts {
			grid.Add(ui.Tall(ui.BigButton(d, widget.MediumImportance, func() { b.showDepartment(d) })))
		}
		return fmt.Sprintf("共 %d 个部门。", len(depts)), []fyne.CanvasObject{grid}, nil
	})
}

func (b *browser) showDepartment(dept string) {
	b.load("正在读取“"+dept+"”……", func(ctx context.Context) (string, []fyne.CanvasObject, error) {
		var objs []fyne.CanvasObject
		if hits, err := b.cat.Search(ctx, dept, localkb.SearchOptions{Kinds: []string{localkb.KindDepartment}, Limit: 5}); err == nil {
			if r, ok := pickDepartment(hits, dept); ok {
				objs = append(objs, ui.Card(ui.Wrapped(WindowLine(r))))
			}
		}
		items, err := b.cat.ByDepartment(ctx, dept, []string{localkb.KindGuide}, 300)
		if err != nil {
			return "", nil, err
		}
		buttons := b.itemButtons(items)
		return fmt.Sprintf("%s：%d 个事项。", dept, len(buttons)), append(objs, buttons...), nil
	})
}

// pickDepartment prefers the record titled exactly dept, then one that
// has it as an alias ("民政局" is also 北京市民政局's short name).
func pickDepartment(hits []localkb.Hit, dept string) (localkb.Record, bool) {
	for _, h := range hits {
		if h.Record.Title == dept {
			return h.Record, true
		}
	}
	for _, h := range hits {
		if containsAlias(h.Record, dept) {
			return h.Record, true
		}
	}
	return localkb.Record{}, false
}

func containsAlias(r localkb.Record, name string) bool {
	if r.Dept == nil {
		return false
	}
	for _, a := range r.Dept.Aliases {
		if a == name {
			return true
		}
	}
	return false
}

func (b *browser) search() {
	q := strings.TrimSpace(b.query.Text)
	if q == "" {
		return
	}
	b.load("正在搜索……", func(ctx context.Context) (string, []fyne.CanvasObject, error) {
		hits, err := b.cat.Search(ctx, q, localkb.SearchOptions{Kinds: []string{localkb.KindBundle, localkb.KindGuide, localkb.KindDepartment}, Limit: 20})
		if err != nil {
			return "", nil, err
		}
		var recs []localkb.Record
		var objs []fyne.CanvasObject
		for _, h := range hits {
			if h.Record.Kind == localkb.KindDepartment {
				objs = append(objs, ui.Card(ui.Wrapped(WindowLine(h.Record))))
				continue
			}
			recs = append(recs, h.Record)
		}
		objs = append(objs, b.itemButtons(recs)...)
		if len(objs) == 0 {
			return "没有找到“" + q + "”相关的事项，换个说法试试，或到综合窗口咨询。", nil, nil
		}
		return fmt.Sprintf("“%s”的搜索结果：", q), objs, nil
	})
}

// itemButtons are one button per guide or bundle; other kinds are left out.
func (b *browser) itemButtons(recs []localkb.Record) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, r := range recs {
		switch r.Kind {
		case localkb.KindGuide:
			label := shorten(r.Title, 34)
			out = append(out, ui.Tall(ui.BigButton(label, widget.MediumImportance, func() {
				b.nav.Touch()
				b.nav.Push(r.Title, NewGuide(b.nav, r))
				b.nav.Say(SpokenGuide(r))
			})))
		case localkb.KindBundle:
			out = append(out, ui.Tall(ui.BigButton("一类事："+shorten(r.Title, 30), widget.HighImportance, func() { b.openBundle(r) })))
		}
	}
	return out
}

func (b *browser) openBundle(r localkb.Record) {
	b.nav.Touch()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Missing items are shown as such by NewBundle; the error only lists them.
		items, _ := ResolveSteps(ctx, b.cat, r)
		fyne.Do(func() {
			b.nav.Push(r.Title, NewBundle(b.nav, r, items))
			b.nav.Say(SpokenBundle(r, items))
		})
	}()
}

// WindowLine answers "which window do I go to" from a department record:
// its name, windows, phones and address, whatever the record holds.
func WindowLine(dept localkb.Record) string {
	s := dept.Title
	if dept.Dept == nil {
		return s + "：暂无窗口信息，请到综合窗口咨询。"
	}
	var parts []string
	if len(dept.Dept.Windows) > 0 {
		parts = append(parts, "窗口 "+strings.Join(dept.Dept.Windows, "、"))
	}
	if len(dept.Dept.Phones) > 0 {
		parts = append(parts, "电话 "+strings.Join(dept.Dept.Phones, "、"))
	}
	if dept.Dept.Address != "" {
		parts = append(parts, "地址 "+dept.Dept.Address)
	}
	if len(parts) == 0 {
		return s + "：暂无窗口信息，请到综合窗口咨询。"
	}
	return s + "：" + strings.Join(parts, "；")
}

// shorten keeps a button label on one line of a portrait kiosk: buttons do
// not wrap, and the full title is on the screen the button opens.
func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
