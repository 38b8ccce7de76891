package pictureview

import (
	"context"

	"fyne.io/fyne/v2"
)

// NewWithDo builds the screen with do in place of fyne.Do, so a test runs
// the screen's updates on its own goroutine, in order.
func NewWithDo(ctx context.Context, cfg Config, do func(func())) *View {
	return newView(ctx, cfg, do)
}

// Root is the screen's current content.
func (v *View) Root() fyne.CanvasObject { return v.root }
