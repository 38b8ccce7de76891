// Package guideview shows a service item's guide on one screen and a 一类事
// bundle as its steps across departments with one combined materials list.
package guideview

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/guide"
	"xiaofu/app/ui"
	"xiaofu/localkb"
)

// NewGuide shows one item's guide: what it is, who handles it and where,
// the materials as a checklist, the legal and promised time limits, the
// fee, the phone numbers and the online link as a QR code.
func NewGuide(nav ui.Nav, rec localkb.Record) fyne.CanvasObject {
	g := rec.Guide
	if g == nil {
		g = &localkb.Guide{}
	}
	body := container.NewVBox(bigTitle(rec.Title))
	var badges []fyne.CanvasObject
	if g.Type != "" {
		badges = append(badges, ui.Badge(g.Type, ui.HallBlue))
	}
	if rec.Department != "" {
		badges = append(badges, ui.Badge(rec.Department, ui.HallMuted))
	}
	if len(badges) > 0 {
		body.Add(container.New(layout.NewRowWrapLayout(), badges...))
	}

	what := container.NewVBox(sectionTitle("这是什么"))
	if rec.Body != "" {
		what.Add(ui.Wrapped(rec.Body))
	}
	if g.Conditions != "" {
		what.Add(ui.Wrapped("受理条件：" + g.Conditions))
	}
	if len(g.Objects) > 0 {
		what.Add(ui.Wrapped("谁可以办：" + strings.Join(g.Objects, "、")))
	}
	body.Add(ui.Card(what))

	where := container.NewVBox(sectionTitle("到哪里办"))
	addField(where, "办理部门", rec.Department)
	addField(where, "窗口", g.Window)
	addField(where, "地点", g.Place)
	addField(where, "咨询电话", g.Phone)
	addField(where, "投诉电话", g.ComplainPhone)
	body.Add(ui.Card(where))

	when := container.NewVBox(sectionTitle("多久办好、收不收费"))
	when.Add(ui.Wrapped(DaysText(g.LegalDays, g.PromisedDays)))
	fee := g.Fee
	if fee == "" {
		fee = "办事指南未注明，请向窗口确认"
	}
	when.Add(ui.Wrapped("收费：" + fee))
	body.Add(ui.Card(when))

	mats := container.NewVBox(sectionTitle(fmt.Sprintf("要带的材料（%d 项）", countMaterials(g.Materials))))
	for _, m := range g.Materials {
		if strings.TrimSpace(m) == "" || m == "无" {
			continue
		}
		mats.Add(ui.Tall(checkItem(m)))
	}
	if countMaterials(g.Materials) == 0 {
		mats.Add(ui.Wrapped("办事指南未列出材料，请向窗口确认。"))
	}
	body.Add(ui.Card(mats))

	if qr := qrImage(g.OnlineURL, 240); qr != nil {
		body.Add(ui.Card(container.NewBorder(nil, nil, qr, nil, container.NewVBox(
			sectionTitle("网上办理"),
			ui.Wrapped("用手机扫码，在网上申请或预约。"),
			caption(g.OnlineURL),
		))))
	}
	if rec.Link != "" || rec.Source != "" {
		body.Add(caption("出处：" + strings.TrimSpace(rec.Source+" "+rec.Link) + "（事项编码 " + rec.ID + "）"))
	}
	return container.NewVScroll(container.NewPadded(body))
}

// DaysText says the time limits the way the hall does: promised first,
// because that is what the visitor will wait.
func DaysText(legal, promised int) string {
	switch {
	case promised > 0 && legal > 0:
		return fmt.Sprintf("承诺 %d 个工作日办结（法定 %d 个工作日）", promised, legal)
	case promised > 0:
		return fmt.Sprintf("承诺 %d 个工作日办结", promised)
	case legal > 0:
		return fmt.Sprintf("法定 %d 个工作日办结", legal)
	}
	return "办事指南未注明时限"
}

func countMaterials(ms []string) int {
	n := 0
	for _, m := range ms {
		if strings.TrimSpace(m) != "" && m != "无" {
			n++
		}
	}
	return n
}

func addField(box *fyne.Container, label, value string) {
	if strings.TrimSpace(value) == "" || value == "无" {
		return
	}
	box.Add(ui.Wrapped(label + "：" + value))
}

// Getter is the part of the knowledge base a bundle needs; *localkb.KB
// satisfies it.
type Getter interface {
	Get(ctx context.Context, id string) (localkb.Record, error)
}

// ResolveSteps looks up the guide record of every step of a bundle, in
// order. Steps whose item is missing from the knowledge base are left out
// and named in the error (wrapping localkb.ErrNotFound), so the screen can
// still show the rest.
func ResolveSteps(ctx context.Context, kb Getter, b localkb.Record) ([]localkb.Record, error) {
	if b.Bundle == nil {
		return nil, fmt.Errorf("bundle %s has no steps", b.ID)
	}
	var items []localkb.Record
	var missing []string
	var errs error
	for _, s := range b.Bundle.Steps {
		r, err := kb.Get(ctx, s.ItemID)
		if err != nil {
			missing = append(missing, s.ItemID)
			errs = errors.Join(errs, err)
			continue
		}
		items = append(items, r)
	}
	if len(missing) > 0 {
		return items, fmt.Errorf("bundle %s: items %s: %w", b.ID, strings.Join(missing, ", "), errs)
	}
	return items, nil
}

