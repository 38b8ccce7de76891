package picture_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"xiaofu/app/picture"
	"xiaofu/app/picture/picturetest"
)

func startServer(t *testing.T, cfg picture.Config) *picture.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s := picture.NewServer(cfg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newSession(t *testing.T, s *picture.Server) *picture.Session {
	t.Helper()
	ss, err := s.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ss.End)
	return ss
}

// form builds the body the phone page sends: the camera button's part and
// the album button's part, one of them empty.
func form(t *testing.T, field, filename, contentType string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	empty, _ := mw.CreatePart(map[string][]string{
		"Content-Disposition": {`form-data; name="photo"; filename=""`},
		"Content-Type":        {"application/octet-stream"},
	})
	empty.Write(nil)
	h := map[string][]string{
		"Content-Disposition": {fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename)},
		"Content-Type":        {contentType},
	}
	p, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &body
}

type page struct {
	status int
	body   string
	header http.Header
}

func upload(t *testing.T, u string, filename, contentType string, data []byte) page {
	t.Helper()
	ct, body := form(t, "picture", filename, contentType, data)
	resp, err := http.Post(u, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func get(t *testing.T, u string) page {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, string(b), resp.Header}
}

func receive(t *testing.T, ss *picture.Session) (picture.Picture, bool) {
	t.Helper()
	select {
	case p, ok := <-ss.Pictures():
		return p, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no picture and no close within 5 s")
	}
	return picture.Picture{}, false
}

func noPicture(t *testing.T, ss *picture.Session) {
	t.Helper()
	select {
	case p, ok := <-ss.Pictures():
		t.Fatalf("got a picture (ok=%v, %dx%d); want none", ok, p.Width, p.Height)
	default:
	}
}

func TestUploadFromPhone(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	if !strings.HasPrefix(ss.URL(), s.BaseURL()+"/u/") {
		t.Fatalf("URL %q not under %q", ss.URL(), s.BaseURL())
	}

	form := get(t, ss.URL())
	if form.status != 200 {
		t.Fatalf("form page status %d", form.status)
	}
	for _, want := range []string{"拍照上传", "从相册选择", "不超过 10 MB", `capture="environment"`, `accept="image/*"`} {
		if !strings.Contains(form.body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	if form.header.Get("Cache-Control") != "no-store" || form.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the token could leak through caches or Referer: %v", form.header)
	}

	// A real phone's file name and type; the server must not need them.
	res := upload(t, ss.URL(), "IMG_20261129_091500.jpg", "image/jpeg", picturetest.Licence())
	if res.status != 200 || !strings.Contains(res.body, "上传成功") {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	pic, ok := receive(t, ss)
	if !ok {
		t.Fatal("pictures closed without the picture")
	}
	if pic.Source != picture.FromPhone || pic.Original != picture.JPEG || pic.Width != 1280 || pic.OriginalWidth != 3000 {
		t.Errorf("picture %+v", struct {
			S     picture.Source
			F     picture.Format
			W, OW int
		}{pic.Source, pic.Original, pic.Width, pic.OriginalWidth})
	}
	if _, ok := <-ss.Pictures(); ok {
		t.Error("a second value on Pictures; it must close after one picture")
	}
}

func TestUploadIgnoresNameAndType(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	// A PNG screenshot sent with a misleading name and type is still a PNG.
	png := encodePNG(t, solid(400, 300, color.White))
	res := upload(t, ss.URL(), "document.pdf", "application/pdf", png)
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	pic, _ := receive(t, ss)
	if pic.Original != picture.PNG {
		t.Errorf("format %q, want png sniffed from the bytes", pic.Original)
	}
}

func TestUploadRefused(t *testing.T) {
	good := picturetest.JPEG(solid(200, 100, color.White), 80)
	heic := append([]byte{0, 0, 0, 0x18}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...)
	tests := []struct {
		name       string
		data       []byte
		filename   string
		ctype      string
		wantStatus int
		wantText   string
	}{
		{"text posing as a jpeg", []byte("我不是图片"), "x.jpg", "image/jpeg", 415, "不是图片"},
		{"script posing as a png", []byte("<script>alert(1)</script>"), "x.png", "image/png", 415, "不是图片"},
		{"heic", heic, "IMG_0001.HEIC", "image/heic", 415, "兼容性最佳"},
		{"png bomb", pngWithSize(t, 60000, 60000), "bomb.png", "image/png", 422, "尺寸过大"},
		{"truncated jpeg", good[:len(good)-200], "cut.jpg", "image/jpeg", 415, "损坏"},
		{"no file chosen", nil, "", "application/octet-stream", 400, "没有收到图片"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, picture.Config{})
			ss := newSession(t, s)
			res := upload(t, ss.URL(), tt.filename, tt.ctype, tt.data)
			if res.status != tt.wantStatus || !strings.Contains(res.body, tt.wantText) {
				t.Fatalf("got %d, want %d with %q; body:\n%s", res.status, tt.wantStatus, tt.wantText, res.body)
			}
			if strings.Contains(res.body, "<script>alert") {
				t.Error("uploaded bytes echoed into the page")
			}
			noPicture(t, ss)
			// The link stays usable: the visitor can try another picture.
			if res := upload(t, ss.URL(), "ok.jpg", "image/jpeg", good); res.status != 200 {
				t.Fatalf("retry after a refusal: %d", res.status)
			}
			if _, ok := receive(t, ss); !ok {
				t.Fatal("retry delivered nothing")
			}
		})
	}
}

func TestUploadTooLarge(t *testing.T) {
	const max = 64 << 10
	big := make([]byte, 3*max)
	copy(big, picturetest.JPEG(solid(50, 50, color.White), 80))

	t.Run("declared length", func(t *testing.T) {
		s := startServer(t, picture.Config{Picture: picture.Options{MaxBytes: max}})
		ss := newSession(t, s)
		res := upload(t, ss.URL(), "big.jpg", "image/jpeg", big)
		if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "图片太大了") {
			t.Fatalf("got %d: %s", res.status, res.body)
		}
		noPicture(t, ss)
	})
	t.Run("chunked, no length", func(t *testing.T) {
		s := startServer(t, picture.Config{Picture: picture.Options{MaxBytes: max}})
		ss := newSession(t, s)
		ct, body := form(t, "photo", "big.jpg", "image/jpeg", big)
		req, _ := http.NewRequest("POST", ss.URL(), io.MultiReader(body)) // hides the length
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res := readPage(t, resp)
		if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "图片太大了") {
			t.Fatalf("got %d: %s", res.status, res.body)
		}
		noPicture(t, ss)
	})
	t.Run("picture just under the limit passes", func(t *testing.T) {
		s := startServer(t, picture.Config{Picture: picture.Options{MaxBytes: max}})
		ss := newSession(t, s)
		ok := picturetest.JPEG(solid(300, 300, color.RGBA{1, 2, 3, 255}), 95)
		if len(ok) >= max {
			t.Fatalf("test picture %d bytes is not under %d", len(ok), max)
		}
		if res := upload(t, ss.URL(), "ok.jpg", "image/jpeg", ok); res.status != 200 {
			t.Fatalf("got %d: %s", res.status, res.body)
		}
	})
}

