// Package picturetest draws the pictures the kiosk's tests and demos use: a
// mock business licence with real Chinese text (drawn with the embedded
// font), a photo of a broken pavement, and EXIF orientation added to a JPEG.
// Nothing is downloaded; every picture is made here.
package picturetest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"xiaofu/assets"
)

// The mock licence's contents. The company is invented; the credit code
// passes the GB 32100-2015 check.
const (
	LicenceName       = "杭州西溪云帆软件有限公司"
	LicenceCreditCode = "91330106MA2H3K7Q2J"
	LicenceLegalRep   = "林晓帆"
	LicenceCapital    = "伍佰万元整"
	LicenceDate       = "2019年03月05日"
	LicenceAddress    = "浙江省杭州市西湖区文三路 90 号 7 幢 501 室"
	LicenceScope      = "软件开发；信息技术咨询服务；数据处理服务。"
	LicenceType       = "有限责任公司（自然人投资或控股）"
)

var (
	faceOnce      sync.Once
	cjkFont, goFt *opentype.Font
)

// faces returns the embedded CJK font, which has no Latin digits (the kiosk
// takes those from Fyne), and the Go font for ASCII.
func faces(size float64) (cjk, latin font.Face) {
	faceOnce.Do(func() {
		var err error
		if cjkFont, err = opentype.Parse(assets.CJKFont); err != nil {
			panic("picturetest: embedded font: " + err.Error())
		}
		if goFt, err = opentype.Parse(goregular.TTF); err != nil {
			panic("picturetest: go font: " + err.Error())
		}
	})
	opt := &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull}
	cjk, err1 := opentype.NewFace(cjkFont, opt)
	latin, err2 := opentype.NewFace(goFt, opt)
	if err1 != nil || err2 != nil {
		panic("picturetest: face")
	}
	return cjk, latin
}

func text(dst draw.Image, s string, x, y int, size float64, c color.Color) {
	cjk, latin := faces(size)
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Dot: fixed.P(x, y)}
	for _, r := range s {
		d.Face = cjk
		if r < 0x80 {
			d.Face = latin
		}
		d.DrawString(string(r))
	}
}

// LicenceImage draws a landscape business licence, w pixels wide (the height
// follows the A3 proportion), in the usual layout: red double border, the
// national title, the code top left, the fields in two columns.
func LicenceImage(w int) *image.RGBA {
	h := w * 297 / 420
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0xFB, 0xF6, 0xEA, 0xFF}), image.Point{}, draw.Src)
	red := color.RGBA{0xB8, 0x22, 0x22, 0xFF}
	ink := color.RGBA{0x22, 0x22, 0x22, 0xFF}
	u := float64(w) / 1600
	px := func(v float64) int { return int(v * u) }
	for _, inset := range []int{px(30), px(42)} {
		r := image.Rect(inset, inset, w-inset, h-inset)
		for t := 0; t < max(2, px(4)); t++ {
			border(img, r.Inset(t), red)
		}
	}
	text(img, "营 业 执 照", px(600), px(250), 90*u, red)
	text(img, "（副  本）", px(750), px(320), 34*u, ink)
	text(img, "统一社会信用代码", px(110), px(150), 26*u, ink)
	text(img, LicenceCreditCode, px(110), px(195), 34*u, ink)
	left := []([2]string){
		{"名    称", LicenceName},
		{"类    型", LicenceType},
		{"法定代表人", LicenceLegalRep},
		{"经营范围", LicenceScope},
	}
	right := []([2]string){
		{"注册资本", LicenceCapital},
		{"成立日期", LicenceDate},
		{"住    所", LicenceAddress},
	}
	for i, f := range left {
		y := px(420 + 80*float64(i))
		text(img, f[0], px(110), y, 28*u, ink)
		text(img, f[1], px(290), y, 28*u, ink)
	}
	for i, f := range right {
		y := px(420 + 80*float64(i))
		text(img, f[0], px(900), y, 28*u, ink)
		text(img, f[1], px(1060), y, 24*u, ink)
	}
	text(img, "登记机关", px(1000), px(1000), 28*u, ink)
	// The seal: a red ring.
	cx, cy, rr := px(1300), px(960), px(90)
	for y := cy - rr; y <= cy+rr; y++ {
		for x := cx - rr; x <= cx+rr; x++ {
			d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
			if d <= rr*rr && d >= (rr-px(8))*(rr-px(8)) {
				img.Set(x, y, red)
			}
		}
	}
	return img
}

func border(img *image.RGBA, r image.Rectangle, c color.Color) {
	for x := r.Min.X; x < r.Max.X; x++ {
		img.Set(x, r.Min.Y, c)
		img.Set(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.Set(r.Min.X, y, c)
		img.Set(r.Max.X-1, y, c)
	}
}

// Licence is LicenceImage(3000) as a phone-sized JPEG (about 3000x2100).
func Licence() []byte { return JPEG(LicenceImage(3000), 90) }

// ProblemImage draws a grey pavement with a dark pothole and a sign reading
// text (put an injection attempt there to test what a model is told).
func ProblemImage(w, h int, sign string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0x9A, 0x9C, 0xA0, 0xFF}), image.Point{}, draw.Src)
	// Paving joints.
	for y := 0; y < h; y += h / 8 {
		draw.Draw(img, image.Rect(0, y, w, y+3), image.NewUniform(color.RGBA{0x70, 0x72, 0x76, 0xFF}), image.Point{}, draw.Src)
	}
	cx, cy, rx, ry := w/2, h*2/3, w/6, h/10
	for y := cy - ry; y <= cy+ry; y++ {
		for x := cx - rx; x <= cx+rx; x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy <= 1 {
				img.Set(x, y, color.RGBA{0x2A, 0x24, 0x20, 0xFF})
			}
		}
	}
	if sign != "" {
		draw.Draw(img, image.Rect(w/10, h/10, w*9/10, h/10+h/8), image.NewUniform(color.White), image.Point{}, draw.Src)
		text(img, sign, w/10+10, h/10+h/12, float64(h)/22, color.Black)
	}
	return img
}

// Problem is a 1600x1200 JPEG of a broken pavement.
func Problem() []byte { return JPEG(ProblemImage(1600, 1200, ""), 88) }

// JPEG encodes img.
func JPEG(img image.Image, quality int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		panic("picturetest: encode: " + err.Error())
	}
	return b.Bytes()
}

// WithOrientation returns a copy of a JPEG with an EXIF APP1 segment holding
// orientation o (1-8), as a phone camera writes it, in the given byte order
// ("MM" big-endian or "II" little-endian).
func WithOrientation(jpg []byte, o int, order string) []byte {
	var bo binary.ByteOrder = binary.BigEndian
	if order == "II" {
		bo = binary.LittleEndian
	}
	tiff := make([]byte, 8+2+12+4)
	copy(tiff, order)
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)       // one entry
	bo.PutUint16(tiff[10:], 0x0112) // orientation
	bo.PutUint16(tiff[12:], 3)      // SHORT
	bo.PutUint32(tiff[14:], 1)      // count
	bo.PutUint16(tiff[18:], uint16(o))
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := make([]byte, 0, len(jpg)+len(seg)+4)
	out = append(out, jpg[:2]...) // SOI
	out = append(out, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}
