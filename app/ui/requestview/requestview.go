// Package requestview is the kiosk's request (诉求) screens: describe the
// problem, confirm or correct how it was split and routed, give only the
// contact details still missing, and get a ticket with a QR code — or, with
// the network down, the promise that it will be sent. Lookup is the screen
// to follow a ticket: its timeline, a reminder when overdue and a rating
// when resolved.
//
// Screens run the request.Service off the Fyne goroutine and come back with
// fyne.Do; they move on with ui.Nav.Push.
package requestview

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/request"
	"xiaofu/app/ui"
)

// Service is what the screens need; *request.Service implements it.
type Service interface {
	Route(ctx context.Context, text string) (request.Routing, error)
	Missing(d request.Draft) []string
	Submit(ctx context.Context, d *request.Draft) (request.Receipt, error)
	Lookup(ctx context.Context, ticket, phone4 string) (request.Ticket, error)
	Remind(ctx context.Context, ticket, phone4 string) (request.Ticket, error)
	Rate(ctx context.Context, ticket, phone4 string, score int, comment string) (request.Ticket, error)
	Departments() []string
}

var _ Service = (*request.Service)(nil)

// Texts the visitor sees and hears; tests look for them.
const (
	TextQueued    = "已保存，网络恢复后会自动提交"
	TextPrivacy   = "我们只保存办理这件诉求需要的信息：电话用于回访和查询进度，企业名称和地点用于办理。信息只交给承办部门，不用于其他用途，办结后按档案规定保存。"
	TextRouting   = "正在理解您的诉求…"
	TextSubmiting = "正在提交…"
)

// Flow is the describe → confirm → contact → ticket sequence. It is the
// describe screen itself (a fyne.Widget) and pushes the later screens.
type Flow struct {
	widget.BaseWidget

	nav ui.Nav
	svc Service
	do  func(func())

	entry  *widget.Entry
	status *widget.Label
	next   *widget.Button
	root   fyne.CanvasObject

	draft request.Draft
	rt    request.Routing
}

var _ fyne.Widget = (*Flow)(nil)

// New returns the describe screen of a new request; show it with
// nav.Push("提交诉求", requestview.New(nav, svc)). Call on the Fyne goroutine.
func New(nav ui.Nav, svc Service) *Flow { return newFlow(nav, svc, fyne.Do) }

func newFlow(nav ui.Nav, svc Service, do func(func())) *Flow {
	f := &Flow{nav: nav, svc: svc, do: do}
	f.entry = widget.NewMultiLineEntry()
	f.entry.Wrapping = fyne.TextWrapWord
	f.entry.SetMinRowsVisible(6)
	f.entry.SetPlaceHolder("例如：公司门口的人行道破了个洞")
	f.entry.OnChanged = func(string) { f.nav.Touch() }
	f.status = ui.Wrapped("")
	f.next = ui.BigButton("下一步", widget.HighImportance, f.routeTapped)
	examples := container.NewVBox()
	for _, ex := range []string{"公司门口的人行道破了个洞", "我们急需一笔融资，还想问问人才公寓"} {
		ex := ex
		examples.Add(ui.Tall(ui.BigButton("例："+ex, widget.MediumImportance, func() { f.SetDescription(ex) })))
	}
	f.root = container.NewVBox(
		ui.Heading("提交诉求"),
		ui.Wrapped("说一说或写一写您遇到的问题，小服帮您分给负责的部门，并给您一个工单号跟踪进度。"),
		ui.Card(f.entry),
		examples,
		f.status,
		ui.Tall(f.next),
		ui.Tall(ui.BigButton("查询已提交的诉求", widget.MediumImportance, func() {
			f.nav.Push("查询诉求", lookup(f.nav, f.svc, f.do))
		})),
	)
	f.ExtendBaseWidget(f)
	return f
}

// CreateRenderer implements fyne.Widget.
func (f *Flow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewVScroll(padded(f.root)))
}

// SetDescription puts text into the description, e.g. the final transcript
// of what the visitor said. Call on the Fyne goroutine.
func (f *Flow) SetDescription(text string) {
	f.entry.SetText(text)
	f.status.SetText("")
}

// Description is what the description box holds.
func (f *Flow) Description() string { return f.entry.Text }

func padded(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(layout.NewCustomPaddedLayout(24, 24, 32, 32), o)
}

func (f *Flow) routeTapped() {
	f.nav.Touch()
	text := request.CleanText(f.entry.Text)
	if text == "" {
		f.status.SetText("请先说一说或写一写您的诉求。")
		return
	}
	if n := utf8.RuneCountInString(text); n > request.MaxDescriptionRunes {
		f.status.SetText(fmt.Sprintf("描述有 %d 字，请精简到 %d 字以内。", n, request.MaxDescriptionRunes))
		return
	}
	f.status.SetText(TextRouting)
	f.next.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		rt, err := f.svc.Route(ctx, text)
		f.do(func() {
			f.next.Enable()
			if err != nil {
				f.status.SetText("没能理解这段描述，请换个说法再试。")
				return
			}
			f.status.SetText("")
			f.draft = request.Draft{Description: text, Kind: rt.Kind, Contact: f.draft.Contact, Pictures: f.draft.Pictures}
			f.rt = rt
			f.nav.Push("确认诉求", f.confirmScreen())
		})
	}()
}