// NewBundle shows a 一类事: its steps in order across departments, each
// with its note and a button to the item's full guide, then the materials
// of all steps merged into one list without duplicates. items are the
// steps' guide records (ResolveSteps); a step whose item is not among them
// is shown as not in the catalogue.
func NewBundle(nav ui.Nav, b localkb.Record, items []localkb.Record) fyne.CanvasObject {
	byID := map[string]localkb.Record{}
	for _, it := range items {
		byID[it.ID] = it
	}
	body := container.NewVBox(bigTitle(b.Title))
	if b.Body != "" {
		body.Add(ui.Wrapped(b.Body))
	}
	var ordered []localkb.Record
	var steps []localkb.BundleStep
	if b.Bundle != nil {
		steps = b.Bundle.Steps
	}
	depts := map[string]bool{}
	for _, s := range steps {
		if it, ok := byID[s.ItemID]; ok && it.Department != "" {
			depts[it.Department] = true
		}
	}
	body.Add(sectionTitle(fmt.Sprintf("办理顺序：%d 步，涉及 %d 个部门", len(steps), len(depts))))
	for i, s := range steps {
		it, ok := byID[s.ItemID]
		step := container.NewVBox()
		num := canvas.NewText(fmt.Sprintf("第 %d 步", i+1), ui.HallOrange)
		num.TextSize = ui.TextSize
		num.TextStyle.Bold = true
		if !ok {
			step.Add(num)
			step.Add(ui.Wrapped("目录中暂未找到事项 " + s.ItemID + "，请到综合窗口咨询。"))
			if s.Note != "" {
				step.Add(ui.Wrapped(s.Note))
			}
			body.Add(ui.Card(step))
			continue
		}
		ordered = append(ordered, it)
		name := widget.NewLabel(it.Title)
		name.Wrapping = fyne.TextWrapWord
		name.TextStyle.Bold = true
		step.Add(container.NewBorder(nil, nil, num, nil, name))
		meta := it.Department
		if it.Guide != nil {
			if d := DaysText(it.Guide.LegalDays, it.Guide.PromisedDays); it.Guide.PromisedDays > 0 || it.Guide.LegalDays > 0 {
				meta += " · " + d
			}
		}
		step.Add(caption(meta))
		if s.Note != "" {
			step.Add(ui.Wrapped(s.Note))
		}
		open := it
		step.Add(ui.Tall(ui.BigButton("查看办事指南", widget.HighImportance, func() {
			nav.Touch()
			nav.Push(open.Title, NewGuide(nav, open))
		})))
		body.Add(ui.Card(step))
	}
	merged := guide.MergeMaterials(ordered)
	mats := container.NewVBox(sectionTitle(fmt.Sprintf("合并后的材料清单（%d 项，重复的只列一次）", len(merged))))
	for _, m := range merged {
		row := container.NewVBox(ui.Tall(checkItem(m.Name)))
		used := "用于：" + strings.Join(m.Items, "、")
		if len(m.Variants) > 0 {
			used += "（也写作：" + strings.Join(m.Variants, "、") + "）"
		}
		row.Add(caption(used))
		mats.Add(row)
	}
	if len(merged) == 0 {
		mats.Add(ui.Wrapped("这些事项的办事指南没有列出材料，请向窗口确认。"))
	}
	body.Add(ui.Card(mats))
	return container.NewVScroll(container.NewPadded(body))
}

func bigTitle(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.TextStyle.Bold = true
	l.SizeName = theme.SizeNameHeadingText
	l.Importance = widget.HighImportance
	return l
}

func sectionTitle(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.TextStyle.Bold = true
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// Tick is one material of a checklist: a check box with a wrapping label,
// toggled by a tap anywhere on the row, because material names run long and
// a visitor's finger is wide.
type Tick struct {
	widget.BaseWidget
	Check *widget.Check
	Label *widget.Label
}

var _ fyne.Tappable = (*Tick)(nil)

// checkItem is a material the visitor can tick off while packing.
func checkItem(name string) *Tick {
	t := &Tick{Check: widget.NewCheck("", nil), Label: ui.Wrapped(name)}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *Tick) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(ui.Tall(container.NewBorder(nil, nil, t.Check, nil, t.Label)))
}

// Tapped toggles the check.
func (t *Tick) Tapped(*fyne.PointEvent) { t.Check.SetChecked(!t.Check.Checked) }

func caption(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Importance = widget.LowImportance
	return l
}

func qrImage(content string, size float32) fyne.CanvasObject {
	if strings.TrimSpace(content) == "" {
		return nil
	}
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return nil
	}
	img := canvas.NewImageFromResource(fyne.NewStaticResource("online-qr.png", png))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(size, size))
	return img
}

// SpokenGuide is the short line the digital human says over an item's guide.
func SpokenGuide(rec localkb.Record) string {
	s := rec.Title
	if rec.Department != "" {
		s += "由" + rec.Department + "办理"
	}
	if rec.Guide != nil {
		if n := countMaterials(rec.Guide.Materials); n > 0 {
			s += fmt.Sprintf("，需要准备 %d 项材料", n)
		}
		if rec.Guide.PromisedDays > 0 {
			s += fmt.Sprintf("，承诺 %d 个工作日办结", rec.Guide.PromisedDays)
		}
	}
	return s + "。详细信息在屏幕上。"
}

// SpokenBundle is the short line the digital human says over a bundle.
func SpokenBundle(b localkb.Record, items []localkb.Record) string {
	steps := 0
	if b.Bundle != nil {
		steps = len(b.Bundle.Steps)
	}
	depts := map[string]bool{}
	for _, it := range items {
		if it.Department != "" {
			depts[it.Department] = true
		}
	}
	s := fmt.Sprintf("%s一共 %d 步，涉及 %d 个部门", b.Title, steps, len(depts))
	if n := len(guide.MergeMaterials(items)); n > 0 {
		s += fmt.Sprintf("，材料合并后 %d 项", n)
	}
	return s + "，办理顺序和材料清单都在屏幕上。"
}
