package avatar

import (
	"encoding/binary"
	"image"
	"math"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
)

// sprite is one group of shapes rendered to a picture.
type sprite struct {
	img  image.Image
	used uint64
}

// layer places a sprite (or hides it) for one frame.
type layer struct {
	sprite     *sprite
	x, y, w, h float32
}

// frameOut is what the renderer needs to draw one frame: a picture per
// group and the cue shapes.
type frameOut struct {
	layers [gCues]layer
	cues   []prim
}

// spritesPerGroup bounds the cache: enough for every blink stage, mouth
// shape and head tilt to stay rendered, about 40 MB at 1080x1920.
const spritesPerGroup = 40

// spriteCache renders groups of shapes with Fyne's software painter and
// keeps the pictures, keyed by the shapes relative to the group's corner:
// a group that only moved reuses its picture, and the lip-sync cycles
// through a few mouth pictures. Rendering a sprite takes milliseconds;
// painting it costs the window one cheap textured quad.
type spriteCache struct {
	mu     sync.Mutex
	scale  float32
	tick   uint64
	groups [gCues]map[string]*sprite
	key    []byte
	norm   []prim
	misses [gCues]int // sprites rendered, by group
}

func (c *spriteCache) setScale(s float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s != c.scale {
		c.scale = s
		c.groups = [gCues]map[string]*sprite{}
	}
}

// compose turns a scene into sprites and cue shapes.
func (c *spriteCache) compose(scene []prim, texts [3]string) frameOut {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scale <= 0 {
		c.scale = 1
	}
	var out frameOut
	start := 0
	for start < len(scene) {
		g := scene[start].group
		end := start
		for end < len(scene) && scene[end].group == g {
			end++
		}
		if g >= gCues {
			out.cues = append(out.cues, scene[start:end]...)
		} else {
			out.layers[g] = c.layer(g, scene[start:end], texts)
		}
		start = end
	}
	return out
}

func extent(p prim) (x0, y0, x1, y1 float32) {
	pad := float32(2)
	if p.width > 0 {
		pad += p.width
	}
	if p.kind == kLine {
		return min(p.x, p.w) - pad, min(p.y, p.h) - pad, max(p.x, p.w) + pad, max(p.y, p.h) + pad
	}
	return p.x - pad, p.y - pad, p.x + p.w + pad, p.y + p.h + pad
}

func (c *spriteCache) layer(g group, prims []prim, texts [3]string) layer {
	first := true
	var x0, y0, x1, y1 float32
	for _, p := range prims {
		if p.hidden {
			continue
		}
		a, b, cc, d := extent(p)
		if first {
			x0, y0, x1, y1, first = a, b, cc, d, false
			continue
		}
		x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, cc), max(y1, d)
	}
	if first {
		return layer{}
	}
	x0, y0 = float32(math.Floor(float64(x0))), float32(math.Floor(float64(y0)))
	w, h := float32(math.Ceil(float64(x1-x0))), float32(math.Ceil(float64(y1-y0)))

	c.norm = c.norm[:0]
	c.key = c.key[:0]
	for _, p := range prims {
		if p.hidden {
			continue
		}
		p.x -= x0
		p.y -= y0
		if p.kind == kLine {
			p.w -= x0
			p.h -= y0
		}
		c.norm = append(c.norm, p)
		c.key = appendKey(c.key, p)
	}
	if c.groups[g] == nil {
		c.groups[g] = map[string]*sprite{}
	}
	c.tick++
	sp, ok := c.groups[g][string(c.key)]
	if !ok {
		sp = &sprite{img: renderShapes(c.norm, fyne.NewSize(w, h), c.scale, texts)}
		c.misses[g]++
		c.evict(g)
		c.groups[g][string(c.key)] = sp
	}
	sp.used = c.tick
	return layer{sprite: sp, x: x0, y: y0, w: w, h: h}
}

func (c *spriteCache) evict(g group) {
	m := c.groups[g]
	if len(m) < spritesPerGroup {
		return
	}
	var oldest string
	var at uint64 = math.MaxUint64
	for k, s := range m {
		if s.used < at {
			oldest, at = k, s.used
		}
	}
	delete(m, oldest)
}

func appendKey(b []byte, p prim) []byte {
	b = append(b, byte(p.kind), p.fill.R, p.fill.G, p.fill.B, p.fill.A, p.stroke.R, p.stroke.G, p.stroke.B, p.stroke.A, p.text)
	for _, f := range [...]float32{p.x, p.y, p.w, p.h, p.width, p.a, p.b, p.c, p.d} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// renderShapes paints shapes on a transparent software canvas of the given
// size at the window's scale.
func renderShapes(prims []prim, size fyne.Size, scale float32, texts [3]string) image.Image {
	objs := make([]fyne.CanvasObject, len(prims))
	for i, p := range prims {
		objs[i] = newObject(p)
		setPrim(objs[i], p, texts)
	}
	cv := software.NewTransparentCanvas()
	cv.SetPadded(false)
	cv.SetScale(scale)
	cv.SetContent(container.NewWithoutLayout(objs...))
	cv.Resize(size)
	return cv.Capture()
}
