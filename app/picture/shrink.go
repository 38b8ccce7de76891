package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // registered for image.Decode
	"image/jpeg"
	_ "image/png" // registered for image.Decode
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
	_ "golang.org/x/image/webp" // registered for image.Decode
)

// Options bounds what Shrink accepts and sets what it produces.
type Options struct {
	// MaxBytes is the largest file accepted (default 10 MiB: a phone photo is
	// 2-8 MB).
	MaxBytes int64
	// MaxPixels is the most pixels a header may claim before decoding is
	// refused (default 50 million: a 48-megapixel phone photo passes, a
	// decompression bomb does not). Decoding costs about 4 bytes a pixel.
	MaxPixels int
	// LongSide is the longest side of the result in pixels (default 1280;
	// enough for a vision model to read a licence's 18-character code).
	LongSide int
	// Quality is the JPEG quality of the result (default 85).
	Quality int
}

// DefaultOptions are the limits the upload page states to the visitor.
func DefaultOptions() Options {
	return Options{MaxBytes: 10 << 20, MaxPixels: 50_000_000, LongSide: 1280, Quality: 85}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = d.MaxPixels
	}
	if o.LongSide <= 0 {
		o.LongSide = d.LongSide
	}
	if o.Quality <= 0 || o.Quality > 100 {
		o.Quality = d.Quality
	}
	return o
}

// Shrink checks that data is a picture within the limits, decodes it, turns
// it upright by its EXIF orientation (JPEG), scales it so its long side is at
// most LongSide (box average, then a bilinear tent filter), flattens transparency onto white
// and re-encodes it as a JPEG. The format is sniffed from the bytes; the
// dimensions are checked from the header before anything is decoded.
// Animated GIFs give their first frame. Shrink does not retain data.
func Shrink(data []byte, src Source, opt Options) (Picture, error) {
	opt = opt.withDefaults()
	if int64(len(data)) > opt.MaxBytes {
		return Picture{}, fmt.Errorf("shrink: %d bytes over %d: %w", len(data), opt.MaxBytes, ErrTooLarge)
	}
	if len(data) == 0 {
		return Picture{}, fmt.Errorf("shrink: empty file: %w", ErrNotPicture)
	}
	cfg, name, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			if kind := knownUnsupported(data); kind != "" {
				return Picture{}, fmt.Errorf("shrink: %s: %w", kind, ErrUnsupported)
			}
			return Picture{}, fmt.Errorf("shrink: unknown format: %w", ErrNotPicture)
		}
		return Picture{}, fmt.Errorf("shrink: header: %v: %w", err, ErrNotPicture)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Picture{}, fmt.Errorf("shrink: %dx%d: %w", cfg.Width, cfg.Height, ErrNotPicture)
	}
	// Compare in int64 so a header claiming 65535x65535 cannot overflow on
	// a 32-bit build.
	if int64(cfg.Width)*int64(cfg.Height) > int64(opt.MaxPixels) {
		return Picture{}, fmt.Errorf("shrink: %dx%d over %d pixels: %w", cfg.Width, cfg.Height, opt.MaxPixels, ErrTooManyPixels)
	}
	format := Format(name)
	orientation := 1
	if format == JPEG {
		orientation = exifOrientation(data)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Picture{}, fmt.Errorf("shrink: decode %s: %v: %w", name, err, ErrNotPicture)
	}
	small := scaleDown(img, opt.LongSide)
	small = orient(small, orientation)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: opt.Quality}); err != nil {
		return Picture{}, fmt.Errorf("shrink: encode: %w", err)
	}
	b := small.Bounds()
	return Picture{
		JPEG: out.Bytes(), Width: b.Dx(), Height: b.Dy(), Source: src, Received: time.Now(),
		Original: format, OriginalBytes: len(data), OriginalWidth: cfg.Width, OriginalHeight: cfg.Height,
	}, nil
}

// knownUnsupported names formats a phone might send that Go cannot decode,
// so the visitor is told what to do instead of "not a picture".
func knownUnsupported(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "mif1", "msf1", "heim", "heis":
			return "HEIC"
		case "avif", "avis":
			return "AVIF"
		}
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "TIFF"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) > 14:
		return "BMP"
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "PDF"
	}
	return ""
}

// scaleDown returns an RGBA copy of img no longer than longSide on either
// side, on a white background so transparent PNGs and GIFs stay readable
// as JPEG.
func scaleDown(img image.Image, longSide int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w >= h && w > longSide {
		h = max(1, (h*longSide+w/2)/w)
		w = longSide
	} else if h > w && h > longSide {
		w = max(1, (w*longSide+h/2)/h)
		h = longSide
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := xdraw.Src
	if !opaque(img) {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		op = xdraw.Over
	}
	if w == b.Dx() && h == b.Dy() {
		xdraw.Draw(dst, dst.Bounds(), img, b.Min, op)
		return dst
	}
	// A phone photo is first averaged in whole-factor boxes (exact for the
	// 2x2 chroma blocks of a phone JPEG, and cheap), leaving a ratio under 2
	// for the filter. Then a tent filter through Transform: measured on a
	// 12 MP photo, Catmull-Rom's Scale cost as much CPU (~360 ms) but kept a
	// 40-60 MB float64 buffer; Catmull-Rom's Transform took twice the CPU;
	// after the box average the tent's text is as legible to the eye.
	if ycc, ok := img.(*image.YCbCr); ok {
		if k := max(b.Dx(), b.Dy()) / longSide; k >= 2 {
			img = boxShrink(ycc, k)
			b = img.Bounds()
		}
	}
	s2d := f64.Aff3{
		float64(w) / float64(b.Dx()), 0, -float64(b.Min.X) * float64(w) / float64(b.Dx()),
		0, float64(h) / float64(b.Dy()), -float64(b.Min.Y) * float64(h) / float64(b.Dy()),
	}
	xdraw.BiLinear.Transform(dst, s2d, img, b, op, nil)
	return dst
}

// boxShrink averages k x k blocks of luma and takes the chroma at each
// block's centre, converting to RGBA as it goes.
func boxShrink(src *image.YCbCr, k int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx()/k, b.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	kk := k * k
	for y := 0; y < h; y++ {
		sy := b.Min.Y + y*k
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			sx := b.Min.X + x*k
			sum := 0
			for dy := 0; dy < k; dy++ {
				row := src.Y[src.YOffset(sx, sy+dy):]
				for _, v := range row[:k] {
					sum += int(v)
				}
			}
			ci := src.COffset(sx+k/2, sy+k/2)
			r, g, bl := color.YCbCrToRGB(uint8((sum+kk/2)/kk), src.Cb[ci], src.Cr[ci])
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, bl, 0xFF
		}
	}
	return dst
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
