// Package pictureview is the screen where a visitor gives the kiosk a
// picture: a QR code for the one-time upload page (or the kiosk's camera),
// a wait, the picture received, and what the vision model read from it in
// editable fields to confirm (确认) or to take again (重拍).
//
// The screen owns its upload link: it opens one when shown, opens a fresh one
// on 重拍 and ends it (wiping the picture) when its context is cancelled or
// Close is called, which the kiosk does when the visit ends.
package pictureview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/picture"
	"xiaofu/app/ui"
)

// Mode is what the screen asks for and reads.
type Mode int

// The modes: a business licence for the enterprise profile, or any photo (a
// problem to report, a notice to ask about).
const (
	Licence Mode = iota
	Photo
)

// Slot is one upload link; *picture.Session implements it.
type Slot interface {
	URL() string
	Expires() time.Time
	Pictures() <-chan picture.Picture
	Offer(data []byte, src picture.Source) error
	End()
}

// Camera takes a still; *picture.Camera implements it.
type Camera interface {
	Capture(ctx context.Context) ([]byte, error)
}

// Result is what the visitor confirmed. Licence is set in Licence mode, Scene
// in Photo mode. Picture is valid until the screen is closed (its bytes are
// then zeroed): copy Picture.JPEG to keep it, e.g. as a request's attachment.
type Result struct {
	Mode    Mode
	Licence picture.Licence
	Scene   picture.Scene
	Picture picture.Picture
}

// Config wires the screen.
type Config struct {
	Nav  ui.Nav
	Mode Mode
	// Open opens a new upload link, e.g.
	//   func() (pictureview.Slot, error) { return server.NewSession() }
	Open func() (Slot, error)
	// Camera is the kiosk's camera; nil hides the camera button.
	Camera Camera
	// Vision reads the picture; nil (offline) leaves the fields empty for
	// the visitor to type from the picture.
	Vision picture.Vision
	// OnConfirm receives the confirmed result on the Fyne goroutine.
	OnConfirm func(Result)
	// Logger; nil discards.
	Logger *slog.Logger
}

// View is the picture screen. Create it with New and show it with
// Nav.Push; it is a fyne.Widget.
type View struct {
	widget.BaseWidget

	cfg    Config
	log    *slog.Logger
	do     func(func())
	ctx    context.Context
	cancel context.CancelFunc
	root   *fyne.Container

	// Touched only on the Fyne goroutine.
	slot      Slot
	gen       int // bumped on every retake so late results are dropped
	stepStop  context.CancelFunc
	pic       picture.Picture
	kind      picture.SceneKind
	rows      []*fieldRow
	warned    bool
	spin      *widget.Activity // animates only while waiting
	closeOnce sync.Once
}

var _ fyne.Widget = (*View)(nil)

// New builds the screen and opens the first upload link. ctx is the visit:
// when it is cancelled the link ends and the picture is wiped. Call on the
// Fyne goroutine.
func New(ctx context.Context, cfg Config) *View {
	return newView(ctx, cfg, fyne.Do)
}

func newView(ctx context.Context, cfg Config, do func(func())) *View {
	// picture.FindCamera returns a nil *Camera when there is none; stored
	// straight into the interface it would show a button that panics.
	if c, ok := cfg.Camera.(*picture.Camera); ok && c == nil {
		cfg.Camera = nil
	}
	v := &View{cfg: cfg, do: do, root: container.NewStack()}
	v.log = cfg.Logger
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	v.ctx, v.cancel = context.WithCancel(ctx)
	v.ExtendBaseWidget(v)
	v.openSlot()
	go func() {
		<-v.ctx.Done()
		v.do(v.Close)
	}()
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *View) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(v.root)
}

// Close ends the upload link, wipes the picture and stops waiting. Safe to
// call more than once; call on the Fyne goroutine.
func (v *View) Close() {
	v.closeOnce.Do(func() {
		v.cancel()
		v.gen++
		v.endSlot()
		v.pic = picture.Picture{}
		v.rows = nil
		// Drop the thumbnail and the typed fields with the picture.
		v.setContent(widget.NewLabel(""))
	})
}

func (v *View) endSlot() {
	if v.stepStop != nil {
		v.stepStop()
		v.stepStop = nil
	}
	if v.slot != nil {
		v.slot.End()
		v.slot = nil
	}
}

