// Package policyview is the kiosk's policy-matching screen: a short touch
// questionnaire that asks only what the remaining policies need, with a
// credit-code entry and a "describe your company" field, and the result
// screen that lists met, nearly met and still-open policies with every
// condition's reason and source, and a QR code to take the result away.
package policyview

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/policy"
	"xiaofu/app/profile"
	"xiaofu/app/ui"
)

// Source is what the screen needs from the kiosk. Engine is required;
// Lookup is the hall's enterprise-profile endpoint (nil when offline);
// ShareURL, when set, turns a result into a link for the QR code (else the
// QR code holds a short text summary); Now is injectable for tests.
type Source struct {
	Engine   *policy.Engine
	Lookup   func(ctx context.Context, creditCode string) (profile.Enterprise, error)
	ShareURL func(res policy.Result) string
	Now      func() time.Time
	// Initial is what the kiosk already knows (e.g. read off a photographed
	// business licence); CreditCode, when set, is filled in and checked at
	// once, as if the visitor had typed it.
	Initial    policy.Profile
	CreditCode string
}

type screen struct {
	nav     ui.Nav
	src     Source
	profile policy.Profile
	skipped []string
	res     policy.Result

	desc     *widget.Entry
	heard    *widget.Label
	code     *widget.Entry
	codeMsg  *widget.Label
	progress *widget.Label
	question *widget.Label
	why      *widget.Label
	answers  *fyne.Container
	scroll   *container.Scroll
}

// New builds the questionnaire. Each answer re-runs the match and the next
// question is the one that decides the most value among the policies still
// open; "查看结果" pushes the result screen.
func New(nav ui.Nav, src Source) fyne.CanvasObject {
	if src.Now == nil {
		src.Now = time.Now
	}
	s := &screen{nav: nav, src: src, profile: src.Initial.Clone()}

	s.desc = widget.NewMultiLineEntry()
	s.desc.SetPlaceHolder("例如：我们是做软件的，三十来个人，去年营收两千万")
	s.desc.Wrapping = fyne.TextWrapWord
	s.desc.SetMinRowsVisible(2)
	s.heard = ui.Wrapped("")
	s.heard.Hide()
	describe := ui.Card(container.NewVBox(
		title("用一句话介绍您的企业"),
		ui.Tall(s.desc),
		tall(ui.BigButton("听懂并填入", widget.HighImportance, s.describe)),
		s.heard,
	))

	s.code = widget.NewEntry()
	s.code.SetPlaceHolder("18位统一社会信用代码")
	s.codeMsg = ui.Wrapped("")
	s.codeMsg.Hide()
	codeCard := ui.Card(container.NewVBox(
		title("或输入统一社会信用代码"),
		container.NewBorder(nil, nil, nil, tall(ui.BigButton("核验", widget.HighImportance, s.checkCode)), ui.Tall(s.code)),
		s.codeMsg,
	))

	s.progress = ui.Wrapped("")
	s.question = widget.NewLabel("")
	s.question.Wrapping = fyne.TextWrapWord
	s.question.TextStyle.Bold = true
	s.question.SizeName = theme.SizeNameSubHeadingText
	s.question.Importance = widget.HighImportance
	s.why = ui.Wrapped("")
	s.answers = container.NewVBox()
	questionCard := ui.Card(container.NewVBox(s.progress, s.question, s.why, s.answers))

	results := tall(ui.BigButton("查看匹配结果", widget.SuccessImportance, s.showResult))
	intro := ui.Wrapped("回答几个问题，小服帮您找出能申请的扶持政策。只问剩下的政策需要的信息，不清楚的可以跳过。")
	body := container.NewVBox(intro, describe, codeCard, questionCard)
	s.scroll = container.NewVScroll(container.NewPadded(body))
	s.refresh()
	if src.CreditCode != "" {
		s.code.SetText(src.CreditCode)
		s.checkCode()
	}
	return container.NewBorder(nil, container.NewPadded(results), nil, nil, s.scroll)
}

func title(s string) fyne.CanvasObject {
	t := canvas.NewText(s, ui.HallNavy)
	t.TextSize = 30
	t.TextStyle.Bold = true
	return t
}

// tall keeps a tappable at least TouchHeight high.
func tall(o fyne.CanvasObject) fyne.CanvasObject { return ui.Tall(o) }

func (s *screen) match() policy.Result {
	return s.src.Engine.Match(policy.Derive(s.profile, s.src.Now()), s.skipped...)
}

