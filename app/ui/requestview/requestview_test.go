package requestview_test

import (
	"context"
	"image"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/hallserver"
	"xiaofu/app/request"
	"xiaofu/app/ui"
	"xiaofu/app/ui/requestview"
	"xiaofu/app/ui/uitest"
	"xiaofu/localkb/outbox"
)

// queue stands in for fyne.Do: background work queues UI updates and the
// test runs them on its own goroutine.
type queue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *queue) do(f func()) { q.mu.Lock(); q.fns = append(q.fns, f); q.mu.Unlock() }

func (q *queue) until(t *testing.T, r *rig, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		for _, f := range fns {
			f()
		}
		if len(fns) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; screen shows:\n%s", what, strings.Join(r.texts(), "\n"))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// nav is the kiosk shell in miniature: a title bar over the pushed screen.
type nav struct {
	r      *rig
	titles []string
	said   []string
	home   int
	happy  int
	sorry  int
}

func (n *nav) Push(title string, content fyne.CanvasObject) {
	n.titles = append(n.titles, title)
	n.r.show(title, content)
}
func (n *nav) Back()           {}
func (n *nav) Home()           { n.home++ }
func (n *nav) Say(text string) { n.said = append(n.said, text) }
func (n *nav) Celebrate()      { n.happy++ }
func (n *nav) Sorry()          { n.sorry++ }
func (n *nav) Touch()          {}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type rig struct {
	t     *testing.T
	win   fyne.Window
	nav   *nav
	q     *queue
	svc   *request.Service
	store *hallserver.Store
	clk   *clock
}

func departments() []request.Department {
	var ds []request.Department
	for _, n := range []string{"经发局", "人社局", "住建局", "城管局", "市场监管局", "税务局", "财政局", "交通局"} {
		ds = append(ds, request.Department{Name: n, Windows: []string{n}})
	}
	return ds
}

func newRig(t *testing.T, online bool) *rig {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme{})
	r := &rig{t: t, q: &queue{}, clk: &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.Local)}}
	r.nav = &nav{r: r}
	dir := t.TempDir()
	st, err := hallserver.OpenStore(filepath.Join(dir, "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.store = st
	srv := &hallserver.Server{Store: st, Now: r.clk.Now, Schedule: hallserver.Schedule{Assign: time.Minute, Start: 2 * time.Minute, Due: 3 * time.Minute, Resolve: 5 * time.Minute}, TrackURL: "https://hall.example/t/%s"}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	url := hs.URL
	if !online {
		url = "http://127.0.0.1:1" // nothing listens: connection refused
	}
	c := request.NewClient(url)
	c.Attempts = 1
	ob := outbox.New(filepath.Join(dir, "outbox.db"), request.OutboxSender(c))
	ob.Now = r.clk.Now
	if err := ob.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	model, err := request.EmbeddedModel()
	if err != nil {
		t.Fatal(err)
	}
	r.svc = &request.Service{Router: request.NewRouter(departments(), model, nil), Client: c, Outbox: ob, AckWait: time.Second, Now: r.clk.Now}
	r.win = test.NewWindow(nil)
	r.win.Resize(fyne.NewSize(1080, 1920))
	t.Cleanup(r.win.Close)
	return r
}

func (r *rig) show(title string, content fyne.CanvasObject) {
	bar := canvas.NewText(title, ui.HallNavy)
	bar.TextSize = ui.TextSize
	r.win.SetContent(container.NewBorder(container.NewPadded(bar), nil, nil, nil, content))
	r.win.Resize(fyne.NewSize(1080, 1920))
}

// walk visits every object on screen, descending into widgets' renderers.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) { uitest.Walk(o, f) }

func (r *rig) texts() []string {
	var out []string
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Text:
			if x.Text != "" {
				out = append(out, x.Text)
			}
		case *widget.Entry:
			if x.Text != "" {
				out = append(out, x.Text)
			}
		}
	})
	return out
}

func (r *rig) shows(s string) bool {
	for _, t := range r.texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	// Wrapped labels render their text in several canvas.Text lines.
	return strings.Contains(strings.Join(r.texts(), ""), s)
}

func (r *rig) button(label string) *widget.Button {
	r.t.Helper()
	var found *widget.Button
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	if found == nil {
		r.t.Fatalf("no button %q; screen shows:\n%s", label, strings.Join(r.texts(), "\n"))
	}
	return found
}

func (r *rig) entries() []*widget.Entry {
	var out []*widget.Entry
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			out = append(out, e)
		}
	})
	return out
}