func (v *View) setContent(o fyne.CanvasObject) {
	if v.spin != nil {
		v.spin.Stop() // an animation left running costs CPU the avatar needs
		v.spin = nil
	}
	v.root.Objects = []fyne.CanvasObject{o}
	v.root.Refresh()
}

func (v *View) touch() {
	if v.cfg.Nav != nil {
		v.cfg.Nav.Touch()
	}
}

func (v *View) say(s string) {
	if v.cfg.Nav != nil {
		v.cfg.Nav.Say(s)
	}
}

// openSlot ends the current link, opens a new one and waits on it.
func (v *View) openSlot() {
	v.endSlot()
	v.gen++
	v.warned = false
	if v.ctx.Err() != nil {
		return
	}
	if v.cfg.Open == nil {
		v.showWaiting(nil, errors.New("no upload server"))
		return
	}
	slot, err := v.cfg.Open()
	if err != nil {
		v.log.Warn("open upload link", "err", err)
		v.showWaiting(nil, err)
		return
	}
	v.slot = slot
	ctx, stop := context.WithCancel(v.ctx)
	v.stepStop = stop
	v.showWaiting(slot, nil)
	gen := v.gen
	go v.wait(ctx, gen, slot)
}

// wait receives the picture, has it read and hands both to the screen.
func (v *View) wait(ctx context.Context, gen int, slot Slot) {
	var pic picture.Picture
	select {
	case p, ok := <-slot.Pictures():
		if !ok {
			v.do(func() {
				if v.gen == gen {
					v.showExpired()
				}
			})
			return
		}
		pic = p
	case <-ctx.Done():
		return
	}
	thumb, _ := jpeg.Decode(bytes.NewReader(pic.JPEG))
	v.do(func() {
		if v.gen == gen {
			v.pic = pic
			v.showReading(thumb)
		}
	})
	if v.cfg.Vision == nil {
		v.do(func() {
			if v.gen == gen {
				v.showConfirm(thumb, v.emptyFields(), false, "现在无法自动识别，请对照图片手动填写。")
			}
		})
		return
	}
	var fields []picture.Field
	var kind picture.SceneKind
	var err error
	start := time.Now()
	switch v.cfg.Mode {
	case Licence:
		var l picture.Licence
		l, err = picture.ReadLicence(ctx, v.cfg.Vision, pic)
		fields = l.Fields()
	default:
		var s picture.Scene
		s, err = picture.ReadScene(ctx, v.cfg.Vision, pic)
		fields, kind = s.Fields(), s.Kind
	}
	if ctx.Err() != nil {
		return
	}
	v.log.Info("picture read", "mode", int(v.cfg.Mode), "ms", time.Since(start).Milliseconds(), "err", err)
	v.do(func() {
		if v.gen != gen {
			return
		}
		if err != nil {
			v.showReadError(thumb, err)
			return
		}
		v.kind = kind
		v.showConfirm(thumb, fields, true, "以下内容由机器从图片中识别，可能有误。请逐项核对，点输入框可以修改。")
	})
}

func (v *View) emptyFields() []picture.Field {
	if v.cfg.Mode == Licence {
		return picture.Licence{}.Fields()
	}
	return picture.Scene{}.Fields()
}

func (v *View) title() string {
	if v.cfg.Mode == Licence {
		return "用手机扫码上传营业执照"
	}
	return "用手机扫码上传照片"
}

// qrSide is the QR code's size on screen: big enough to scan from a phone
// held at arm's length in front of a portrait kiosk.
const qrSide = 640

