package lipsync

import (
	"math"
	"time"
	"unicode"
)

// Segment is one syllable or pause of a Track, in time from the start of
// the audio.
type Segment struct {
	Start, End time.Duration
	Viseme     Viseme
	// Known is false for a character the table does not know (a rare hanzi,
	// a Latin letter): its shape then comes from the audio level.
	Known bool
	Pause bool
}

// Track is the mouth movement planned for one piece of audio whose text is
// known, in order and without gaps.
type Track struct {
	Segments []Segment
	Duration time.Duration
}

// Relative lengths of the units of speech; synthesisers stretch a syllable
// before a comma and pause longer at a full stop.
const (
	syllableWeight = 1.0
	letterWeight   = 0.8
	commaWeight    = 0.9
	stopWeight     = 1.4
)

type unit struct {
	weight float64
	seg    Segment
}

// Plan spreads the syllables of text evenly (by weight) over d: each hanzi
// and digit is a syllable, punctuation a pause, other letters a syllable of
// unknown shape; spaces are skipped. It returns an empty Track when there is
// nothing to say or d is not positive.
func Plan(text string, d time.Duration) Track {
	if d <= 0 {
		return Track{}
	}
	var units []unit
	total := 0.0
	add := func(w float64, s Segment) {
		units = append(units, unit{w, s})
		total += w
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			v, ok := Lookup(r)
			add(syllableWeight, Segment{Viseme: v, Known: ok})
		case r >= '0' && r <= '9':
			add(syllableWeight, Segment{Viseme: digitVisemes[r-'0'], Known: true})
		case r >= '０' && r <= '９':
			add(syllableWeight, Segment{Viseme: digitVisemes[r-'０'], Known: true})
		case isStop(r):
			add(stopWeight, Segment{Pause: true, Known: true})
		case unicode.IsPunct(r):
			add(commaWeight, Segment{Pause: true, Known: true})
		case unicode.IsLetter(r):
			add(letterWeight, Segment{Known: false})
		}
	}
	if total == 0 {
		return Track{}
	}
	t := Track{Duration: d, Segments: make([]Segment, 0, len(units))}
	acc := 0.0
	for _, u := range units {
		s := u.seg
		s.Start = time.Duration(float64(d) * acc / total)
		acc += u.weight
		s.End = time.Duration(float64(d) * acc / total)
		t.Segments = append(t.Segments, s)
	}
	return t
}

func isStop(r rune) bool {
	switch r {
	case '。', '！', '？', '.', '!', '?', '；', ';', '…':
		return true
	}
	return false
}

// Frame is what a Track asks of the mouth at one instant.
type Frame struct {
	Shape Shape
	// Open is how far the syllable's own envelope opens the mouth, 0..1: it
	// rises and falls within each syllable so that a run of syllables with
	// the same shape still reads as speech when no level is available.
	Open float64
	// Known is false inside a syllable of unknown shape.
	Known bool
}

// At returns the mouth at time at from the start of the audio. Before the
// start, in a pause and after the end the mouth is closed.
func (t Track) At(at time.Duration) Frame {
	if at < 0 || at >= t.Duration || len(t.Segments) == 0 {
		return Frame{Shape: Closed, Known: true}
	}
	// Segments are sorted; a binary search keeps long answers cheap.
	lo, hi := 0, len(t.Segments)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.Segments[mid].Start <= at {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	s := t.Segments[lo]
	if s.Pause {
		return Frame{Shape: Closed, Known: true}
	}
	span := s.End - s.Start
	phase := 0.5
	if span > 0 {
		phase = float64(at-s.Start) / float64(span)
	}
	shape := s.Viseme.Start
	if phase >= 0.5 {
		shape = s.Viseme.End
	}
	return Frame{Shape: shape, Open: SyllableEnvelope(phase), Known: s.Known}
}

// SyllableEnvelope is the opening of the mouth through one syllable (phase
// 0..1): closed at both edges so consecutive syllables are told apart, fully
// open through the middle.
func SyllableEnvelope(phase float64) float64 {
	if phase <= 0 || phase >= 1 {
		return 0
	}
	// A raised sine: quick to open, long plateau, quick to close.
	return math.Min(1, 1.6*math.Sin(math.Pi*phase))
}
