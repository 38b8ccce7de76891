package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// Targets reports where the main touch targets are on screen, in window
// pixels, so the end-to-end test can tap them with real X input events.
// It is written to the trace file only when tracing is on.
func (k *Kiosk) traceTargets(scale float32) {
	if k.trace == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	rect := func(o fyne.CanvasObject) [4]int {
		p := d.AbsolutePositionForObject(o)
		s := o.Size()
		return [4]int{int(p.X * scale), int(p.Y * scale), int(s.Width * scale), int(s.Height * scale)}
	}
	t := map[string][4]int{"entry": rect(k.entry), "ask": rect(k.askButton)}
	forEachTile(k.home, func(tl *tile) { t["tile:"+tl.text] = rect(tl) })
	k.traceScreen("ready", t)
}

// Ready marks the window as shown and interactive (tracing only). scale is
// the canvas scale: window pixels per Fyne unit.
func (k *Kiosk) Ready(scale float32) { k.traceTargets(scale) }

func forEachTile(o fyne.CanvasObject, f func(*tile)) {
	switch v := o.(type) {
	case *tile:
		f(v)
	case *fyne.Container:
		for _, c := range v.Objects {
			forEachTile(c, f)
		}
	case *container.Scroll:
		forEachTile(v.Content, f)
	}
}