// checkTargets fails if anything tappable is shorter than ui.TouchHeight
// or sticks out of the 1080-wide window.
func (r *rig) checkTargets(screen string) {
	r.t.Helper()
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		switch o.(type) {
		case *widget.Button, *widget.Select, *widget.Entry:
			if o.Size().Height < ui.TouchHeight-0.5 {
				r.t.Errorf("%s: %T %v is %.0f px tall, want ≥ %.0f", screen, o, label(o), o.Size().Height, ui.TouchHeight)
			}
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
			if pos.X < 0 || pos.X+o.Size().Width > 1080.5 {
				r.t.Errorf("%s: %T %v spans x %.0f..%.0f, outside the window", screen, o, label(o), pos.X, pos.X+o.Size().Width)
			}
		}
	})
}

func label(o fyne.CanvasObject) string {
	if b, ok := o.(*widget.Button); ok {
		return b.Text
	}
	return ""
}

// screenshot writes the window to docs/screens when XIAOFU_UPDATE_SCREENS=1.
func (r *rig) screenshot(name string) image.Image {
	// Wrapped labels learn their width in the first layout pass and their
	// height in the next; the kiosk's window lays out on every frame.
	r.win.Content().Refresh()
	img := uitest.Capture(r.t, r.win, name, uitest.UpdateScreens())
	if b := img.Bounds(); b.Dx() != 1080 || b.Dy() != 1920 {
		r.t.Errorf("%s captured at %v, want 1080x1920", name, b)
	}
	return img
}