// AddPicture attaches a photo (e.g. from the picture screen) to the request;
// a picture that is too large or not a JPEG/PNG is refused with the reason.
func (f *Flow) AddPicture(data []byte) error {
	ct, err := request.SniffPicture(data)
	if err != nil {
		return err
	}
	if len(f.draft.Pictures) >= request.MaxPictures {
		return &request.FieldError{Field: "picture", Message: fmt.Sprintf("最多 %d 张图片", request.MaxPictures)}
	}
	f.draft.Pictures = append(f.draft.Pictures, request.Picture{Type: ct, Data: data})
	return nil
}

func (f *Flow) confirmScreen() fyne.CanvasObject {
	holder := container.NewStack()
	var render func()
	render = func() {
		holder.Objects = []fyne.CanvasObject{f.confirmBody(render)}
		holder.Refresh()
	}
	render()
	return container.NewVScroll(padded(holder))
}

// confirmBody lists the routed items; rerender redraws it after an item is
// removed.
func (f *Flow) confirmBody(rerender func()) fyne.CanvasObject {
	items := container.NewVBox()
	depts := f.svc.Departments()
	for i, it := range f.rt.Items {
		i := i
		reason := ui.Wrapped("原因：" + it.Reason)
		reason.Importance = widget.LowImportance
		sel := widget.NewSelect(depts, func(d string) {
			f.nav.Touch()
			if d != f.rt.Items[i].Department {
				f.rt.Items[i].Department = d
				f.rt.Items[i].Reason = "由您选择"
				reason.SetText("原因：由您选择")
			}
		})
		sel.SetSelected(it.Department)
		card := container.NewVBox(
			caption(fmt.Sprintf("第 %d 项", i+1)),
			ui.Wrapped(it.Text),
			container.NewBorder(nil, nil, container.NewCenter(widget.NewLabel("转交")), nil, ui.Tall(sel)),
			reason,
		)
		if len(f.rt.Items) > 1 {
			card.Add(ui.Tall(ui.BigButton("不需要这一项", widget.LowImportance, func() {
				f.nav.Touch()
				f.rt.Items = append(f.rt.Items[:i:i], f.rt.Items[i+1:]...)
				rerender()
			})))
		}
		items.Add(ui.Card(card))
	}
	head := []fyne.CanvasObject{
		ui.Heading("请确认诉求"),
		ui.Wrapped(fmt.Sprintf("小服把您的诉求分成了 %d 项。部门不对可以点开更改。", len(f.rt.Items))),
	}
	if f.rt.Source == request.SourceOffline {
		head = append(head, container.NewHBox(ui.Badge("本机分派", ui.HallOrange)),
			ui.Wrapped("现在由本机分派，工作人员收到后会再核对一次。"))
	}
	box := container.NewVBox(head...)
	box.Add(items)
	box.Add(ui.Tall(ui.BigButton("确认，下一步", widget.HighImportance, func() {
		f.nav.Touch()
		f.draft.Items = f.draft.Items[:0]
		for _, it := range f.rt.Items {
			f.draft.Items = append(f.draft.Items, it.Item)
		}
		f.nav.Push("联系方式", f.contactScreen())
	})))
	box.Add(ui.Tall(ui.BigButton("重新描述", widget.MediumImportance, func() { f.nav.Back() })))
	return box
}

func caption(s string) *canvas.Text {
	t := canvas.NewText(s, ui.HallMuted)
	t.TextSize = ui.CaptionSize
	return t
}

// field is one input of the contact form with its error line.
type field struct {
	name  string
	entry *widget.Entry
	err   *canvas.Text
}

func newField(name, placeholder string) *field {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	t := canvas.NewText("", ui.HallRed)
	t.TextSize = ui.CaptionSize
	return &field{name: name, entry: e, err: t}
}

func (fl *field) object(label string) fyne.CanvasObject {
	return container.NewVBox(widget.NewLabel(label), ui.Tall(fl.entry), fl.err)
}

func (fl *field) setErr(s string) {
	fl.err.Text = s
	fl.err.Refresh()
}

