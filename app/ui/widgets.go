package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// BigButton is a button in the kiosk's large text (about 66 px tall, 16 mm on
// a 21-inch panel); importance sets its colour (widget.HighImportance for the
// main action on a screen). Wrap it in Tall where it is a screen's main
// target and must be TouchHeight tall.
func BigButton(label string, importance widget.Importance, tapped func()) *widget.Button {
	b := widget.NewButton(label, tapped)
	b.Importance = importance
	return b
}

// Tall wraps o so it is never shorter than TouchHeight.
func Tall(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&minHeight{h: TouchHeight}, o)
}

type minHeight struct{ h float32 }

func (m *minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(0, m.h)
	for _, o := range objs {
		ms := o.MinSize()
		s.Width = max(s.Width, ms.Width)
		s.Height = max(s.Height, ms.Height)
	}
	return s
}

func (m *minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// Card is a white rounded panel with padding around content.
func Card(content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(color.White)
	bg.CornerRadius = CornerRadius
	bg.StrokeColor = color.NRGBA{R: 0xDD, G: 0xE4, B: 0xEF, A: 0xFF}
	bg.StrokeWidth = 1
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(CardPadding, CardPadding, CardPadding, CardPadding), content))
}

// Heading is large text in the hall's navy.
func Heading(text string) *canvas.Text {
	t := canvas.NewText(text, HallNavy)
	t.TextSize = HeadingSize
	t.TextStyle.Bold = true
	return t
}

// Wrapped is a label that wraps by word (Chinese wraps per character) and
// keeps its full text, for answers and guide texts of any length.
func Wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Badge is a small coloured pill with white text, e.g. "离线副本".
func Badge(text string, c color.Color) fyne.CanvasObject {
	bg := canvas.NewRectangle(c)
	bg.CornerRadius = 14
	t := canvas.NewText(text, color.White)
	t.TextSize = CaptionSize
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(4, 4, 14, 14), t))
}
