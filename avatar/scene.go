package avatar

import (
	"image/color"
	"math"
)

// The drawing is made in a 600x700 design box and scaled to fit.
const (
	designW = 600.0
	designH = 700.0
)

// The hall's palette, plus the character's own colours.
var (
	colBlue     = color.NRGBA{0x1D, 0x5F, 0xBF, 0xFF} // the hall's government blue: the jacket
	colSleeve   = color.NRGBA{0x2A, 0x6E, 0xD2, 0xFF} // a lighter blue so arms read in front of the body
	colNavy     = color.NRGBA{0x12, 0x3A, 0x78, 0xFF}
	colSky      = color.NRGBA{0xE3, 0xED, 0xFB, 0xFF}
	colOrange   = color.NRGBA{0xF2, 0x8C, 0x28, 0xFF} // warm accent: bow tie, microphone
	colOrangeDk = color.NRGBA{0xD9, 0x73, 0x14, 0xFF}
	colGold     = color.NRGBA{0xF7, 0xB7, 0x2E, 0xFF}
	colSkin     = color.NRGBA{0xFF, 0xDD, 0xC1, 0xFF}
	colSkinDk   = color.NRGBA{0xF3, 0xBF, 0x9C, 0xFF}
	colHair     = color.NRGBA{0x2A, 0x2E, 0x4F, 0xFF}
	colEye      = color.NRGBA{0x26, 0x2B, 0x45, 0xFF}
	colCheek    = color.NRGBA{0xFF, 0x86, 0x8A, 0xFF}
	colMouth    = color.NRGBA{0x9A, 0x2B, 0x3A, 0xFF}
	colTongue   = color.NRGBA{0xF3, 0x7E, 0x8A, 0xFF}
	colWhite    = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colLine     = color.NRGBA{0xC4, 0xD2, 0xE6, 0xFF}
	colSweat    = color.NRGBA{0x7C, 0xC6, 0xF2, 0xFF}
)

type primKind uint8

const (
	kCircle primKind = iota
	kRect
	kLine
	kArc
	kPoly
	kText
)

// prim is one canvas object as it should be drawn, in the widget's
// coordinates, rounded to whole units. A scene is a fixed list of prims;
// two scenes that compare equal draw the same picture, which is how the
// animator knows it may skip a frame.
type prim struct {
	kind       primKind
	hidden     bool
	x, y, w, h float32 // box; a line runs from (x, y) to (w, h)
	width      float32 // line width or stroke width
	// rect: corner radii tl, tr, br, bl; arc: start, end, cutout, corner;
	// poly: angle, sides; text: size.
	a, b, c, d   float32
	fill, stroke color.NRGBA
	text         uint8 // index into the scene's texts
	group        group
}

// group is a part of the character drawn as one picture (a sprite): the
// window then paints a handful of images instead of ~80 shapes, since each
// shape drawn costs software GL about half a millisecond whatever its size.
// Every part is a sprite; gCues remains for shapes that change too often
// to cache.
type group uint8

const (
	gBody group = iota
	gHead
	gEyes
	gBrows
	gMouth
	gArmL
	gArmR
	gSweat
	gThink
	gBars
	gBubble
	gMarks
	gSpark
	gCues // shapes drawn as they are (none at present)
	nGroups
)

// The texts a scene shows, by prim.text.
const (
	textBadge = iota
	textHello
	textBye
)

// sceneBuilder converts design units to the widget's coordinates.
type sceneBuilder struct {
	s, ox, oy float64
	prims     []prim
	group     group
	// The group's anchor in design units and in whole pixels: positions
	// are rounded relative to it, so a group that only moves comes out as
	// the same shapes shifted, and its cached picture can be reused.
	ax, ay   float64
	apx, apy float64
}

// start begins a group anchored at a.
func (b *sceneBuilder) start(g group, a point) {
	b.group, b.ax, b.ay = g, a.X, a.Y
	b.apx, b.apy = math.Round(b.ox+a.X*b.s), math.Round(b.oy+a.Y*b.s)
}

func (b *sceneBuilder) add(p prim) {
	if p.hidden {
		// A hidden shape is the same whatever it would have shown, so
		// that a twinkle nobody sees does not count as a change.
		p = prim{kind: p.kind, hidden: true, text: p.text}
	}
	p.group = b.group
	b.prims = append(b.prims, p)
}

