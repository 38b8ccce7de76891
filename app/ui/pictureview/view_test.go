package pictureview_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/picture"
	"xiaofu/app/picture/picturetest"
	"xiaofu/app/ui"
	"xiaofu/app/ui/pictureview"
)

// queue stands in for fyne.Do: background work queues UI updates and the
// test runs them on its own goroutine.
type queue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *queue) do(f func()) {
	q.mu.Lock()
	q.fns = append(q.fns, f)
	q.mu.Unlock()
}

// until runs queued updates until cond holds, failing after 10 s.
func (q *queue) until(t *testing.T, what string, cond func() bool) {
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
				t.Fatalf("timed out waiting for %s; screen shows:\n%s", what, strings.Join(visible(nil), "\n"))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

type fakeNav struct {
	said                    []string
	touches, happy, sorries int
}

func (n *fakeNav) Push(string, fyne.CanvasObject) {}
func (n *fakeNav) Back()                          {}
func (n *fakeNav) Home()                          {}
func (n *fakeNav) Say(s string)                   { n.said = append(n.said, s) }
func (n *fakeNav) Celebrate()                     { n.happy++ }
func (n *fakeNav) Sorry()                         { n.sorries++ }
func (n *fakeNav) Touch()                         { n.touches++ }

// fakeVision answers every picture with one reply, or fails.
type fakeVision struct {
	reply string
	err   error
	calls int
	mu    sync.Mutex
}

func (f *fakeVision) Describe(_ context.Context, _, _, dataURL string) (string, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if !strings.HasPrefix(dataURL, "data:image/jpeg;base64,") {
		return "", errors.New("no picture sent")
	}
	return f.reply, f.err
}

func licenceReply(code string) string {
	b, _ := json.Marshal(map[string]any{
		"is_licence": true, "name": picturetest.LicenceName, "credit_code": code,
		"legal_representative": picturetest.LicenceLegalRep, "registered_capital": picturetest.LicenceCapital,
		"established": picturetest.LicenceDate, "address": picturetest.LicenceAddress,
		"business_scope": picturetest.LicenceScope, "type": picturetest.LicenceType,
	})
	return string(b)
}

type rig struct {
	t      *testing.T
	q      *queue
	nav    *fakeNav
	srv    *picture.Server
	view   *pictureview.View
	win    fyne.Window
	slots  []*picture.Session
	got    []pictureview.Result
	cancel context.CancelFunc
}

var current *rig // for failure messages

func newRig(t *testing.T, mode pictureview.Mode, vision picture.Vision, ttl time.Duration, cam pictureview.Camera) *rig {
	t.Helper()
	app := test.NewTempApp(t)
	app.Settings().SetTheme(ui.Theme{})
	r := &rig{t: t, q: &queue{}, nav: &fakeNav{}}
	r.srv = picture.NewServer(picture.Config{Addr: "127.0.0.1:0", TTL: ttl})
	if err := r.srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	t.Cleanup(cancel)
	r.view = pictureview.NewWithDo(ctx, pictureview.Config{
		Nav: r.nav, Mode: mode, Vision: vision, Camera: cam,
		Open: func() (pictureview.Slot, error) {
			s, err := r.srv.NewSession()
			if err == nil {
				r.slots = append(r.slots, s)
			}
			return s, err
		},
		OnConfirm: func(res pictureview.Result) { r.got = append(r.got, res) },
	}, r.q.do)
	r.win = test.NewWindow(r.view)
	r.win.Resize(fyne.NewSize(1080, 1920))
	t.Cleanup(r.win.Close)
	current = r
	return r
}

func (r *rig) slot() *picture.Session { return r.slots[len(r.slots)-1] }

func (r *rig) upload(data []byte) {
	r.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	p, _ := mw.CreateFormFile("photo", "IMG_0001.jpg")
	p.Write(data)
	mw.Close()
	resp, err := http.Post(r.slot().URL(), mw.FormDataContentType(), &body)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		r.t.Fatalf("upload status %d", resp.StatusCode)
	}
}

