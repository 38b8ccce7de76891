package avatar

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// BenchmarkFrame is the animator's work per tick at 1080x1920: the pose,
// overlays and the scene, without painting.
func BenchmarkFrame(b *testing.B) {
	test.NewTempApp(b)
	a := NewWithOptions(Options{Manual: true})
	a.size = fyne.NewSize(1080, 1920)
	t0 := a.opts.Now()
	a.SetState(Speaking)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now := t0.Add(time.Duration(i) * time.Second / 30)
		a.FeedLevel(0.1, now)
		a.frame(now)
	}
}

// BenchmarkComposeCached is turning a scene into sprites when every
// sprite is already rendered (the steady state).
func BenchmarkComposeCached(b *testing.B) {
	test.NewTempApp(b)
	a := NewWithOptions(Options{Manual: true})
	a.size = fyne.NewSize(1080, 1920)
	scene, _ := a.frame(a.opts.Now())
	a.sprites.compose(scene, a.texts)
	b.ReportAllocs()
	for b.Loop() {
		a.sprites.compose(scene, a.texts)
	}
}

// BenchmarkRenderHeadSprite is the cost of a cache miss on the largest
// moving part, the head, at 1080x1920.
func BenchmarkRenderHeadSprite(b *testing.B) {
	test.NewTempApp(b)
	a := NewWithOptions(Options{Manual: true})
	a.size = fyne.NewSize(1080, 1920)
	scene, _ := a.frame(a.opts.Now())
	var head []prim
	for _, p := range scene {
		if p.group == gHead {
			head = append(head, p)
		}
	}
	for b.Loop() {
		var c spriteCache
		c.layer(gHead, head, a.texts)
	}
}