// q rounds to whole units: a sub-pixel drift is invisible but would cost a
// full repaint of the window.
func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func q(v float64) float32 { return float32(math.Round(v)) }

func fade(c color.NRGBA, alpha float64) (color.NRGBA, bool) {
	alpha = clamp01(alpha)
	c.A = uint8(math.Round(float64(c.A) * alpha))
	return c, c.A < 4
}

func (b *sceneBuilder) px(x, y float64) (float32, float32) {
	return float32(b.apx) + q((x-b.ax)*b.s), float32(b.apy) + q((y-b.ay)*b.s)
}

func (b *sceneBuilder) circle(c point, r float64, col color.NRGBA, alpha float64) {
	f, hid := fade(col, alpha)
	x, y := b.px(c.X-r, c.Y-r)
	d := q(2 * r * b.s)
	b.add(prim{kind: kCircle, hidden: hid, x: x, y: y, w: d, h: d, fill: f})
}

func (b *sceneBuilder) rect(x0, y0, w, h, tl, tr, br, bl float64, col color.NRGBA, alpha float64) {
	b.rectStroke(x0, y0, w, h, tl, tr, br, bl, col, color.NRGBA{}, 0, alpha)
}

func (b *sceneBuilder) rectStroke(x0, y0, w, h, tl, tr, br, bl float64, col, stroke color.NRGBA, sw, alpha float64) {
	f, hid := fade(col, alpha)
	st, _ := fade(stroke, alpha)
	x, y := b.px(x0, y0)
	lim := math.Min(w, h) / 2
	r := func(v float64) float32 { return q(math.Min(v, lim) * b.s) }
	b.add(prim{kind: kRect, hidden: hid || w <= 0 || h <= 0, x: x, y: y,
		w: q(w * b.s), h: q(h * b.s), a: r(tl), b: r(tr), c: r(br), d: r(bl),
		fill: f, stroke: st, width: q(sw * b.s)})
}

func (b *sceneBuilder) line(p1, p2 point, width float64, col color.NRGBA, alpha float64) {
	f, hid := fade(col, alpha)
	x1, y1 := b.px(p1.X, p1.Y)
	x2, y2 := b.px(p2.X, p2.Y)
	b.add(prim{kind: kLine, hidden: hid, x: x1, y: y1, w: x2, h: y2, width: q(width * b.s), stroke: f})
}

// arc draws a ring segment of thickness th centred on c; angles in degrees,
// 0 at the top, clockwise.
func (b *sceneBuilder) arc(c point, r, start, end, th float64, col color.NRGBA, alpha float64) {
	f, hid := fade(col, alpha)
	x, y := b.px(c.X-r, c.Y-r)
	d := q(2 * r * b.s)
	b.add(prim{kind: kArc, hidden: hid, x: x, y: y, w: d, h: d,
		a: float32(start), b: float32(end), c: float32(1 - th/r), d: q(th / 2 * b.s), fill: f})
}

func (b *sceneBuilder) poly(c point, r float64, sides int, angle float64, col color.NRGBA, alpha float64) {
	f, hid := fade(col, alpha)
	x, y := b.px(c.X-r, c.Y-r)
	d := q(2 * r * b.s)
	b.add(prim{kind: kPoly, hidden: hid, x: x, y: y, w: d, h: d, a: float32(angle), b: float32(sides), fill: f})
}

func (b *sceneBuilder) text(x0, y0, w, h, size float64, which uint8, col color.NRGBA, alpha float64) {
	f, hid := fade(col, alpha)
	x, y := b.px(x0, y0)
	b.add(prim{kind: kText, hidden: hid, x: x, y: y, w: q(w * b.s), h: q(h * b.s), a: q(size * b.s), fill: f, text: which})
}

// layout returns the scale and offset that fit the design box into a
// widget of the given size, keeping its aspect: centred across, standing on
// the bottom edge so the body never floats.
func layout(w, h float32) (s, ox, oy float64) {
	s = math.Min(float64(w)/designW, float64(h)/designH)
	return s, (float64(w) - designW*s) / 2, float64(h) - designH*s
}

