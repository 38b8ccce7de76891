package policyview

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/policy"
	"xiaofu/app/ui"
)

// NewResult shows a match result best value first: policies that can be
// applied for, those one or two conditions short (with what would meet
// them), and those still waiting on answers, every condition with its
// reason and the sentence it came from; share is put into the QR code.
func NewResult(nav ui.Nav, res policy.Result, share string) fyne.CanvasObject {
	body := container.NewVBox()
	total := 0.0
	for _, m := range res.Met {
		total += m.MaxWan
	}
	head := fmt.Sprintf("可以申请 %d 项 · 差一点 %d 项 · 待确认 %d 项", len(res.Met), len(res.Nearly), len(res.Open))
	body.Add(ui.Heading(head))
	if total > 0 {
		body.Add(ui.Wrapped(fmt.Sprintf("可申请政策的资金最高合计约 %s 万元（以各政策当年申报指南为准）。", trimNum(total))))
	}
	section := func(name string, c color.Color, list []policy.PolicyMatch, lines func(policy.PolicyMatch) []fyne.CanvasObject) {
		if len(list) == 0 {
			return
		}
		t := canvas.NewText(name, c)
		t.TextSize = 32
		t.TextStyle.Bold = true
		body.Add(t)
		for _, m := range list {
			body.Add(policyCard(m, c, lines(m)))
		}
	}
	section("可以申请", ui.HallGreen, res.Met, func(m policy.PolicyMatch) []fyne.CanvasObject {
		return conditionLines(m.Lines, func(l policy.Line) bool { return true })
	})
	section("差一点", ui.HallOrange, res.Nearly, func(m policy.PolicyMatch) []fyne.CanvasObject {
		return conditionLines(m.Lines, func(l policy.Line) bool { return l.Status != policy.StatusMet })
	})
	section("还需确认", ui.HallBlue, res.Open, func(m policy.PolicyMatch) []fyne.CanvasObject {
		return conditionLines(m.Lines, func(l policy.Line) bool { return l.Status == policy.StatusUnknown })
	})
	if len(res.Met)+len(res.Nearly)+len(res.Open) == 0 {
		body.Add(ui.Wrapped("暂时没有找到符合条件的政策。可以到政策兑现窗口请工作人员帮您看看。"))
	}
	if len(res.Open) > 0 {
		body.Add(ui.Tall(ui.BigButton("继续回答问题", widget.MediumImportance, func() { nav.Touch(); nav.Back() })))
	}
	bottom := container.NewBorder(nil, nil, nil, nil)
	if qr := qrImage(share); qr != nil {
		bottom = container.NewPadded(ui.Card(container.NewBorder(nil, nil, qr, nil,
			container.NewVBox(title("发送到手机"), ui.Wrapped("用手机扫码，把这份结果带走。")))))
	}
	return container.NewBorder(nil, bottom, nil, nil, container.NewVScroll(container.NewPadded(body)))
}

func policyCard(m policy.PolicyMatch, accent color.Color, lines []fyne.CanvasObject) fyne.CanvasObject {
	name := widget.NewLabel(m.Title)
	name.Wrapping = fyne.TextWrapWord
	name.TextStyle.Bold = true
	name.SizeName = theme.SizeNameSubHeadingText
	var meta []fyne.CanvasObject
	if m.Benefit != "" {
		meta = append(meta, ui.Badge(m.Benefit, accent))
	}
	if m.Level != "" {
		meta = append(meta, ui.Badge(m.Level+"级", ui.HallMuted))
	}
	box := container.NewVBox(name, container.New(layout.NewRowWrapLayout(), meta...), ui.Wrapped(m.Reason))
	for _, l := range lines {
		box.Add(l)
	}
	if m.Issuer != "" {
		box.Add(caption("发布：" + m.Issuer + " " + m.Link))
	}
	return ui.Card(box)
}

var statusMark = map[policy.Status]string{
	policy.StatusMet: "✓", policy.StatusFailed: "✗", policy.StatusUnknown: "?", policy.StatusManual: "☐",
}

func conditionLines(lines []policy.Line, keep func(policy.Line) bool) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, l := range lines {
		if !keep(l) {
			continue
		}
		text := statusMark[l.Status] + " " + l.Text + " —— " + l.Reason
		row := container.NewVBox(ui.Wrapped(text))
		if l.Hint != "" && l.Status != policy.StatusMet {
			h := ui.Wrapped("怎样满足：" + l.Hint)
			h.Importance = widget.WarningImportance
			row.Add(h)
		}
		if l.Source != "" {
			row.Add(caption("来源：" + l.Source))
		}
		out = append(out, row)
	}
	return out
}

// caption is small muted text that wraps, for sources and issuers.
func caption(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Importance = widget.LowImportance
	return l
}

// qrImage renders content as a QR code image, or nil when it is empty or
// too long to encode.
func qrImage(content string) fyne.CanvasObject {
	if content == "" {
		return nil
	}
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return nil
	}
	img := canvas.NewImageFromResource(fyne.NewStaticResource("result-qr.png", png))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(220, 220))
	return img
}