func TestTokenIsOneTime(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	pic := picturetest.JPEG(solid(100, 100, color.White), 80)
	if res := upload(t, ss.URL(), "a.jpg", "image/jpeg", pic); res.status != 200 {
		t.Fatalf("first upload %d", res.status)
	}
	receive(t, ss)
	res := upload(t, ss.URL(), "b.jpg", "image/jpeg", pic)
	if res.status != http.StatusGone || !strings.Contains(res.body, "图片已收到") {
		t.Fatalf("second upload: %d %s", res.status, res.body)
	}
	if res := get(t, ss.URL()); res.status != http.StatusGone || strings.Contains(res.body, "拍照上传") {
		t.Fatalf("the used link still offers the form: %d", res.status)
	}
}

func TestTokenExpires(t *testing.T) {
	s := startServer(t, picture.Config{TTL: 150 * time.Millisecond})
	ss := newSession(t, s)
	if _, ok := receive(t, ss); ok {
		t.Fatal("a picture from nowhere")
	}
	for name, res := range map[string]page{
		"GET":  get(t, ss.URL()),
		"POST": upload(t, ss.URL(), "late.jpg", "image/jpeg", picturetest.JPEG(solid(10, 10, color.White), 80)),
	} {
		if res.status != http.StatusGone || !strings.Contains(res.body, "链接已失效") {
			t.Errorf("%s after expiry: %d %s", name, res.status, res.body)
		}
	}
	if err := ss.Offer(picturetest.JPEG(solid(10, 10, color.White), 80), picture.FromCamera); !errors.Is(err, picture.ErrExpired) {
		t.Errorf("Offer after expiry: %v", err)
	}
}

func TestUnknownTokens(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	u, _ := url.Parse(ss.URL())
	tok := strings.TrimPrefix(u.Path, "/u/")
	if len(tok) < 22 {
		t.Fatalf("token %d characters: under 128 bits", len(tok))
	}
	other := newSession(t, s)
	if other.URL() == ss.URL() {
		t.Fatal("two sessions share a token")
	}
	flip := "A"
	if strings.HasSuffix(tok, "A") {
		flip = "B"
	}
	for _, path := range []string{"/u/" + tok[:len(tok)-1] + flip, "/u/", "/", "/u/" + tok + "/x"} {
		res := get(t, s.BaseURL()+path)
		if res.status != http.StatusNotFound || !strings.Contains(res.body, "链接") {
			t.Errorf("%s: %d", path, res.status)
		}
	}
}

