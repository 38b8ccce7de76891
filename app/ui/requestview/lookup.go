package requestview

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/request"
	"xiaofu/app/ui"
)

// Lookup returns the screen to follow a ticket: the ticket number and the
// last four digits of the phone, then its timeline. Show it with
// nav.Push("查询诉求", requestview.Lookup(nav, svc)).
func Lookup(nav ui.Nav, svc Service) fyne.CanvasObject { return lookup(nav, svc, fyne.Do) }

func lookup(nav ui.Nav, svc Service, do func(func())) fyne.CanvasObject {
	ticket := widget.NewEntry()
	ticket.SetPlaceHolder("SQ20261129-0001")
	phone4 := widget.NewEntry()
	phone4.SetPlaceHolder("手机号后四位")
	tErr, pErr := errText(), errText()
	status := ui.Wrapped("")
	var find *widget.Button
	find = ui.BigButton("查询", widget.HighImportance, func() {
		nav.Touch()
		tErr.Text, pErr.Text = "", ""
		t := request.NormalizeTicket(ticket.Text)
		p := strings.TrimSpace(phone4.Text)
		if !request.ValidTicket(t) {
			tErr.Text = "工单号格式不对，应类似 SQ20261129-0001"
		}
		if !request.ValidPhone4(p) {
			pErr.Text = "请输入手机号后四位数字"
		}
		tErr.Refresh()
		pErr.Refresh()
		if tErr.Text != "" || pErr.Text != "" {
			return
		}
		status.SetText("正在查询…")
		find.Disable()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			tk, err := svc.Lookup(ctx, t, p)
			do(func() {
				find.Enable()
				if err != nil {
					status.SetText(lookupError(err))
					return
				}
				status.SetText("")
				nav.Push("诉求进度", timeline(nav, svc, tk, p, do))
			})
		}()
	})
	box := container.NewVBox(
		ui.Heading("查询诉求"),
		ui.Wrapped("请输入工单号和提交时所留手机号的后四位。"),
		widget.NewLabel("工单号"), ui.Tall(ticket), tErr,
		widget.NewLabel("手机号后四位"), ui.Tall(phone4), pErr,
		status,
		ui.Tall(find),
	)
	return container.NewVScroll(padded(box))
}

func errText() *canvas.Text {
	t := canvas.NewText("", ui.HallRed)
	t.TextSize = ui.CaptionSize
	return t
}

func lookupError(err error) string {
	switch {
	case request.IsCode(err, request.CodeNotFound):
		return "没有找到这张工单，请核对工单号和手机号后四位。"
	case errors.Is(err, request.ErrUnreachable), request.Retryable(err):
		return "暂时连不上大厅的受理系统，请稍后再查，或扫工单上的二维码用手机查看。"
	}
	return "查询没有成功，请到窗口咨询。"
}

// Timeline shows a ticket's progress with the reminder and rating actions
// its state allows, e.g. for a ticket the kiosk already fetched.
func Timeline(nav ui.Nav, svc Service, t request.Ticket, phone4 string) fyne.CanvasObject {
	return timeline(nav, svc, t, phone4, fyne.Do)
}

func timeline(nav ui.Nav, svc Service, t request.Ticket, phone4 string, do func(func())) fyne.CanvasObject {
	holder := container.NewStack()
	var render func(t request.Ticket)
	render = func(t request.Ticket) {
		holder.Objects = []fyne.CanvasObject{timelineBody(nav, svc, t, phone4, do, render)}
		holder.Refresh()
	}
	render(t)
	return container.NewVScroll(padded(holder))
}

var stateOrder = []string{request.StateReceived, request.StateAssigned, request.StateInProgress, request.StateResolved}

func timelineBody(nav ui.Nav, svc Service, t request.Ticket, phone4 string, do func(func()), render func(request.Ticket)) fyne.CanvasObject {
	head := container.NewHBox(ui.Badge(request.StateLabel(t.State), stateColor(t)))
	if t.Overdue {
		head.Add(ui.Badge("已超期", ui.HallRed))
	}
	box := container.NewVBox(
		ui.Heading("诉求进度"),
		bigMono(t.Ticket, ui.HallNavy, 44),
		head,
		ui.Wrapped("承办部门："+strings.Join(t.Departments, "、")),
	)
	if !t.DueAt.IsZero() {
		box.Add(ui.Wrapped("承诺办理期限：" + t.DueAt.Local().Format("2006年1月2日 15:04")))
	}
	// The timeline: what happened, then the steps still to come, greyed.
	steps := container.NewVBox()
	reached := map[string]bool{}
	for _, e := range t.Events {
		reached[e.State] = true
		steps.Add(step(true, request.StateLabel(e.State), e.At.Local().Format("01-02 15:04"), e.Note))
	}
	for _, s := range stateOrder {
		if !reached[s] {
			steps.Add(step(false, request.StateLabel(s), "", ""))
		}
	}
	box.Add(ui.Card(steps))
	status := ui.Wrapped("")
	switch {
	case t.State == request.StateResolved && t.Rating == nil:
		box.Add(rating(nav, svc, t, phone4, do, render, status))
	case t.Rating != nil:
		box.Add(ui.Card(container.NewVBox(caption("您的评价"),
			ui.Wrapped(strings.Repeat("★", t.Rating.Score)+strings.Repeat("☆", 5-t.Rating.Score)+"  "+t.Rating.Comment))))
	case t.Overdue:
		var remind *widget.Button
		remind = ui.BigButton("催办", widget.HighImportance, func() {
			nav.Touch()
			remind.Disable()
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				nt, err := svc.Remind(ctx, t.Ticket, phone4)
				do(func() {
					if err != nil {
						remind.Enable()
						status.SetText(actionError(err))
						return
					}
					nav.Say("已为您催办，承办部门会尽快处理。")
					render(nt)
				})
			}()
		})
		box.Add(ui.Wrapped("这张工单已超过承诺期限，您可以催办。"))
		box.Add(ui.Tall(remind))
	}
	if t.Reminders > 0 {
		box.Add(ui.Wrapped(fmt.Sprintf("已催办 %d 次。", t.Reminders)))
	}
	box.Add(status)
	box.Add(ui.Tall(ui.BigButton("返回首页", widget.MediumImportance, func() { nav.Home() })))
	return box
}