// buildScene draws pose p into a widget of size w x h. It is pure.
func buildScene(p Pose, w, h float32) []prim {
	s, ox, oy := layout(w, h)
	b := &sceneBuilder{s: s, ox: ox, oy: oy, prims: make([]prim, 0, 112)}
	by := p.BodyY

	// The body. Software GL shades every pixel of an object's box, and
	// rounded rectangles and arcs cost ten times what circles and plain
	// rectangles do, so large parts are built from circles and plain
	// rectangles, and no large arcs are used.
	// The torso stays put, standing on the bottom edge; breathing and
	// bouncing move the head and arms, so the torso's picture never
	// changes.
	by = math.Round(by*s) / s // head and arms move by whole pixels, in step
	body := 0.0
	b.start(gBody, point{300, 408})
	b.rect(282, 352+body, 36, 70, 0, 0, 0, 0, colSkinDk, 1)
	b.circle(point{256, 494 + body}, 86, colBlue, 1)
	b.circle(point{344, 494 + body}, 86, colBlue, 1)
	b.rect(256, 408+body, 88, 86, 0, 0, 0, 0, colBlue, 1)
	b.rect(170, 494+body, 260, designH-494-body, 0, 0, 0, 0, colBlue, 1)
	b.poly(point{300, 428 + body}, 36, 3, 180, colWhite, 1)
	b.line(point{300, 462 + body}, point{300, designH}, 3, colNavy, 1)
	b.circle(point{285, 540 + body}, 5, colGold, 1)
	b.circle(point{285, 600 + body}, 5, colGold, 1)
	b.poly(point{286, 426 + body}, 14, 3, 90, colOrange, 1)
	b.poly(point{314, 426 + body}, 14, 3, -90, colOrange, 1)
	b.circle(point{300, 426 + body}, 7, colOrangeDk, 1)
	b.rect(316, 482+body, 80, 50, 9, 9, 9, 9, colWhite, 1)
	b.rect(316, 482+body, 80, 11, 9, 9, 0, 0, colBlue, 1)
	b.text(316, 494+body, 80, 38, 27, textBadge, colBlue, 1)

	// Head: everything below turns with the tilt about the head's centre.
	hc := point{300 + p.HeadX + p.Tilt*0.8, 255 + by + math.Round(p.HeadY*s)/s}
	// Whole degrees: each new angle repaints the head's picture.
	sin, cos := math.Sincos(math.Round(p.Tilt) * math.Pi / 180)
	at := func(dx, dy float64) point {
		return point{hc.X + dx*cos - dy*sin, hc.Y + dx*sin + dy*cos}
	}
	look := point{p.LookX * 9, p.LookY * 7}
	face := func(dx, dy, par float64) point {
		pt := at(dx, dy)
		return point{pt.X + look.X*par, pt.Y + look.Y*par}
	}

	b.start(gHead, hc)
	b.circle(at(0, -16), 144, colHair, 1)
	for _, sd := range []float64{-1, 1} {
		b.circle(at(sd*126, 14), 24, colSkin, 1)
	}
	b.circle(hc, 128, colSkin, 1)
	for _, sd := range []float64{-1, 1} {
		b.circle(at(sd*80, 56), 21, colCheek, 0.25+0.35*math.Round(p.Blush*10)/10)
	}

	b.circle(at(0, 46), 4.5, colSkinDk, 1)
	// Hair over the forehead, a cowlick, and the service headset.
	for _, f := range []struct{ x, y, r float64 }{
		{-112, -36, 24}, {112, -36, 24}, {-82, -94, 34}, {-42, -114, 37}, {2, -120, 39}, {46, -114, 36}, {84, -92, 32},
	} {
		b.circle(at(f.x, f.y), f.r, colHair, 1)
	}
	b.arc(at(30, -166), 26, 200, 330, 8, colHair, 1)
	for _, sd := range []float64{-1, 1} {
		b.circle(at(sd*130, 16), 25, colNavy, 1)
		b.circle(at(sd*130, 16), 13, colBlue, 1)
	}
	b.line(at(-126, 30), at(-60, 86), 6, colNavy, 1)
	b.circle(at(-60, 86), 9, colOrange, 1)

	// Eyes: a tall rounded pupil with two highlights, or a smiling arc.
	b.start(gEyes, point{hc.X + look.X, hc.Y + look.Y})
	eyeH := math.Max(5, 50*clamp01(p.EyeOpen))
	for _, sd := range []float64{-1, 1} {
		e := face(sd*48, 20, 1)
		alpha := 1 - p.EyeHappy
		b.rect(e.X-19, e.Y-eyeH/2, 38, eyeH, 19, 19, 19, 19, colEye, alpha)
		hl := alpha * smoothstep(0.35, 0.7, p.EyeOpen)
		k := eyeH / 50
		b.circle(point{e.X + 7 + p.LookX*2, e.Y - 11*k + p.LookY*2}, 7.5, colWhite, hl)
		b.circle(point{e.X - 7, e.Y + 11*k}, 3.5, colWhite, hl)
		b.arc(point{e.X, e.Y + 12}, 24, -64, 64, 7, colEye, p.EyeHappy)
	}
	// Brows: short arches; the inner ends rise when worried.
	b.start(gBrows, point{hc.X + look.X, hc.Y + look.Y})
	browY := math.Round(p.BrowY*2) / 2
	for _, sd := range []float64{-1, 1} {
		c := face(sd*48, -8-browY, 1)
		rot := sd*p.BrowTilt + p.Tilt
		b.arc(c, 28, -38+rot, 38+rot, 7, colHair, 1)
	}

	// Mouth: a closed smile or frown line, or an open mouth whose shape
	// blends between a (a D shape), o (round) and i (wide and flat).
	b.start(gMouth, point{hc.X + look.X*1.1, hc.Y + look.Y*1.1})
	m := face(p.MouthX, 78, 1.1)
	open := clamp01(p.MouthOpen)
	closed := 1 - smoothstep(0.04, 0.16, open)
	sm := p.Smile
	sweep := 30 + 34*math.Max(sm, 0)
	b.arc(point{m.X, m.Y - 26}, 30, 180-sweep, 180+sweep, 6, colMouth, closed*smoothstep(-0.2, 0.1, sm))
	fsweep := 26 + 26*math.Max(-sm, 0)
	b.arc(point{m.X, m.Y + 30}, 28, -fsweep, fsweep, 6, colMouth, closed*smoothstep(-0.1, -0.35, sm))
	A, O, I := p.MouthA, p.MouthO, p.MouthI
	if sum := A + O + I; sum > 0 {
		A, O, I = A/sum, O/sum, I/sum
	} else {
		A = 1
	}
	mw := (56*A + 32*O + 64*I) * (0.72 + 0.28*open)
	mh := math.Max(5, (48*A+40*O+22*I)*open)
	mr := math.Min(mw, mh)
	top := mr * (0.5 - 0.32*A)
	mx, my := m.X-mw/2, m.Y-6
	vis := smoothstep(0.04, 0.14, open)
	b.rect(mx, my, mw, mh, top, top, mr/2, mr/2, colMouth, vis)
	tw, th := mw*0.6, math.Min(mh*0.24, 9)
	b.rect(m.X-tw/2, my, tw, th, th/2, th/2, th/2, th/2, colWhite, vis*(1-O)*smoothstep(12, 20, mh))
	gw, gh := mw*0.5, mh*0.4
	b.rect(m.X-gw/2, my+mh-gh-mh*0.08, gw, gh, gh/2, gh/2, gh/2, gh/2, colTongue, vis*smoothstep(16, 26, mh)*(1-0.6*I))

	// Arms: sleeves, white cuffs and hands, elbows solved from the hands.
	for _, arm := range []struct {
		sh, hand point
		sd       float64
		hint     point
	}{{shoulderL, p.LHand, -1, p.LElbow}, {shoulderR, p.RHand, 1, p.RElbow}} {
		sh := point{arm.sh.X, arm.sh.Y + by}
		arm.hand.Y += by
		if arm.sd < 0 {
			b.start(gArmL, sh)
		} else {
			b.start(gArmR, sh)
		}
		el, hand := armJoints(sh, arm.hand, arm.hint)
		dx, dy := hand.X-el.X, hand.Y-el.Y
		d := math.Max(1, math.Hypot(dx, dy))
		wrist := point{hand.X - dx/d*16, hand.Y - dy/d*16}
		b.line(sh, el, 36, colSleeve, 1)
		b.line(el, wrist, 33, colSleeve, 1)
		b.circle(sh, 18, colSleeve, 1)
		b.circle(el, 16.5, colSleeve, 1)
		b.circle(wrist, 15, colWhite, 1)
		b.circle(hand, 21, colSkin, 1)
	}

	// Cues: sweat drop, thought bubble, sparkles, listening rings, speech
	// bubbles, wave marks.
	b.start(gSweat, point{0, 0})
	// A still drop, as cartoons draw it: a sliding one would cost ten
	// repaints a second for as long as the character is sorry.
	drop := at(118, -54)
	dropA := p.Sweat
	b.poly(point{drop.X, drop.Y - 12}, 12, 3, 0, colSweat, dropA)
	b.circle(drop, 13, colSweat, dropA)
	b.circle(point{drop.X - 4, drop.Y + 2}, 4, colWhite, dropA*0.8)

	b.start(gThink, point{0, by})
	b.circle(point{416, 176 + by}, 7, colWhite, p.Think)
	b.circle(point{442, 140 + by}, 11, colWhite, p.Think)
	b.rectStroke(440, 30+by, 146, 80, 40, 40, 40, 40, colWhite, colLine, 3, p.Think)
	for i := 0; i < 3; i++ {
		// One dot up at a time, in turn: a clear "thinking…" that needs
		// only three repaints a second.
		jump := 0.0
		if int(p.ThinkPhase/0.3)%3 == i {
			jump = 1
		}
		b.circle(point{476 + 37*float64(i), 70 + by - 9*jump}, 8, colBlue, p.Think)
	}

	// Listening: three sound bars beside the ear, taller with the level.
	ear := at(128, 16)
	b.start(gBars, ear)
	for i := 0; i < 3; i++ {
		th := []float64{0.05, 0.25, 0.5}[i]
		lv := smoothstep(th, th+0.25, p.RingLevel)
		hgt := 10 + 26*lv + 8*float64(1-abs(i-1))
		x := ear.X + 60 + 20*float64(i)
		b.line(point{x, ear.Y - hgt}, point{x, ear.Y + hgt}, 9, colBlue, p.Rings*(0.35+0.65*lv))
	}

	b.start(gBubble, point{0, by})
	for _, bub := range []struct {
		alpha float64
		which uint8
	}{{p.Hello, textHello}, {p.Bye, textBye}} {
		pop := 0.9 + 0.1*bub.alpha
		b.poly(point{184, 150 + by}, 20*pop, 3, 150, colBlue, bub.alpha)
		b.rectStroke(20, 56+by, 196, 88, 34, 34, 34, 34, colWhite, colBlue, 4, bub.alpha)
		b.poly(point{180, 143 + by}, 14*pop, 3, 150, colWhite, bub.alpha)
		b.text(20, 56+by, 196, 88, 44, bub.which, colBlue, bub.alpha)
	}

	rh := point{p.RHand.X, p.RHand.Y + by}
	b.start(gMarks, rh)
	for i, r := range []float64{36, 50} {
		a0 := (40 + 10*float64(i)) * math.Pi / 180
		c := point{rh.X + r*math.Sin(a0), rh.Y - r*math.Cos(a0)}
		b.line(point{c.X - 5, c.Y - 8}, point{c.X + 5, c.Y + 8}, 5, colNavy, 0.55*p.WaveMarks)
	}
	b.start(gSpark, point{0, by})
	for i, sp := range []struct{ x, y, r float64 }{{104, 150, 24}, {500, 118, 20}, {548, 262, 15}, {60, 282, 14}} {
		// Two sets twinkle in turn: two pictures in all.
		tw := 0.7
		if (int(p.Phase*2.5)+i)%2 == 0 {
			tw = 1
		}
		c := colGold
		if i%2 == 1 {
			c = colOrange
		}
		r := sp.r * tw
		ctr := point{sp.x, sp.y + by}
		b.line(point{ctr.X, ctr.Y - r}, point{ctr.X, ctr.Y + r}, r*0.3, c, p.Sparkle)
		b.line(point{ctr.X - r, ctr.Y}, point{ctr.X + r, ctr.Y}, r*0.3, c, p.Sparkle)
		b.poly(ctr, r*0.5, 4, 0, c, p.Sparkle)
	}

	return b.prims
}

// armJoints solves the elbow for a hand, choosing of the two possible
// elbows the one nearer the hint (relative to the shoulder).
func armJoints(sh, hand, hint point) (el, h point) {
	e1, h1 := elbow(sh, hand, upperArm, foreArm, 1)
	e2, _ := elbow(sh, hand, upperArm, foreArm, -1)
	hint = point{sh.X + hint.X, sh.Y + hint.Y}
	if math.Hypot(e2.X-hint.X, e2.Y-hint.Y) < math.Hypot(e1.X-hint.X, e1.Y-hint.Y) {
		return e2, h1
	}
	return e1, h1
}