func TestRequestFlowOnline(t *testing.T) {
	r := newRig(t, true)
	flow := requestview.NewWithDo(r.nav, r.svc, r.q.do)
	r.show("提交诉求", flow)
	r.checkTargets("describe")
	// Nothing typed: the kiosk asks for a description.
	test.Tap(r.button("下一步"))
	if !r.shows("请先说一说或写一写您的诉求") {
		t.Fatal("empty description not refused")
	}
	flow.SetDescription("我们急需一笔融资，还想问问人才公寓")
	r.screenshot("request-describe.png")
	test.Tap(r.button("下一步"))
	r.q.until(t, r, "the confirmation", func() bool { return r.shows("请确认诉求") })
	for _, want := range []string{"我们急需一笔融资", "经发局", "还想问问人才公寓", "住建局", "原因：", "本机分派"} {
		if !r.shows(want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	// The visitor moves the second item to 人社局.
	var sels []*widget.Select
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok {
			sels = append(sels, s)
		}
	})
	if len(sels) != 2 {
		t.Fatalf("%d department pickers, want 2", len(sels))
	}
	sels[1].SetSelected("人社局")
	if !r.shows("由您选择") {
		t.Error("a corrected department does not say the visitor chose it")
	}
	r.checkTargets("confirm")
	r.screenshot("request-confirm.png")

	test.Tap(r.button("确认，下一步"))
	if !r.shows("联系电话") || !r.shows("个人信息说明") || !r.shows("企业名称") {
		t.Fatalf("contact form: %v", r.texts())
	}
	es := r.entries()
	test.Type(es[0], "1381234567") // one digit short
	test.Tap(r.button("提交"))
	if !r.shows("请填写 11 位手机号") {
		t.Fatal("a malformed phone was not flagged")
	}
	r.checkTargets("contact")
	r.screenshot("request-form.png")
	es[0].SetText("138 1234 5678")
	for _, e := range es[1:] {
		e.SetText("贾汪小服茶馆有限公司")
	}
	test.Tap(r.button("提交"))
	r.q.until(t, r, "the ticket", func() bool { return r.shows("提交成功") })
	keys, _ := r.store.Keys(context.Background())
	if len(keys) != 1 {
		t.Fatalf("server holds %d tickets", len(keys))
	}
	var ticket string
	for _, v := range keys {
		ticket = v
	}
	if !r.shows(ticket) || !r.shows("5678") {
		t.Fatalf("ticket screen lacks %s or the phone digits: %v", ticket, r.texts())
	}
	var qr bool
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.Size().Width >= 300 {
			qr = true
		}
	})
	if !qr {
		t.Error("no QR code of at least 300 px on the ticket screen")
	}
	if r.nav.happy != 1 || len(r.nav.said) == 0 {
		t.Errorf("avatar celebrate %d, said %v", r.nav.happy, r.nav.said)
	}
	subs, _ := r.store.Submissions(context.Background())
	if got := subs[ticket].Items; len(got) != 2 || got[1].Department != "人社局" || got[1].Reason != "由您选择" {
		t.Errorf("server items = %+v, want the visitor's correction", got)
	}
	r.checkTargets("ticket")
	r.screenshot("request-ticket.png")

	// Follow it: lookup, timeline, reminder when overdue, rating when resolved.
	r.show("查询诉求", requestview.LookupWithDo(r.nav, r.svc, r.q.do))
	es = r.entries()
	test.Type(es[0], "SQ1")
	test.Type(es[1], "56")
	test.Tap(r.button("查询"))
	if !r.shows("工单号格式不对") || !r.shows("请输入手机号后四位数字") {
		t.Fatalf("bad lookup input not flagged: %v", r.texts())
	}
	es[0].SetText(strings.ToLower(ticket))
	es[1].SetText("0000")
	test.Tap(r.button("查询"))
	r.q.until(t, r, "not found", func() bool { return r.shows("没有找到这张工单") })
	es[1].SetText("5678")
	r.clk.Advance(3*time.Minute + 30*time.Second) // in progress, overdue
	test.Tap(r.button("查询"))
	r.q.until(t, r, "the timeline", func() bool { return r.shows("诉求进度") })
	for _, want := range []string{"已受理", "已分派至经发局", "已分派至人社局", "办理中", "已超期", "催办"} {
		if !r.shows(want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	r.checkTargets("timeline")
	r.screenshot("request-timeline.png")
	test.Tap(r.button("催办"))
	r.q.until(t, r, "the reminder", func() bool { return r.shows("已催办 1 次") })

	r.clk.Advance(2 * time.Minute) // resolved
	r.show("查询诉求", requestview.LookupWithDo(r.nav, r.svc, r.q.do))
	es = r.entries()
	es[0].SetText(ticket)
	es[1].SetText("5678")
	test.Tap(r.button("查询"))
	r.q.until(t, r, "the rating", func() bool { return r.shows("请为办理结果打分") })
	test.Tap(r.button("提交评价"))
	if !r.shows("请选择 1 到 5 星") {
		t.Error("a rating without stars was not refused")
	}
	test.Tap(r.button("4 星"))
	var comment *widget.Entry
	for _, e := range r.entries() {
		if e.MultiLine {
			comment = e
		}
	}
	test.Type(comment, "办得很快")
	r.checkTargets("rating")
	r.screenshot("request-rating.png")
	test.Tap(r.button("提交评价"))
	r.q.until(t, r, "the rating shown", func() bool { return r.shows("★★★★☆") })
	if !r.shows("办得很快") {
		t.Error("comment not shown after rating")
	}
}

func TestRequestFlowOffline(t *testing.T) {
	r := newRig(t, false)
	flow := requestview.NewWithDo(r.nav, r.svc, r.q.do)
	r.show("提交诉求", flow)
	flow.SetDescription("公司门口的人行道破了个洞，另外想问问营业执照怎么变更")
	test.Tap(r.button("下一步"))
	r.q.until(t, r, "the confirmation", func() bool { return r.shows("请确认诉求") })
	if !r.shows("分成了 2 项") {
		t.Fatalf("confirmation: %v", r.texts())
	}
	// The visitor only wants the pavement fixed.
	var remove []*widget.Button
	walk(r.win.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "不需要这一项" {
			remove = append(remove, b)
		}
	})
	if len(remove) != 2 {
		t.Fatalf("%d remove buttons, want 2", len(remove))
	}
	test.Tap(remove[1])
	if !r.shows("分成了 1 项") || r.shows("第 2 项") {
		t.Fatalf("after removing: %v", r.texts())
	}
	test.Tap(r.button("确认，下一步"))
	es := r.entries()
	es[0].SetText("0516-87716305")
	if len(es) > 1 {
		es[1].SetText("山水大道5号")
	}
	test.Tap(r.button("提交"))
	r.q.until(t, r, "the offline message", func() bool { return r.shows(requestview.TextQueued) })
	if !r.shows("本机-0001") {
		t.Errorf("queued screen lacks the local number: %v", r.texts())
	}
	if len(r.nav.said) == 0 || r.nav.said[len(r.nav.said)-1] != requestview.TextQueued {
		t.Errorf("kiosk said %v, want %q", r.nav.said, requestview.TextQueued)
	}
	if n, _ := r.svc.Outbox.Pending(context.Background()); n != 1 {
		t.Fatalf("pending = %d, want the request kept in the outbox", n)
	}
	es2, _ := r.svc.Outbox.List(context.Background(), outbox.StatePending)
	if !strings.Contains(string(es2[0].Payload), `"department":"城管局"`) || strings.Contains(string(es2[0].Payload), "市场监管局") {
		t.Errorf("queued payload does not hold just the kept item: %s", es2[0].Payload)
	}
	r.checkTargets("queued")
	r.screenshot("request-queued.png")
}
