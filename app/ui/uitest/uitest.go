// Package uitest holds what the kiosk's screen tests share: walking what is
// on screen the way a visitor sees it, descending into widgets' renderers.
// For tests only; it uses Fyne's test driver.
package uitest

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Walk visits every visible object under o, containers' children and
// widgets' rendered objects included.
func Walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			Walk(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			Walk(c, f)
		}
	}
}

// Texts is every string drawn under o: labels and canvas texts.
func Texts(o fyne.CanvasObject) []string {
	var out []string
	Walk(o, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *canvas.Text:
			out = append(out, v.Text)
		case *widget.Label:
			out = append(out, v.Text)
		}
	})
	return out
}

// Shows reports whether any drawn string under o contains s.
func Shows(o fyne.CanvasObject, s string) bool {
	for _, t := range Texts(o) {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// Button is the first visible button under o labelled label, or nil.
func Button(o fyne.CanvasObject, label string) *widget.Button {
	var found *widget.Button
	Walk(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	return found
}

// UpdateScreens reports whether screen tests should rewrite the committed
// screenshots in docs/screens (XIAOFU_UPDATE_SCREENS=1).
func UpdateScreens() bool { return os.Getenv("XIAOFU_UPDATE_SCREENS") == "1" }

// Capture renders w as the test canvas draws it and, when update is set,
// writes it to docs/screens/name.
func Capture(t testing.TB, w fyne.Window, name string, update bool) image.Image {
	t.Helper()
	img := w.Canvas().Capture()
	if !update {
		return img
	}
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "screens", name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return img
}