// refresh re-matches and rebuilds the question area.
func (s *screen) refresh() {
	s.res = s.match()
	r := s.res
	s.progress.SetText(fmt.Sprintf("已填 %d 项信息 · 可申请 %d 项 · 差一点 %d 项 · 待确认 %d 项",
		len(s.profile), len(r.Met), len(r.Nearly), len(r.Open)))
	s.answers.RemoveAll()
	q := r.Next
	if q == nil {
		s.question.SetText("需要的信息都齐了，请查看匹配结果。")
		s.why.SetText("")
		s.relayout()
		return
	}
	s.question.SetText(q.Ask)
	why := fmt.Sprintf("有 %d 项政策等这个答案", q.Policies)
	if q.ValueWan > 0 {
		why += fmt.Sprintf("，最高合计 %s 万元", trimNum(q.ValueWan))
	}
	s.why.SetText(why + "。")
	for _, o := range s.answerWidgets(*q) {
		s.answers.Add(o)
	}
	s.answers.Add(tall(ui.BigButton("不清楚，跳过", widget.LowImportance, func() {
		s.skipped = append(s.skipped, q.Field)
		s.nav.Touch()
		s.refresh()
	})))
	s.relayout()
}

// relayout refreshes the scroll after texts and controls changed size, so
// cards grow with their content instead of overlapping.
func (s *screen) relayout() {
	if s.scroll != nil {
		s.scroll.Content.Refresh()
		s.scroll.Refresh()
	}
}

func (s *screen) answer(field string, v any) {
	s.profile.Set(field, v)
	s.nav.Touch()
	s.refresh()
}

// answerWidgets are the controls for one question: yes/no buttons, one
// button per choice, toggles for sets, or an entry for numbers and text.
func (s *screen) answerWidgets(q policy.Question) []fyne.CanvasObject {
	switch q.Type {
	case "bool":
		return []fyne.CanvasObject{container.NewGridWithColumns(2,
			tall(ui.BigButton("是", widget.HighImportance, func() { s.answer(q.Field, true) })),
			tall(ui.BigButton("否", widget.HighImportance, func() { s.answer(q.Field, false) })),
		)}
	case "enum":
		grid := container.NewGridWithColumns(2)
		for _, v := range q.Values {
			grid.Add(tall(ui.BigButton(v, widget.HighImportance, func() { s.answer(q.Field, v) })))
		}
		return []fyne.CanvasObject{grid}
	case "set":
		chosen := map[string]bool{}
		grid := container.NewGridWithColumns(2)
		var none string
		for _, v := range q.Values {
			if v == "都不是" || v == "都没有" {
				none = v
				continue
			}
			c := widget.NewCheck(v, func(on bool) { chosen[v] = on })
			grid.Add(tall(c))
		}
		confirm := tall(ui.BigButton("选好了", widget.HighImportance, func() {
			var out []string
			for _, v := range q.Values {
				if chosen[v] {
					out = append(out, v)
				}
			}
			s.answer(q.Field, out)
		}))
		if none == "" {
			none = "都没有"
		}
		nothing := tall(ui.BigButton(none, widget.HighImportance, func() { s.answer(q.Field, []string{}) }))
		return []fyne.CanvasObject{grid, container.NewGridWithColumns(2, confirm, nothing)}
	}
	var quick fyne.CanvasObject
	if q.Type == "text" && len(q.Values) > 0 {
		grid := container.NewGridWithColumns(2)
		for _, v := range q.Values {
			grid.Add(tall(ui.BigButton(v, widget.HighImportance, func() { s.answer(q.Field, v) })))
		}
		quick = grid
	}
	e := widget.NewEntry()
	msg := ui.Wrapped("")
	msg.Hide()
	if q.Type == "number" {
		e.SetPlaceHolder("填数字" + unitHint(q.Unit))
	} else {
		e.SetPlaceHolder("请填写")
	}
	submit := func() {
		text := strings.TrimSpace(e.Text)
		if text == "" {
			return
		}
		if q.Type != "number" {
			s.answer(q.Field, text)
			return
		}
		v, ok := parseAmount(text, q.Unit)
		if !ok {
			msg.SetText("没有看懂“" + text + "”，请填一个数字，例如 30 或 两千")
			msg.Show()
			return
		}
		s.answer(q.Field, v)
	}
	e.OnSubmitted = func(string) { submit() }
	row := container.NewBorder(nil, nil, nil, tall(ui.BigButton("确定", widget.HighImportance, submit)), ui.Tall(e))
	out := []fyne.CanvasObject{}
	if quick != nil {
		out = append(out, quick)
	}
	return append(out, row, msg)
}

func unitHint(unit string) string {
	if unit == "" {
		return ""
	}
	return "，单位：" + unit
}

// parseAmount reads "30", "两千", "2000万" or "1.5亿"; for a field in 万元 a
// figure said with 万 or 亿 is converted, a bare one taken as 万元.
func parseAmount(text, unit string) (float64, bool) {
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, true
	}
	v, _, ok := profile.ParseNumber(text)
	if !ok {
		return 0, false
	}
	if unit == "万元" && (strings.Contains(text, "万") || strings.Contains(text, "亿")) {
		v /= 1e4
	}
	return v, true
}

func trimNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// describe parses the free-text description and fills what it understood,
// without overwriting answers the visitor already gave.
func (s *screen) describe() {
	p, heard := profile.ParseSpoken(s.desc.Text)
	var parts []string
	for _, h := range heard {
		if _, have := s.profile[h.Field]; have {
			continue
		}
		s.profile.Set(h.Field, p[h.Field])
		parts = append(parts, s.heardText(h))
	}
	if len(parts) == 0 {
		s.heard.SetText("没有听出能用的信息，可以说说行业、人数、营收、专利或资质。")
	} else {
		s.heard.SetText("我听到：" + strings.Join(parts, "；"))
	}
	s.heard.Show()
	s.nav.Touch()
	s.refresh()
}

