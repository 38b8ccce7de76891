package kiosk

import "fyne.io/fyne/v2"

// stageLayout places the digital human's stage (objects[0]) and the panel
// (objects[1]): stacked in portrait, side by side in landscape, so neither
// overlaps the other on a 1080x1920 or a 1920x1080 panel.
type stageLayout struct{}

const gap = 12

// stageShare returns the stage's share of the long side. The body is
// treated as landscape only when clearly wider than tall, so that opening the
// on-screen keyboard on a portrait panel (which shortens the body) does not
// flip the whole screen sideways.
func stageShare(size fyne.Size) (portrait bool, share float32) {
	if size.Width < 1.4*size.Height {
		return true, 0.30
	}
	return false, 0.34
}

func (stageLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) < 2 {
		return
	}
	stage, panel := objs[0], objs[1]
	portrait, share := stageShare(size)
	if portrait {
		h := max(size.Height*share, stage.MinSize().Height)
		stage.Move(fyne.NewPos(0, 0))
		stage.Resize(fyne.NewSize(size.Width, h))
		panel.Move(fyne.NewPos(0, h+gap))
		panel.Resize(fyne.NewSize(size.Width, size.Height-h-gap))
		return
	}
	w := max(size.Width*share, stage.MinSize().Width)
	stage.Move(fyne.NewPos(0, 0))
	stage.Resize(fyne.NewSize(w, size.Height))
	panel.Move(fyne.NewPos(w+gap, 0))
	panel.Resize(fyne.NewSize(size.Width-w-gap, size.Height))
}

func (stageLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) < 2 {
		return fyne.NewSize(0, 0)
	}
	// Not the sum of the heights: in landscape the two sit side by side, and
	// a minimum taller than the screen would push the window's bottom bar
	// (the question entry) off it. Each side scrolls its own overflow.
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(a.Width, b.Width), max(a.Height, b.Height))
}