func actionError(err error) string {
	switch {
	case request.IsCode(err, request.CodeNotOverdue):
		return "还没有超过承诺期限，暂时不能催办。"
	case request.IsCode(err, request.CodeAlreadyResolved):
		return "这张工单已经办结。"
	case request.IsCode(err, request.CodeNotResolved):
		return "办结后才能评价。"
	case request.IsCode(err, request.CodeAlreadyRated):
		return "这张工单已经评价过了。"
	case request.Retryable(err):
		return "暂时连不上大厅的受理系统，请稍后再试。"
	}
	var fe *request.FieldError
	if errors.As(err, &fe) {
		return fe.Message
	}
	return "没有成功，请到窗口咨询。"
}

func stateColor(t request.Ticket) color.Color {
	switch {
	case t.State == request.StateResolved:
		return ui.HallGreen
	case t.Overdue:
		return ui.HallOrange
	}
	return ui.HallBlue
}

// step is one line of the timeline: a dot, the state, when, and the note.
func step(done bool, label, at, note string) fyne.CanvasObject {
	c := color.Color(ui.HallBlue)
	if !done {
		c = color.NRGBA{R: 0xCB, G: 0xD5, B: 0xE4, A: 0xFF}
	}
	dot := canvas.NewCircle(c)
	dotBox := container.New(layout.NewCustomPaddedLayout(14, 14, 0, 12), container.NewGridWrap(fyne.NewSize(24, 24), dot))
	title := canvas.NewText(label, ui.HallInk)
	if !done {
		title.Color = ui.HallMuted
	}
	title.TextSize = ui.TextSize
	title.TextStyle.Bold = true
	right := container.NewVBox(container.NewHBox(title, layout.NewSpacer(), caption(at)))
	if note != "" {
		right.Add(ui.Wrapped(note))
	}
	return container.NewBorder(nil, nil, container.NewVBox(dotBox), nil, right)
}

func rating(nav ui.Nav, svc Service, t request.Ticket, phone4 string, do func(func()), render func(request.Ticket), status *widget.Label) fyne.CanvasObject {
	score := 0
	stars := make([]*widget.Button, 5)
	comment := widget.NewMultiLineEntry()
	comment.Wrapping = fyne.TextWrapWord
	comment.SetPlaceHolder("说说办理得怎么样（可不填）")
	comment.SetMinRowsVisible(3)
	row := container.NewGridWithColumns(5)
	for i := range stars {
		n := i + 1
		stars[i] = ui.BigButton(fmt.Sprintf("%d 星", n), widget.MediumImportance, func() {
			nav.Touch()
			status.SetText("")
			score = n
			for j, b := range stars {
				if j < n {
					b.Importance = widget.WarningImportance
				} else {
					b.Importance = widget.MediumImportance
				}
				b.Refresh()
			}
		})
		row.Add(ui.Tall(stars[i]))
	}
	var send *widget.Button
	send = ui.BigButton("提交评价", widget.HighImportance, func() {
		nav.Touch()
		if err := request.ValidateRating(score, comment.Text); err != nil {
			status.SetText(actionError(err))
			return
		}
		send.Disable()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			nt, err := svc.Rate(ctx, t.Ticket, phone4, score, comment.Text)
			do(func() {
				if err != nil {
					send.Enable()
					status.SetText(actionError(err))
					return
				}
				nav.Celebrate()
				nav.Say("谢谢您的评价。")
				render(nt)
			})
		}()
	})
	// White buttons on the white card would vanish: give the row a tint.
	tint := canvas.NewRectangle(ui.HallSky)
	tint.CornerRadius = ui.CornerRadius
	return ui.Card(container.NewVBox(
		caption("已办结，请为办理结果打分"),
		container.NewStack(tint, container.NewPadded(row)),
		ui.Tall(comment),
		ui.Tall(send),
	))
}