func (s *screen) heardText(h profile.Heard) string {
	f := s.src.Engine.Vocabulary(h.Field)
	v := ""
	switch x := h.Value.(type) {
	case float64:
		v = trimNum(x) + f.Unit
	case []string:
		v = strings.Join(x, "、")
	default:
		v = fmt.Sprint(x)
	}
	if h.Approx {
		v = "约" + v
	}
	return f.Label + " " + v
}

// checkCode validates the credit code, says what is wrong in words, and
// online fetches the hall's profile for it.
func (s *screen) checkCode() {
	s.nav.Touch()
	cc, err := profile.ParseCreditCode(s.code.Text)
	if err != nil {
		s.codeMsg.SetText("✗ " + err.Error())
		s.codeMsg.Importance = widget.DangerImportance
		s.codeMsg.Show()
		s.codeMsg.Refresh()
		s.relayout()
		return
	}
	msg := "✓ 代码有效：" + cc.Dept + "登记"
	if cc.Kind != "" {
		msg += "的" + cc.Kind
	}
	if place, ok := profile.RegionName(cc.Region); ok {
		msg += "，登记地 " + place
		if _, have := s.profile["reg_place"]; !have {
			s.profile.Set("reg_place", place)
		}
	}
	s.codeMsg.Importance = widget.SuccessImportance
	if s.src.Lookup == nil {
		s.codeMsg.SetText(msg + "。现在离线，请回答下面的问题。")
		s.codeMsg.Show()
		s.refresh()
		return
	}
	s.codeMsg.SetText(msg + "。正在读取企业画像……")
	s.codeMsg.Show()
	s.refresh()
	code := cc.Code
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
		defer cancel()
		e, err := s.src.Lookup(ctx, code)
		fyne.Do(func() { s.applyLookup(msg, e, err) })
	}()
}

func (s *screen) applyLookup(msg string, e profile.Enterprise, err error) {
	switch {
	case errors.Is(err, profile.ErrNotFound):
		msg += "。大厅没有这家企业的画像，请回答下面的问题。"
	case err != nil:
		msg += "。暂时读不到企业画像，请回答下面的问题。"
	default:
		n := 0
		for k, v := range e.Profile {
			if _, have := s.profile[k]; !have {
				s.profile.Set(k, v)
				n++
			}
		}
		msg = fmt.Sprintf("%s。已读取“%s”的企业画像，填入 %d 项信息。", msg, e.Name, n)
	}
	// Re-match first so the message never shows before the result it announces.
	s.refresh()
	s.codeMsg.SetText(msg)
	s.relayout()
}

func (s *screen) showResult() {
	s.nav.Touch()
	res := s.match()
	share := ""
	if s.src.ShareURL != nil {
		share = s.src.ShareURL(res)
	}
	if share == "" {
		share = Summary(res, s.src.Now())
	}
	s.nav.Push("政策匹配结果", NewResult(s.nav, res, share))
	s.nav.Say(Spoken(res))
	if len(res.Met) > 0 {
		s.nav.Celebrate()
	}
}

// Spoken is the short line the digital human says over the result.
func Spoken(res policy.Result) string {
	if len(res.Met) == 0 && len(res.Nearly) == 0 {
		if len(res.Open) > 0 {
			return fmt.Sprintf("还有 %d 项政策需要再了解一些信息才能判断。", len(res.Open))
		}
		return "暂时没有找到符合条件的政策。"
	}
	total := 0.0
	for _, m := range res.Met {
		total += m.MaxWan
	}
	s := fmt.Sprintf("您可以申请 %d 项政策", len(res.Met))
	if total > 0 {
		s += fmt.Sprintf("，资金最高合计约 %s 万元", trimNum(total))
	}
	if len(res.Nearly) > 0 {
		s += fmt.Sprintf("；还有 %d 项只差一两个条件", len(res.Nearly))
	}
	return s + "。"
}

// Summary is the compact text the QR code carries when no share link is
// configured: the date, the met and nearly met policies with their value,
// capped so the code stays scannable.
func Summary(res policy.Result, now time.Time) string {
	var b strings.Builder
	b.WriteString("小服政策匹配 " + now.Format("2006-01-02") + "\n")
	line := func(prefix string, m policy.PolicyMatch) string {
		s := prefix + m.Title
		if m.MaxWan > 0 {
			s += "（最高" + trimNum(m.MaxWan) + "万）"
		}
		return s + "\n"
	}
	for _, m := range res.Met {
		if b.Len() > 600 {
			b.WriteString("……\n")
			break
		}
		b.WriteString(line("✓", m))
	}
	for _, m := range res.Nearly {
		if b.Len() > 700 {
			break
		}
		b.WriteString(line("△", m))
	}
	return strings.TrimSpace(b.String())
}
