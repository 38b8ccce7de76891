package picture_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"syscall"
	"testing"
	"time"

	"xiaofu/app/picture"
	"xiaofu/app/picture/picturetest"
)

func solid(w, h int, c color.Color) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decodeJPEG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("result is not a JPEG: %v", err)
	}
	return img
}

func TestShrinkSizes(t *testing.T) {
	tests := []struct {
		name         string
		w, h         int
		wantW, wantH int
	}{
		{"landscape phone photo", 4000, 3000, 1280, 960},
		{"portrait phone photo", 3000, 4000, 960, 1280},
		{"already small", 800, 600, 800, 600},
		{"long strip", 5000, 100, 1280, 26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := picturetest.JPEG(solid(tt.w, tt.h, color.RGBA{0x40, 0x80, 0xC0, 0xFF}), 80)
			pic, err := picture.Shrink(data, picture.FromPhone, picture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if pic.Width != tt.wantW || pic.Height != tt.wantH {
				t.Errorf("got %dx%d, want %dx%d", pic.Width, pic.Height, tt.wantW, tt.wantH)
			}
			img := decodeJPEG(t, pic.JPEG)
			if b := img.Bounds(); b.Dx() != pic.Width || b.Dy() != pic.Height {
				t.Errorf("JPEG is %v, Picture says %dx%d", b, pic.Width, pic.Height)
			}
			if pic.Original != picture.JPEG || pic.OriginalWidth != tt.w || pic.OriginalBytes != len(data) {
				t.Errorf("original recorded as %s %dx%d %d bytes", pic.Original, pic.OriginalWidth, pic.OriginalHeight, pic.OriginalBytes)
			}
			r, g, b, _ := img.At(pic.Width/2, pic.Height/2).RGBA()
			if abs(int(r>>8)-0x40) > 6 || abs(int(g>>8)-0x80) > 6 || abs(int(b>>8)-0xC0) > 6 {
				t.Errorf("colour changed to %x %x %x", r>>8, g>>8, b>>8)
			}
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestShrinkFormats(t *testing.T) {
	// A transparent PNG (a screenshot with alpha) must come out on white,
	// not black, or the text on it vanishes.
	clear := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	var g bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 120, 80), []color.Color{color.RGBA{0xFF, 0, 0, 0xFF}, color.RGBA{0, 0, 0xFF, 0xFF}})
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		data   []byte
		format picture.Format
		want   color.RGBA
	}{
		{"transparent png on white", encodePNG(t, clear), picture.PNG, color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}},
		{"opaque png", encodePNG(t, solid(300, 200, color.RGBA{0, 0x80, 0, 0xFF})), picture.PNG, color.RGBA{0, 0x80, 0, 0xFF}},
		{"gif first frame", g.Bytes(), picture.GIF, color.RGBA{0xFF, 0, 0, 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pic, err := picture.Shrink(tt.data, picture.FromPhone, picture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if pic.Original != tt.format {
				t.Errorf("format %q, want %q", pic.Original, tt.format)
			}
			r, g, b, _ := decodeJPEG(t, pic.JPEG).At(pic.Width/2, pic.Height/2).RGBA()
			if abs(int(r>>8)-int(tt.want.R)) > 8 || abs(int(g>>8)-int(tt.want.G)) > 8 || abs(int(b>>8)-int(tt.want.B)) > 8 {
				t.Errorf("centre is %x %x %x, want %v", r>>8, g>>8, b>>8, tt.want)
			}
		})
	}
}

// pngWithSize is a real PNG whose header is rewritten to claim w x h, with a
// correct CRC so the decoder believes it: a decompression bomb.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	b := encodePNG(t, solid(4, 4, color.White))
	// Signature (8) + length (4) + "IHDR" (4) + data (13) + CRC (4).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// webpHeader is a lossless WebP header claiming w x h; enough for the
// format's DecodeConfig, not a picture.
func webpHeader(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	vp8l := []byte{0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)}
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(vp8l)))...)
	chunk = append(chunk, vp8l...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

func TestShrinkRefuses(t *testing.T) {
	good := picturetest.JPEG(solid(64, 48, color.White), 80)
	heic := append([]byte{0, 0, 0, 0x18}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...)
	tests := []struct {
		name string
		data []byte
		opt  picture.Options
		want error
	}{
		{"empty", nil, picture.Options{}, picture.ErrNotPicture},
		{"text named .jpg", []byte("这不是图片，只是一段文字。"), picture.Options{}, picture.ErrNotPicture},
		{"html", []byte("<html><body>hi</body></html>"), picture.Options{}, picture.ErrNotPicture},
		{"truncated jpeg", good[:len(good)/2], picture.Options{}, picture.ErrNotPicture},
		{"heic from an iphone", heic, picture.Options{}, picture.ErrUnsupported},
		{"pdf", []byte("%PDF-1.7\n..."), picture.Options{}, picture.ErrUnsupported},
		{"over the byte limit", good, picture.Options{MaxBytes: int64(len(good) - 1)}, picture.ErrTooLarge},
		{"png bomb 100000x100000", pngWithSize(t, 100000, 100000), picture.Options{}, picture.ErrTooManyPixels},
		{"png just over the pixel limit", pngWithSize(t, 1001, 1000), picture.Options{MaxPixels: 1_000_000}, picture.ErrTooManyPixels},
		{"webp bomb 16384x16384", webpHeader(16384, 16384), picture.Options{}, picture.ErrTooManyPixels},
		{"zero-sized png", pngWithSize(t, 0, 10), picture.Options{}, picture.ErrNotPicture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := picture.Shrink(tt.data, picture.FromPhone, tt.opt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestShrinkOrientation checks every EXIF orientation against where a phone
// viewer would show the stored top-left corner.
func TestShrinkOrientation(t *testing.T) {
	// Stored 80x40, red top-left quadrant, the rest blue.
	stored := solid(80, 40, color.RGBA{0, 0, 0xFF, 0xFF})
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			stored.Set(x, y, color.RGBA{0xFF, 0, 0, 0xFF})
		}
	}
	plain := picturetest.JPEG(stored, 95)
	tests := []struct {
		o       int
		w, h    int
		redAt   string
		comment string
	}{
		{1, 80, 40, "TL", "upright"},
		{2, 80, 40, "TR", "mirrored"},
		{3, 80, 40, "BR", "upside down"},
		{4, 80, 40, "BL", "mirrored upside down"},
		{5, 40, 80, "TL", "transposed"},
		{6, 40, 80, "TR", "phone held upright: turn right"},
		{7, 40, 80, "BR", "transversed"},
		{8, 40, 80, "BL", "turn left"},
	}
	for _, order := range []string{"MM", "II"} {
		for _, tt := range tests {
			pic, err := picture.Shrink(picturetest.WithOrientation(plain, tt.o, order), picture.FromCamera, picture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if pic.Width != tt.w || pic.Height != tt.h {
				t.Errorf("%s orientation %d (%s): %dx%d, want %dx%d", order, tt.o, tt.comment, pic.Width, pic.Height, tt.w, tt.h)
				continue
			}
			img := decodeJPEG(t, pic.JPEG)
			quad := map[string]image.Point{
				"TL": {tt.w / 4, tt.h / 4}, "TR": {3 * tt.w / 4, tt.h / 4},
				"BL": {tt.w / 4, 3 * tt.h / 4}, "BR": {3 * tt.w / 4, 3 * tt.h / 4},
			}
			for name, p := range quad {
				r, _, b, _ := img.At(p.X, p.Y).RGBA()
				isRed := r > b
				if isRed != (name == tt.redAt) {
					t.Errorf("%s orientation %d (%s): quadrant %s red=%v", order, tt.o, tt.comment, name, isRed)
				}
			}
		}
	}
}

func TestShrinkDropsMetadata(t *testing.T) {
	src := picturetest.WithOrientation(picturetest.JPEG(solid(64, 64, color.White), 80), 1, "MM")
	pic, err := picture.Shrink(src, picture.FromPhone, picture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pic.JPEG, []byte("Exif")) {
		t.Error("EXIF (which can hold the GPS position) survived shrinking")
	}
}

func TestDataURL(t *testing.T) {
	pic, err := picture.Shrink(picturetest.Licence(), picture.FromPhone, picture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := pic.DataURL()
	const prefix = "data:image/jpeg;base64,"
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("data URL starts %q", u[:30])
	}
	raw, err := base64.StdEncoding.DecodeString(u[len(prefix):])
	if err != nil || !bytes.Equal(raw, pic.JPEG) {
		t.Fatalf("data URL does not round-trip: %v", err)
	}
	if len(pic.JPEG) > 400<<10 {
		t.Errorf("shrunk licence is %d KB; a vision request should stay small", len(pic.JPEG)>>10)
	}
}

func FuzzShrink(f *testing.F) {
	f.Add(picturetest.JPEG(solid(8, 8, color.White), 80))
	f.Add(picturetest.WithOrientation(picturetest.JPEG(solid(8, 4, color.White), 80), 6, "II"))
	f.Add(encodePNG(f, solid(3, 3, color.Black)))
	f.Fuzz(func(t *testing.T, data []byte) {
		pic, err := picture.Shrink(data, picture.FromPhone, picture.Options{MaxPixels: 1 << 20})
		if err != nil {
			return
		}
		if pic.Width < 1 || pic.Height < 1 || pic.Width > 1280 || pic.Height > 1280 {
			t.Fatalf("bad size %dx%d", pic.Width, pic.Height)
		}
	})
}

// cpuTime is the process's user+system CPU time: on a shared machine it
// says what a shrink costs where wall time says how busy the neighbours are.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchShrink(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	start := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := picture.Shrink(data, picture.FromPhone, picture.Options{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(n), "cpu-ms/op")
}

// BenchmarkShrinkPhoto: a 12-megapixel (4000x3000) phone photo.
func BenchmarkShrinkPhoto(b *testing.B) {
	benchShrink(b, picturetest.JPEG(picturetest.ProblemImage(4000, 3000, "人行道破损"), 90))
}

// BenchmarkShrinkLicence: a 3000x2121 photo of a licence.
func BenchmarkShrinkLicence(b *testing.B) {
	benchShrink(b, picturetest.Licence())
}

// BenchmarkShrinkTexturedPhoto: a 12 MP photo with sensor-like noise, which
// a JPEG cannot squeeze (about 8 MB, like a real phone photo of a pavement),
// so entropy decoding costs what it does in the hall.
func BenchmarkShrinkTexturedPhoto(b *testing.B) {
	img := picturetest.ProblemImage(4000, 3000, "人行道破损")
	seed := uint32(1)
	for i := range img.Pix {
		if i%4 == 3 {
			continue
		}
		seed = seed*1664525 + 1013904223
		v := int(img.Pix[i]) + int(seed>>27) - 16
		img.Pix[i] = uint8(min(255, max(0, v)))
	}
	benchShrink(b, picturetest.JPEG(img, 92))
}