func TestEndWipesPicture(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	if res := upload(t, ss.URL(), "a.jpg", "image/jpeg", picturetest.Licence()); res.status != 200 {
		t.Fatalf("upload %d", res.status)
	}
	pic, _ := receive(t, ss)
	held := pic.JPEG // what the kiosk's screen was showing
	if len(held) == 0 || bytes.Count(held, []byte{0}) == len(held) {
		t.Fatal("picture empty before End")
	}
	ss.End()
	if n := bytes.Count(held, []byte{0}); n != len(held) {
		t.Errorf("after End %d of %d bytes of the picture remain", len(held)-n, len(held))
	}
	if res := get(t, ss.URL()); res.status != http.StatusNotFound || !strings.Contains(res.body, "链接已失效") {
		t.Errorf("link after End: %d", res.status)
	}
	ss.End() // twice is harmless
}

func TestEndBeforeUpload(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	ss.End()
	if _, ok := receive(t, ss); ok {
		t.Fatal("picture after End")
	}
	res := upload(t, ss.URL(), "a.jpg", "image/jpeg", picturetest.JPEG(solid(10, 10, color.White), 80))
	if res.status != http.StatusNotFound {
		t.Errorf("upload after End: %d", res.status)
	}
}

func TestCloseEndsSessions(t *testing.T) {
	s := picture.NewServer(picture.Config{Addr: "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ss, err := s.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the kiosk shutting down
	if _, ok := receive(t, ss); ok {
		t.Fatal("picture after shutdown")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(ss.URL()); err == nil {
		t.Error("server still answering after Close")
	}
	if _, err := s.NewSession(); err == nil {
		t.Error("NewSession on a closed server succeeded")
	}
}

func TestOfferFromCamera(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	if err := ss.Offer([]byte("not a jpeg"), picture.FromCamera); !errors.Is(err, picture.ErrNotPicture) {
		t.Fatalf("bad camera bytes: %v", err)
	}
	if err := ss.Offer(picturetest.Problem(), picture.FromCamera); err != nil {
		t.Fatal(err)
	}
	pic, ok := receive(t, ss)
	if !ok || pic.Source != picture.FromCamera {
		t.Fatalf("got ok=%v source %q", ok, pic.Source)
	}
	// The phone link is spent once the camera has delivered.
	if res := get(t, ss.URL()); res.status != http.StatusGone {
		t.Errorf("phone link after camera picture: %d", res.status)
	}
}

func TestConcurrentUploadsDeliverOne(t *testing.T) {
	s := startServer(t, picture.Config{})
	ss := newSession(t, s)
	data := picturetest.Licence()
	var wg sync.WaitGroup
	statuses := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ct, body := form(t, "picture", "a.jpg", "image/jpeg", data)
			resp, err := http.Post(ss.URL(), ct, body)
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- readPage(t, resp).status
		}()
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for st := range statuses {
		if st == 200 {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d uploads accepted, want exactly 1", ok)
	}
	if _, got := receive(t, ss); !got {
		t.Error("no picture delivered")
	}
}

func TestPublicURL(t *testing.T) {
	s := startServer(t, picture.Config{PublicURL: "http://192.168.10.20:8765/"})
	ss := newSession(t, s)
	if !strings.HasPrefix(ss.URL(), "http://192.168.10.20:8765/u/") {
		t.Errorf("URL %q ignores PublicURL", ss.URL())
	}
	bad := picture.NewServer(picture.Config{Addr: "127.0.0.1:0", PublicURL: "192.168.10.20"})
	if err := bad.Start(context.Background()); err == nil {
		bad.Close()
		t.Error("a public URL without a scheme was accepted")
	}
}

// BenchmarkUploadPhonePhoto is one phone upload over loopback: a 4000x3000
// JPEG posted as the phone page posts it, sniffed, decoded, shrunk and
// delivered to the kiosk.
func BenchmarkUploadPhonePhoto(b *testing.B) {
	s := picture.NewServer(picture.Config{Addr: "127.0.0.1:0"})
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := picturetest.JPEG(picturetest.ProblemImage(4000, 3000, "人行道破损"), 92)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ss, err := s.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		p, _ := mw.CreateFormFile("photo", "IMG.jpg")
		p.Write(data)
		mw.Close()
		resp, err := http.Post(ss.URL(), mw.FormDataContentType(), &body)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if _, ok := <-ss.Pictures(); !ok || resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		ss.End()
	}
}

func TestStartPortInUse(t *testing.T) {
	first := startServer(t, picture.Config{})
	addr := strings.TrimPrefix(first.BaseURL(), "http://")
	second := picture.NewServer(picture.Config{Addr: addr})
	err := second.Start(context.Background())
	if err == nil {
		second.Close()
		t.Fatal("a second server bound the same port")
	}
	if !strings.Contains(err.Error(), "listen") {
		t.Errorf("error does not say what failed: %v", err)
	}
	if _, err := second.NewSession(); err == nil {
		t.Error("a server that failed to start hands out sessions")
	}
}