func (f *Flow) contactScreen() fyne.CanvasObject {
	missing := f.svc.Missing(f.draft)
	fields := map[string]*field{}
	form := container.NewVBox()
	for _, m := range missing {
		var fl *field
		switch m {
		case request.FieldPhone:
			fl = newField(m, "手机号或带区号的座机，如 0516-87716305")
			form.Add(fl.object("联系电话（必填）"))
		case request.FieldCompany:
			fl = newField(m, "营业执照上的名称")
			form.Add(fl.object("企业名称"))
		case request.FieldLocation:
			fl = newField(m, "例如：山水大道5号门口")
			form.Add(fl.object("问题所在地点"))
		default:
			continue
		}
		fields[m] = fl
	}
	status := ui.Wrapped("")
	var submit *widget.Button
	submit = ui.BigButton("提交", widget.HighImportance, func() {
		f.nav.Touch()
		ok := true
		for name, fl := range fields {
			fl.setErr("")
			v := strings.TrimSpace(fl.entry.Text)
			switch name {
			case request.FieldPhone:
				if _, good := request.NormalizePhone(v); !good {
					fl.setErr("请填写 11 位手机号，或带区号的座机号")
					ok = false
				}
				f.draft.Contact.Phone = v
			case request.FieldCompany:
				if v == "" {
					fl.setErr("请填写企业名称，承办部门需要据此办理")
					ok = false
				}
				f.draft.Contact.Company = v
			case request.FieldLocation:
				if v == "" {
					fl.setErr("请告诉我们问题在哪里")
					ok = false
				}
				f.draft.Contact.Location = v
			}
		}
		if !ok {
			return
		}
		status.SetText(TextSubmiting)
		submit.Disable()
		draft := f.draft
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rc, err := f.svc.Submit(ctx, &draft)
			f.do(func() {
				submit.Enable()
				f.draft.Key = draft.Key // a second tap re-sends the same request
				var fe *request.FieldError
				switch {
				case errors.As(err, &fe):
					if fl, ok := fields[fe.Field]; ok {
						fl.setErr(fe.Message)
						status.SetText("")
					} else {
						status.SetText(fe.Message)
					}
				case err != nil:
					status.SetText("提交没有成功，请稍后再试或到窗口咨询。")
					f.nav.Sorry()
				default:
					status.SetText("")
					f.showReceipt(rc)
				}
			})
		}()
	})
	box := container.NewVBox(
		ui.Heading("联系方式"),
		ui.Wrapped("只需要补充下面几项，方便承办部门联系您。"),
		form,
		ui.Card(container.NewVBox(caption("个人信息说明"), ui.Wrapped(TextPrivacy))),
		status,
		ui.Tall(submit),
	)
	return container.NewVScroll(padded(box))
}

func (f *Flow) showReceipt(rc request.Receipt) {
	if rc.Queued {
		f.nav.Say(TextQueued)
		f.nav.Push("已保存", queuedScreen(f.nav, rc))
		return
	}
	f.nav.Celebrate()
	f.nav.Say("提交成功，您的工单号是 " + spaced(rc.Ticket))
	f.nav.Push("提交成功", ticketScreen(f.nav, rc))
}

// spaced reads a ticket number digit by digit.
func spaced(s string) string { return strings.Join(strings.Split(s, ""), " ") }

func qrImage(content string, size float32) fyne.CanvasObject {
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return widget.NewLabel(content)
	}
	img := canvas.NewImageFromResource(fyne.NewStaticResource("ticket-qr.png", png))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(size, size))
	return img
}

func bigMono(s string, c color.Color, size float32) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Monospace = true
	t.TextStyle.Bold = true
	t.Alignment = fyne.TextAlignCenter
	return t
}

func ticketScreen(nav ui.Nav, rc request.Receipt) fyne.CanvasObject {
	qr := rc.TrackURL
	if qr == "" {
		qr = rc.Ticket
	}
	due := ""
	if !rc.DueAt.IsZero() {
		due = "承诺办理期限：" + rc.DueAt.Local().Format("2006年1月2日 15:04")
	}
	box := container.NewVBox(
		ui.Heading("提交成功"),
		ui.Wrapped("请记下工单号，或用手机扫码随时查看进度。"),
		ui.Card(container.NewVBox(
			caption("工单号"),
			bigMono(rc.Ticket, ui.HallNavy, 56),
			container.NewCenter(qrImage(qr, 420)),
			ui.Wrapped("在本机查询时，请输入工单号和手机号后四位 "+rc.Phone4+"。"),
			ui.Wrapped(due),
		)),
		ui.Tall(ui.BigButton("完成", widget.HighImportance, func() { nav.Home() })),
	)
	return container.NewVScroll(padded(box))
}

func queuedScreen(nav ui.Nav, rc request.Receipt) fyne.CanvasObject {
	box := container.NewVBox(
		ui.Heading(TextQueued),
		container.NewHBox(ui.Badge("离线", ui.HallOrange)),
		ui.Card(container.NewVBox(
			caption("本机编号"),
			bigMono(rc.LocalRef, ui.HallNavy, 48),
			ui.Wrapped("现在连不上大厅的受理系统。您的诉求已经保存在本机。网络恢复后本机会自动提交，不会丢失，也不会重复提交。"),
			ui.Wrapped("受理后工单号会以短信发到您留的电话；之后可在本机用工单号和手机号后四位 "+rc.Phone4+" 查询。"),
		)),
		ui.Tall(ui.BigButton("完成", widget.HighImportance, func() { nav.Home() })),
	)
	return container.NewVScroll(padded(box))
}