func (v *View) showWaiting(slot Slot, openErr error) {
	head := ui.Heading(v.title())
	head.Alignment = fyne.TextAlignCenter
	items := []fyne.CanvasObject{head}
	var spin *widget.Activity
	if slot != nil {
		q, err := qrcode.New(slot.URL(), qrcode.Medium)
		if err == nil {
			img := canvas.NewImageFromImage(q.Image(qrSide))
			img.FillMode = canvas.ImageFillContain
			img.ScaleMode = canvas.ImageScalePixels
			img.SetMinSize(fyne.NewSize(qrSide, qrSide))
			items = append(items, container.NewCenter(ui.Card(img)))
		}
		mins := int(time.Until(slot.Expires()).Round(time.Minute).Minutes())
		steps := "① 手机连接大厅的无线网络（WiFi）\n② 用手机相机或微信“扫一扫”扫描上方二维码\n③ 在打开的页面里拍照，或从相册选择一张图片"
		if v.cfg.Mode == Licence {
			steps += "\n拍营业执照时请拍全四个角，避免反光。"
		}
		waiting := widget.NewLabel("正在等待手机上传……")
		waiting.Importance = widget.HighImportance
		spin = widget.NewActivity()
		items = append(items,
			ui.Card(ui.Wrapped(steps)),
			container.NewCenter(container.NewHBox(spin, waiting)),
			caption(fmt.Sprintf("二维码只能上传一张图片，%d 分钟内有效。图片只用于本次办事，您离开后自动删除。", max(mins, 1))),
		)
	} else {
		items = append(items, statusLine("扫码上传暂时不可用。", widget.WarningImportance))
	}
	if v.cfg.Camera != nil {
		items = append(items, ui.Tall(ui.BigButton("用一体机摄像头拍照", widget.MediumImportance, v.capture)))
	}
	v.setContent(container.NewVScroll(container.NewPadded(container.NewVBox(items...))))
	if spin != nil {
		v.spin = spin
		spin.Start()
	}
}

func (v *View) showExpired() {
	v.setContent(container.NewPadded(container.NewVBox(
		ui.Heading("二维码已过期"),
		ui.Wrapped("为了安全，上传二维码只在一段时间内有效。需要上传图片请刷新二维码。"),
		ui.Tall(ui.BigButton("刷新二维码", widget.HighImportance, func() { v.touch(); v.openSlot() })),
	)))
}

// capture takes a picture with the kiosk's camera and offers it to the
// open link, so it arrives like a phone upload.
func (v *View) capture() {
	v.touch()
	slot := v.slot
	if slot == nil || v.cfg.Camera == nil {
		return
	}
	v.say("请把图片对准屏幕上方的摄像头，保持不动。")
	gen := v.gen
	go func() {
		data, err := v.cfg.Camera.Capture(v.ctx)
		if err == nil {
			err = slot.Offer(data, picture.FromCamera)
		}
		if err != nil {
			v.log.Warn("camera capture", "err", err)
			v.do(func() {
				if v.gen == gen {
					v.say("摄像头没有拍好，请用手机扫码上传。")
				}
			})
		}
	}()
}

func (v *View) showReading(thumb image.Image) {
	v.say("收到图片了，我看一下。")
	v.setContent(container.NewBorder(
		container.NewPadded(ui.Heading("已收到图片")),
		container.NewPadded(ui.Tall(ui.BigButton("重拍", widget.MediumImportance, v.retake))),
		nil, nil,
		container.NewPadded(container.NewVBox(
			thumbnail(thumb, 720),
			statusLine("正在识别图片内容，请稍候……", widget.HighImportance),
		)),
	))
}

func (v *View) showReadError(thumb image.Image, err error) {
	msg := "没有看清这张图片的内容。请重拍，注意对准、避免反光。"
	switch {
	case errors.Is(err, picture.ErrNotLicence):
		msg = "这张图片看起来不是营业执照。请拍摄营业执照的正本或副本。"
	case errors.Is(err, picture.ErrBadReply), errors.Is(err, picture.ErrEchoedInstructions):
	default:
		msg = "图片识别服务暂时不可用。您可以对照图片手动填写，或稍后重拍。"
	}
	if v.cfg.Nav != nil {
		v.cfg.Nav.Sorry()
	}
	v.say(msg)
	buttons := container.NewGridWithColumns(2,
		ui.Tall(ui.BigButton("重拍", widget.MediumImportance, v.retake)),
		ui.Tall(ui.BigButton("手动填写", widget.HighImportance, func() {
			v.touch()
			v.showConfirm(thumb, v.emptyFields(), false, "请对照图片填写。")
		})),
	)
	v.setContent(container.NewBorder(
		container.NewPadded(ui.Heading("没能识别")),
		container.NewPadded(buttons), nil, nil,
		container.NewPadded(container.NewVBox(thumbnail(thumb, 640), statusLine(msg, widget.WarningImportance))),
	))
}

// fieldRow is one editable value with its label and warning.
type fieldRow struct {
	field   picture.Field
	entry   *widget.Entry
	warning *widget.Label
}

