package avatar

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"xiaofu/assets"
)

// cjkFont renders the badge and speech bubbles with the embedded font, so
// 小服 never depends on the fonts a kiosk has installed.
var cjkFont = fyne.NewStaticResource("DroidSansFallbackFull.ttf", assets.CJKFont)

// renderer owns the canvas objects of one Avatar; it only runs on the
// Fyne thread.
type renderer struct {
	av      *Avatar
	images  [gCues]*canvas.Image
	cues    []fyne.CanvasObject
	objects []fyne.CanvasObject
	size    fyne.Size
}

var _ fyne.WidgetRenderer = (*renderer)(nil)

func (r *renderer) Layout(s fyne.Size) {
	if s == r.size {
		return
	}
	r.size = s
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.av); c != nil {
		scale = c.Scale()
	}
	r.av.sprites.setScale(scale)
	r.av.resized(s)
}

func (r *renderer) MinSize() fyne.Size { return r.av.MinSize() }

func (r *renderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *renderer) Refresh() {
	if r.size.Width > 0 {
		r.av.resized(r.size)
	}
}

func (r *renderer) Destroy() { r.av.Close() }

func newObject(p prim) fyne.CanvasObject {
	switch p.kind {
	case kCircle:
		return &canvas.Circle{}
	case kRect:
		return &canvas.Rectangle{}
	case kLine:
		return &canvas.Line{}
	case kArc:
		return &canvas.Arc{}
	case kPoly:
		return &canvas.Polygon{}
	default:
		return &canvas.Text{Alignment: fyne.TextAlignCenter, FontSource: cjkFont}
	}
}

// draw makes the canvas objects match a frame, touching only what
// changed so Fyne repaints no more than it must.
func (r *renderer) draw(f frameOut, texts [3]string) {
	if r.images[0] == nil {
		for i := range r.images {
			r.images[i] = &canvas.Image{FillMode: canvas.ImageFillStretch, ScaleMode: canvas.ImageScalePixels}
			r.images[i].Hide()
		}
	}
	if len(r.cues) != len(f.cues) || len(r.objects) == 0 {
		r.cues = make([]fyne.CanvasObject, len(f.cues))
		for i, p := range f.cues {
			r.cues[i] = newObject(p)
			r.cues[i].Hide()
		}
		r.objects = r.objects[:0]
		for _, im := range r.images {
			r.objects = append(r.objects, im)
		}
		r.objects = append(r.objects, r.cues...)
	}
	for i, l := range f.layers {
		im := r.images[i]
		if l.sprite == nil {
			if im.Visible() {
				im.Hide()
			}
			continue
		}
		im.Move(fyne.NewPos(l.x, l.y))
		im.Resize(fyne.NewSize(l.w, l.h))
		changed := !im.Visible()
		if im.Image != l.sprite.img {
			im.Image, changed = l.sprite.img, true
		}
		if !im.Visible() {
			im.Show()
		}
		if changed {
			im.Refresh()
		}
	}
	for i, p := range f.cues {
		o := r.cues[i]
		if p.hidden {
			if o.Visible() {
				o.Hide()
			}
			continue
		}
		dirty := !o.Visible()
		if dirty {
			o.Show()
		}
		if setPrim(o, p, texts) || dirty {
			o.Refresh()
		}
	}
}

// setPrim makes a canvas object match a prim and reports whether it needs
// a Refresh (moves and resizes repaint by themselves).
func setPrim(o fyne.CanvasObject, p prim, texts [3]string) (dirty bool) {
	pos, size := fyne.NewPos(p.x, p.y), fyne.NewSize(p.w, p.h)
	fill := color.Color(p.fill)
	switch c := o.(type) {
	case *canvas.Circle:
		c.Move(pos)
		c.Resize(size)
		if c.FillColor != fill {
			c.FillColor, dirty = fill, true
		}
	case *canvas.Rectangle:
		c.Move(pos)
		c.Resize(size)
		stroke := color.Color(p.stroke)
		if c.FillColor != fill || c.StrokeColor != stroke || c.StrokeWidth != p.width ||
			c.TopLeftCornerRadius != p.a || c.TopRightCornerRadius != p.b ||
			c.BottomRightCornerRadius != p.c || c.BottomLeftCornerRadius != p.d {
			c.FillColor, c.StrokeColor, c.StrokeWidth = fill, stroke, p.width
			c.TopLeftCornerRadius, c.TopRightCornerRadius = p.a, p.b
			c.BottomRightCornerRadius, c.BottomLeftCornerRadius = p.c, p.d
			dirty = true
		}
	case *canvas.Line:
		p1, p2 := fyne.NewPos(p.x, p.y), fyne.NewPos(p.w, p.h)
		stroke := color.Color(p.stroke)
		if c.Position1 != p1 || c.Position2 != p2 || c.StrokeWidth != p.width || c.StrokeColor != stroke {
			c.Position1, c.Position2, c.StrokeWidth, c.StrokeColor = p1, p2, p.width, stroke
			dirty = true
		}
	case *canvas.Arc:
		c.Move(pos)
		c.Resize(size)
		if c.FillColor != fill || c.StartAngle != p.a || c.EndAngle != p.b || c.CutoutRatio != p.c || c.CornerRadius != p.d {
			c.FillColor, c.StartAngle, c.EndAngle, c.CutoutRatio, c.CornerRadius = fill, p.a, p.b, p.c, p.d
			dirty = true
		}
	case *canvas.Polygon:
		c.Move(pos)
		c.Resize(size)
		if c.FillColor != fill || c.Angle != p.a || c.Sides != uint(p.b) {
			c.FillColor, c.Angle, c.Sides = fill, p.a, uint(p.b)
			dirty = true
		}
	case *canvas.Text:
		c.Move(pos)
		c.Resize(size)
		if c.Color != fill || c.TextSize != p.a || c.Text != texts[p.text] {
			c.Color, c.TextSize, c.Text = fill, p.a, texts[p.text]
			dirty = true
		}
	}
	return dirty
}
