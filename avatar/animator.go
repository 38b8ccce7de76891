package avatar

import (
	"math"
	"math/rand/v2"
	"time"

	"xiaofu/avatar/lipsync"
)

// blinker schedules blinks at natural random intervals.
type blinker struct {
	next, start time.Time
	double, cur bool
	everBlinked bool
}

func (b *blinker) schedule(from time.Time, r *rand.Rand) {
	wait, dbl := NextBlink(r)
	b.next, b.double = from.Add(wait), dbl
}

// at returns how far the eyes are shut at now, starting a new blink when
// one is due.
func (b *blinker) at(now time.Time, r *rand.Rand) float64 {
	if !now.Before(b.next) {
		b.start, b.cur, b.everBlinked = b.next, b.double, true
		from := b.start.Add(blinkDuration + doubleBlinkAt)
		if from.Before(now) {
			from = now
		}
		b.schedule(from, r)
	}
	if !b.everBlinked {
		return 0
	}
	return BlinkClosure(now.Sub(b.start), b.cur)
}

// gazer moves the eyes between random glance targets.
type gazer struct {
	next, moved time.Time
	from, to    point
}

func (g *gazer) schedule(now time.Time, r *rand.Rand) {
	hold, _ := nextGlance(r)
	g.next, g.moved = now.Add(hold), now
}

func (g *gazer) current(now time.Time) point {
	return lerpPoint(g.from, g.to, EaseOut(float64(now.Sub(g.moved))/float64(glanceMove)))
}

func (g *gazer) at(now time.Time, r *rand.Rand) point {
	if !now.Before(g.next) {
		g.from = g.current(now)
		hold, target := nextGlance(r)
		g.to, g.moved, g.next = target, now, now.Add(hold)
	}
	return g.current(now)
}

// mouthState turns levels and planned syllables into the mouth drawn.
type mouthState struct {
	env         float64 // smoothed loudness, 0..1
	levelAt     time.Time
	track       lipsync.Track
	trackAt     time.Time
	trackLevels bool // levels have arrived since the track started
	act         float64
	wA, wO, wI  float64
	open        float64
	shown       lipsync.Shape
	shownOpen   float64
}

func (m *mouthState) feed(loud float64, at time.Time) {
	dt := at.Sub(m.levelAt)
	if m.levelAt.IsZero() || dt <= 0 || dt > maxFrameStep {
		dt = 20 * time.Millisecond
	}
	m.env = lipsync.Follow(m.env, loud, dt, levelAttack, levelRelease)
	m.levelAt = at
	if len(m.track.Segments) > 0 && !at.Before(m.trackAt) {
		m.trackLevels = true
	}
}

func (m *mouthState) speak(t lipsync.Track, now time.Time) {
	m.track, m.trackAt, m.trackLevels = t, now, false
}

func (m *mouthState) stop() {
	m.env, m.levelAt, m.track = 0, time.Time{}, lipsync.Track{}
}

// weights gives the open-mouth shape weights (a, o, i) of a shape.
func weights(s lipsync.Shape) (a, o, i float64) {
	switch s {
	case lipsync.Round:
		return 0, 1, 0
	case lipsync.Spread:
		return 0, 0, 1
	}
	return 1, 0, 0
}

// levelShape is the shape when only the level is known: wide open when
// loud, flatter when soft.
func levelShape(open float64) (a, o, i float64) {
	a = smoothstep(0.3, 0.7, open)
	return a, 0, 1 - a
}

// apply lays the lip-sync mouth over the state's own mouth.
func (m *mouthState) apply(p Pose, now time.Time, dt time.Duration) Pose {
	levelLive := !m.levelAt.IsZero() && now.Sub(m.levelAt) <= levelTimeout
	if !levelLive {
		// The audio stopped (or never started): the mouth closes whatever
		// state the stream was left in.
		m.env = lipsync.Follow(m.env, 0, dt, levelAttack, stopRelease)
	}
	rel := now.Sub(m.trackAt)
	trackLive := len(m.track.Segments) > 0 && rel >= 0 && rel < m.track.Duration
	if len(m.track.Segments) > 0 && rel >= m.track.Duration {
		m.track = lipsync.Track{}
	}

	target := m.env
	ta, to, ti := levelShape(target)
	if trackLive {
		f := m.track.At(rel)
		if !m.trackLevels {
			target = 0.85 * f.Open
		}
		switch {
		case f.Known && f.Shape != lipsync.Closed:
			ta, to, ti = weights(f.Shape)
		default:
			ta, to, ti = levelShape(target)
		}
	}
	m.open = lipsync.Follow(m.open, target, dt, 20*time.Millisecond, stopRelease)
	if m.open < 0.01 && target == 0 {
		m.open = 0
	}
	if m.open > 0.02 || target > 0 {
		m.wA = lipsync.Follow(m.wA, ta, dt, shapeSmooth, shapeSmooth)
		m.wO = lipsync.Follow(m.wO, to, dt, shapeSmooth, shapeSmooth)
		m.wI = lipsync.Follow(m.wI, ti, dt, shapeSmooth, shapeSmooth)
	}
	engaged := trackLive || levelLive || m.open > 0.02
	goal := 0.0
	if engaged {
		goal = 1
	}
	m.act = lipsync.Follow(m.act, goal, dt, lipEngage, lipDisengage)
	if m.act < 0.01 && !engaged {
		m.act = 0
	}

	if m.act > 0 {
		k := m.act
		p.MouthOpen = lerp(p.MouthOpen, m.open, k)
		p.MouthA = lerp(p.MouthA, m.wA, k)
		p.MouthO = lerp(p.MouthO, m.wO, k)
		p.MouthI = lerp(p.MouthI, m.wI, k)
	}
	if m.act > 0.5 {
		// Lip-sync draws a few distinct openings and shapes, as cartoon
		// mouths do: a new frame only when the mouth visibly changes.
		p.MouthOpen = math.Round(p.MouthOpen*6) / 6
		switch {
		case p.MouthO >= p.MouthA && p.MouthO >= p.MouthI:
			p.MouthA, p.MouthO, p.MouthI = 0, 1, 0
		case p.MouthI > p.MouthA:
			p.MouthA, p.MouthO, p.MouthI = 0, 0, 1
		default:
			p.MouthA, p.MouthO, p.MouthI = 1, 0, 0
		}
	}
	m.shownOpen = p.MouthOpen
	m.shown = lipsync.Closed
	if p.MouthOpen > 0.05 {
		switch {
		case p.MouthO >= p.MouthA && p.MouthO >= p.MouthI:
			m.shown = lipsync.Round
		case p.MouthI > p.MouthA:
			m.shown = lipsync.Spread
		default:
			m.shown = lipsync.Open
		}
	}
	return p
}