// showConfirm shows the fields to check (read by the model) or to fill in
// (read is false: offline, or the reading failed).
func (v *View) showConfirm(thumb image.Image, fields []picture.Field, read bool, note string) {
	title := "请核对识别结果"
	if read {
		v.say("请核对一下我识别的内容，没问题就点确认。")
	} else {
		title = "请对照图片填写"
		v.say("请对照图片填写一下，填好点确认。")
	}
	v.rows = v.rows[:0]
	// With few fields the picture can be large enough to read from.
	side := float32(400)
	if len(fields) <= 3 {
		side = 760
	}
	form := container.NewVBox(thumbnail(thumb, side), statusLine(note, widget.LowImportance))
	for _, f := range fields {
		r := &fieldRow{field: f}
		if f.Multiline {
			r.entry = widget.NewMultiLineEntry()
			r.entry.Wrapping = fyne.TextWrapWord
			r.entry.SetMinRowsVisible(2)
		} else {
			r.entry = widget.NewEntry()
		}
		r.entry.SetText(f.Value)
		r.entry.SetPlaceHolder("请填写" + f.Label)
		r.warning = widget.NewLabel(f.Warning)
		r.warning.Importance = widget.WarningImportance
		r.warning.Wrapping = fyne.TextWrapWord
		if f.Warning == "" {
			r.warning.Hide()
		}
		key := f.Key
		r.entry.OnChanged = func(s string) {
			v.touch()
			v.warned = false
			if w := picture.FieldWarning(key, s); w != "" {
				r.warning.SetText(w)
				r.warning.Show()
			} else {
				r.warning.Hide()
			}
		}
		label := widget.NewLabel(f.Label)
		label.TextStyle.Bold = true
		form.Add(container.NewVBox(label, ui.Tall(r.entry), r.warning))
		v.rows = append(v.rows, r)
	}
	buttons := container.NewGridWithColumns(2,
		ui.Tall(ui.BigButton("重拍", widget.MediumImportance, v.retake)),
		ui.Tall(ui.BigButton("确认", widget.HighImportance, v.confirm)),
	)
	v.setContent(container.NewBorder(
		container.NewPadded(ui.Heading(title)),
		container.NewPadded(buttons), nil, nil,
		container.NewVScroll(container.NewPadded(form)),
	))
}

// Fields returns what the confirmation screen holds now, as edited.
func (v *View) Fields() []picture.Field {
	out := make([]picture.Field, len(v.rows))
	for i, r := range v.rows {
		out[i] = r.field
		out[i].Value = r.entry.Text
		out[i].Warning = picture.FieldWarning(r.field.Key, r.entry.Text)
	}
	return out
}

func (v *View) confirm() {
	v.touch()
	fields := v.Fields()
	// A credit code failing its check is nearly always a misread; ask once
	// before accepting it, since a wrong code matches the wrong enterprise.
	if !v.warned {
		for i, f := range fields {
			if f.Key == "credit_code" && f.Value != "" && f.Warning != "" {
				v.warned = true
				v.say("统一社会信用代码好像不对，请再核对一下。确认无误请再点一次确认。")
				v.rows[i].warning.SetText(f.Warning + "。确认无误请再点一次“确认”。")
				v.rows[i].warning.Show()
				return
			}
		}
	}
	res := Result{Mode: v.cfg.Mode, Picture: v.pic}
	if v.cfg.Mode == Licence {
		res.Licence = picture.LicenceFromFields(fields)
	} else {
		res.Scene = picture.SceneFromFields(v.kind, fields)
	}
	if v.cfg.Nav != nil {
		v.cfg.Nav.Celebrate()
	}
	if v.cfg.OnConfirm != nil {
		v.cfg.OnConfirm(res)
	}
}

func (v *View) retake() {
	v.touch()
	v.pic = picture.Picture{}
	v.openSlot()
}

func thumbnail(img image.Image, h float32) fyne.CanvasObject {
	if img == nil {
		return layout.NewSpacer()
	}
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScaleSmooth
	c.SetMinSize(fyne.NewSize(h, h*0.7))
	return c
}

// statusLine is a wrapped line coloured by importance: blue for progress,
// orange for a problem, grey for a note.
func statusLine(s string, imp widget.Importance) fyne.CanvasObject {
	l := ui.Wrapped(s)
	l.Importance = imp
	return l
}

func caption(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}
