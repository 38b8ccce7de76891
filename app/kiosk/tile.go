package kiosk

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/ui"
)

// tile is a large tappable card with wrapping text: hot questions and
// service entries are often longer than a button's single line.
type tile struct {
	widget.BaseWidget
	text   string
	sub    string
	fill   color.Color
	ink    color.Color
	tapped func()

	bg *canvas.Rectangle
}

var _ fyne.Tappable = (*tile)(nil)

func newTile(text, sub string, fill, ink color.Color, tapped func()) *tile {
	t := &tile{text: text, sub: sub, fill: fill, ink: ink, tapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped implements fyne.Tappable.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.tapped != nil {
		t.tapped()
	}
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	t.bg = canvas.NewRectangle(t.fill)
	t.bg.CornerRadius = ui.CornerRadius
	t.bg.StrokeColor = color.NRGBA{R: 0xD5, G: 0xDF, B: 0xEE, A: 0xFF}
	t.bg.StrokeWidth = 1
	label := ui.Wrapped(t.text)
	label.TextStyle.Bold = true
	objs := []fyne.CanvasObject{label}
	if t.sub != "" {
		s := widget.NewLabel(t.sub)
		s.SizeName = theme.SizeNameCaptionText
		s.Importance = widget.LowImportance
		s.Truncation = fyne.TextTruncateEllipsis
		objs = append(objs, s)
	}
	inner := container.New(layout.NewCustomPaddedLayout(4, 4, 8, 8), container.New(layout.NewCustomPaddedVBoxLayout(0), objs...))
	box := container.NewStack(t.bg, inner)
	return &tileRenderer{t: t, box: box}
}

type tileRenderer struct {
	t   *tile
	box *fyne.Container
}

func (r *tileRenderer) Layout(s fyne.Size) { r.box.Resize(s) }
func (r *tileRenderer) MinSize() fyne.Size {
	m := r.box.MinSize()
	m.Height = max(m.Height, ui.TouchHeight)
	return m
}
func (r *tileRenderer) Refresh()                     { r.box.Refresh() }
func (r *tileRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.box} }
func (r *tileRenderer) Destroy()                     {}