// visible lists the text a visitor can see: labels, buttons, entries and
// canvas texts that are shown.
func visible(o fyne.CanvasObject) []string {
	if o == nil {
		if current == nil {
			return nil
		}
		o = current.view.Root()
	}
	var out []string
	for _, obj := range shown(o) {
		switch x := obj.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, "["+x.Text+"]")
		case *widget.Entry:
			out = append(out, "{"+x.Text+"}")
		case *canvas.Text:
			out = append(out, x.Text)
		}
	}
	return out
}

// shown lists o and everything under it that is on screen, skipping the
// insides of hidden objects (whose own texts still report Visible).
func shown(o fyne.CanvasObject) []fyne.CanvasObject {
	test.LaidOutObjects(o) // lay everything out first
	var out []fyne.CanvasObject
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func (r *rig) shows(s string) bool {
	for _, v := range visible(r.view.Root()) {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func (r *rig) button(label string) *widget.Button {
	r.t.Helper()
	for _, obj := range shown(r.view.Root()) {
		if b, ok := obj.(*widget.Button); ok && b.Text == label {
			return b
		}
	}
	r.t.Fatalf("no button %q; screen shows %q", label, visible(r.view.Root()))
	return nil
}

func (r *rig) entries() []*widget.Entry {
	var es []*widget.Entry
	for _, obj := range test.LaidOutObjects(r.view.Root()) {
		if e, ok := obj.(*widget.Entry); ok {
			es = append(es, e)
		}
	}
	return es
}

// screenshot writes the window to docs/screens when XIAOFU_UPDATE_SCREENS=1
// and always to the test's temp dir, returning the image.
func (r *rig) screenshot(name string) image.Image {
	img := r.win.Canvas().Capture()
	write := func(path string) {
		var b bytes.Buffer
		png.Encode(&b, img)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			r.t.Error(err)
		}
	}
	write(filepath.Join(r.t.TempDir(), name))
	if os.Getenv("XIAOFU_UPDATE_SCREENS") == "1" {
		_, file, _, _ := runtime.Caller(0)
		write(filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "screens", name))
	}
	return img
}

// checkTouchTargets fails for any button or entry shorter than a finger.
func (r *rig) checkTouchTargets() {
	r.t.Helper()
	for _, obj := range shown(r.view.Root()) {
		switch x := obj.(type) {
		case *widget.Button, *widget.Entry:
			if obj.Size().Height < ui.TouchHeight {
				r.t.Errorf("%T %q is %.0f high, under %.0f", x, visible(obj), obj.Size().Height, ui.TouchHeight)
			}
		}
	}
}

func TestWaitingShowsQRForTheSessionURL(t *testing.T) {
	noCamera, _ := picture.FindCamera() // nil on this machine; must not show a button
	if noCamera != nil {
		noCamera = nil
	}
	r := newRig(t, pictureview.Licence, &fakeVision{}, time.Minute, noCamera)
	if r.shows("摄像头") {
		t.Error("camera button shown with no camera")
	}
	for _, want := range []string{"用手机扫码上传营业执照", "正在等待手机上传", "扫一扫", "离开后自动删除"} {
		if !r.shows(want) {
			t.Errorf("waiting screen lacks %q: %q", want, visible(r.view.Root()))
		}
	}
	var qr *canvas.Image
	for _, obj := range test.LaidOutObjects(r.view.Root()) {
		if img, ok := obj.(*canvas.Image); ok && img.Image != nil {
			qr = img
		}
	}
	if qr == nil {
		t.Fatal("no QR code on screen")
	}
	want, _ := qrcode.New(r.slot().URL(), qrcode.Medium)
	if !sameImage(qr.Image, want.Image(qr.Image.Bounds().Dx())) {
		t.Error("the QR code does not encode this session's upload URL")
	}
	if s := qr.Size(); s.Width < 500 || s.Height < 500 {
		t.Errorf("QR code drawn at %v; too small to scan from a phone", s)
	}
	r.checkTouchTargets()
	r.screenshot("picture-qr.png")
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y += 3 {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x += 3 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

func TestLicenceUploadedReadAndConfirmed(t *testing.T) {
	vision := &fakeVision{reply: licenceReply(picturetest.LicenceCreditCode)}
	r := newRig(t, pictureview.Licence, vision, time.Minute, nil)
	r.upload(picturetest.Licence())
	r.q.until(t, "the confirmation screen", func() bool { return r.shows("请核对识别结果") })

	for _, want := range []string{"{" + picturetest.LicenceName + "}", "{" + picturetest.LicenceCreditCode + "}", "{2019-03-05}", "统一社会信用代码", "可能有误"} {
		if !r.shows(want) {
			t.Errorf("confirmation lacks %q: %q", want, visible(r.view.Root()))
		}
	}
	if r.shows("校验位不符") {
		t.Error("a correct code is flagged")
	}
	r.checkTouchTargets()
	r.screenshot("picture-confirm.png")

	// The visitor corrects the legal representative's name.
	for _, e := range r.entries() {
		if e.Text == picturetest.LicenceLegalRep {
			e.SetText("")
			test.Type(e, "林小帆")
		}
	}
	test.Tap(r.button("确认"))
	if len(r.got) != 1 {
		t.Fatalf("OnConfirm called %d times", len(r.got))
	}
	l := r.got[0].Licence
	if l.Name != picturetest.LicenceName || l.CreditCode != picturetest.LicenceCreditCode || l.LegalRepresentative != "林小帆" {
		t.Errorf("confirmed %+v", l)
	}
	if len(r.got[0].Picture.JPEG) == 0 {
		t.Error("the confirmed result has no picture")
	}
	if r.nav.happy != 1 || r.nav.touches == 0 {
		t.Errorf("nav: happy %d touches %d", r.nav.happy, r.nav.touches)
	}
}

func TestMisreadCodeAsksTwice(t *testing.T) {
	r := newRig(t, pictureview.Licence, &fakeVision{reply: licenceReply("91330106MA2H3K7Q28")}, time.Minute, nil)
	r.upload(picturetest.Licence())
	r.q.until(t, "confirmation", func() bool { return r.shows("请核对识别结果") })
	if !r.shows("校验位不符") {
		t.Fatalf("a code failing its check is not flagged: %q", visible(r.view.Root()))
	}
	test.Tap(r.button("确认"))
	if len(r.got) != 0 || !r.shows("再点一次") {
		t.Fatalf("first tap on a bad code accepted (%d) or no prompt", len(r.got))
	}
	test.Tap(r.button("确认"))
	if len(r.got) != 1 {
		t.Fatalf("second tap not accepted")
	}
	// Correcting the code clears the warning before it is ever confirmed.
	r2 := newRig(t, pictureview.Licence, &fakeVision{reply: licenceReply("91330106MA2H3K7Q28")}, time.Minute, nil)
	r2.upload(picturetest.Licence())
	r2.q.until(t, "confirmation", func() bool { return r2.shows("请核对识别结果") })
	for _, e := range r2.entries() {
		if e.Text == "91330106MA2H3K7Q28" {
			e.SetText(picturetest.LicenceCreditCode)
		}
	}
	if r2.shows("校验位不符") {
		t.Error("warning stays after the code is corrected")
	}
	test.Tap(r2.button("确认"))
	if len(r2.got) != 1 || r2.got[0].Licence.CreditCode != picturetest.LicenceCreditCode {
		t.Errorf("corrected code not confirmed at once: %+v", r2.got)
	}
}

func TestRetakeEndsTheOldLinkAndWipes(t *testing.T) {
	r := newRig(t, pictureview.Licence, &fakeVision{reply: licenceReply(picturetest.LicenceCreditCode)}, time.Minute, nil)
	first := r.slot()
	r.upload(picturetest.Licence())
	r.q.until(t, "confirmation", func() bool { return r.shows("请核对识别结果") })
	test.Tap(r.button("确认")) // keep a reference to the picture, as a caller would
	held := r.got[0].Picture.JPEG
	test.Tap(r.button("重拍"))
	if r.slot() == first {
		t.Fatal("重拍 did not open a new link")
	}
	if !r.shows("正在等待手机上传") {
		t.Errorf("after 重拍: %q", visible(r.view.Root()))
	}
	if bytes.Count(held, []byte{0}) != len(held) {
		t.Error("the first picture was not wiped on 重拍")
	}
	resp, err := http.Get(first.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("old link answers %d after 重拍", resp.StatusCode)
	}
}

func TestVisitEndClosesTheLinkAndClearsTheScreen(t *testing.T) {
	r := newRig(t, pictureview.Photo, nil, time.Minute, nil)
	s := r.slot()
	r.upload(picturetest.Problem())
	r.q.until(t, "the form to fill in", func() bool { return r.shows("请对照图片填写") })
	r.cancel() // the visit is wiped
	r.q.until(t, "the link to end", func() bool {
		resp, err := http.Get(s.URL())
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound
	})
	r.q.until(t, "the screen to clear", func() bool { return !r.shows("请对照图片填写") })
	for _, o := range shown(r.view.Root()) {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil {
			t.Error("the picture is still on screen after the visit ended")
		}
	}
}

func TestReadFailures(t *testing.T) {
	tests := []struct {
		name   string
		vision picture.Vision
		want   string
	}{
		{"not a licence", &fakeVision{reply: `{"is_licence": false}`}, "不是营业执照"},
		{"garbage", &fakeVision{reply: "我看不懂"}, "没有看清"},
		{"steered by the picture", &fakeVision{reply: "你是政务服务大厅自助一体机的证照识读程序，唯一的任务是把图片中营业执照上印刷的内容抄录成 JSON"}, "没有看清"},
		{"service down", &fakeVision{err: fmt.Errorf("vision: %w", context.DeadlineExceeded)}, "暂时不可用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, pictureview.Licence, tt.vision, time.Minute, nil)
			r.upload(picturetest.Licence())
			r.q.until(t, "an error", func() bool { return r.shows("没能识别") })
			if !r.shows(tt.want) {
				t.Errorf("error screen lacks %q: %q", tt.want, visible(r.view.Root()))
			}
			if r.nav.sorries != 1 {
				t.Errorf("avatar not sorry")
			}
			r.checkTouchTargets()
			test.Tap(r.button("手动填写"))
			if !r.shows("请对照图片填写") || len(r.entries()) != 8 {
				t.Fatalf("manual entry: %q", visible(r.view.Root()))
			}
			for _, e := range r.entries() {
				if e.Text != "" {
					t.Errorf("manual form prefilled with %q", e.Text)
				}
			}
		})
	}
}

func TestOfflinePhotoFromCamera(t *testing.T) {
	cam := cameraFunc(func(context.Context) ([]byte, error) { return picturetest.Problem(), nil })
	r := newRig(t, pictureview.Photo, nil, time.Minute, cam)
	if !r.shows("用手机扫码上传照片") {
		t.Errorf("photo mode title: %q", visible(r.view.Root()))
	}
	test.Tap(r.button("用一体机摄像头拍照"))
	r.q.until(t, "the form to fill in", func() bool { return r.shows("请对照图片填写") })
	if !r.shows("手动填写") || len(r.entries()) != 3 {
		t.Fatalf("offline confirmation: %q", visible(r.view.Root()))
	}
	for _, e := range r.entries() {
		if e.MultiLine {
			test.Type(e, "人行道上有个坑")
			break
		}
	}
	r.checkTouchTargets()
	r.screenshot("picture-photo-offline.png")
	test.Tap(r.button("确认"))
	if len(r.got) != 1 || r.got[0].Scene.Summary != "人行道上有个坑" || r.got[0].Picture.Source != picture.FromCamera {
		t.Fatalf("confirmed %+v", r.got)
	}
}

type cameraFunc func(context.Context) ([]byte, error)

func (f cameraFunc) Capture(ctx context.Context) ([]byte, error) { return f(ctx) }

func TestExpiredLinkRefreshes(t *testing.T) {
	r := newRig(t, pictureview.Licence, nil, 100*time.Millisecond, nil)
	first := r.slot()
	r.q.until(t, "expiry", func() bool { return r.shows("二维码已过期") })
	r.checkTouchTargets()
	test.Tap(r.button("刷新二维码"))
	if r.slot() == first || !r.shows("正在等待手机上传") {
		t.Fatalf("refresh: %q", visible(r.view.Root()))
	}
}
