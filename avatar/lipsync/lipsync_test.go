package lipsync

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestFinal(t *testing.T) {
	tests := []struct{ syllable, want string }{
		{"a", "a"}, {"zhuang", "uang"}, {"shi", "i"}, {"yi", "i"}, {"ya", "ia"},
		{"ye", "ie"}, {"you", "iou"}, {"yu", "v"}, {"yue", "ve"}, {"yuan", "van"},
		{"yun", "vn"}, {"wu", "u"}, {"wo", "uo"}, {"wei", "uei"}, {"wen", "uen"},
		{"ju", "v"}, {"qun", "vn"}, {"xue", "ve"}, {"lv", "v"}, {"lü", "v"}, {"nve", "ve"},
		{"gui", "uei"}, {"liu", "iou"}, {"dun", "uen"}, {"er", "er"}, {"ang", "ang"},
		{"ming", "ing"}, {"xiong", "iong"}, {"chuai", "uai"},
	}
	for _, tt := range tests {
		t.Run(tt.syllable, func(t *testing.T) {
			got, err := Final(tt.syllable)
			if err != nil || got != tt.want {
				t.Fatalf("Final(%q) = %q, %v; want %q", tt.syllable, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "zh", "xyz", "bq"} {
		if f, err := Final(bad); err == nil {
			t.Errorf("Final(%q) = %q, want an error", bad, f)
		}
	}
}

func TestLookupShapes(t *testing.T) {
	tests := []struct {
		char       rune
		start, end Shape
	}{
		{'大', Open, Open}, {'发', Open, Open}, {'办', Open, Open},
		{'好', Open, Round}, {'小', Spread, Round}, {'来', Open, Spread},
		{'我', Round, Round}, {'五', Round, Round}, {'服', Round, Round}, {'中', Round, Round},
		{'一', Spread, Spread}, {'是', Spread, Spread}, {'的', Spread, Spread}, {'您', Spread, Spread},
		{'家', Spread, Open}, {'话', Round, Open}, {'对', Round, Spread}, {'去', Round, Round},
		{'月', Round, Spread}, {'有', Spread, Round},
	}
	for _, tt := range tests {
		v, ok := Lookup(tt.char)
		if !ok || v.Start != tt.start || v.End != tt.end {
			t.Errorf("Lookup(%c) = %v %v, %v; want %v %v", tt.char, v.Start, v.End, ok, tt.start, tt.end)
		}
	}
	if _, ok := Lookup('鑱'); ok {
		t.Errorf("a rare character should be unknown")
	}
}

// Every line of the table must parse, and no character may be listed twice,
// or the mouth would depend on the order of lines.
func TestTableWellFormed(t *testing.T) {
	seen := map[rune]string{}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(syllableTable), "\n") {
		syl, chars, ok := strings.Cut(line, " ")
		if !ok || chars == "" {
			t.Errorf("line %q: want \"syllable chars\"", line)
			continue
		}
		if _, err := VisemeOf(syl); err != nil {
			t.Errorf("line %q: %v", line, err)
		}
		for _, r := range chars {
			if !unicode.Is(unicode.Han, r) {
				t.Errorf("line %q: %q is not a hanzi", syl, r)
			}
			if prev, dup := seen[r]; dup {
				t.Errorf("%c listed under %s and %s", r, prev, syl)
			}
			seen[r] = syl
			n++
		}
	}
	if n < 3000 {
		t.Errorf("table has %d characters, want the commonest 3000 or more", n)
	}
}

// The table must know nearly every character of what the hall says.
func TestCoverageOfHallPhrases(t *testing.T) {
	b, err := os.ReadFile("testdata/hall_phrases.txt")
	if err != nil {
		t.Fatal(err)
	}
	var han, known int
	var missing []rune
	for _, r := range string(b) {
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		han++
		if _, ok := Lookup(r); ok {
			known++
		} else {
			missing = append(missing, r)
		}
	}
	if cov := float64(known) / float64(han); cov < 0.99 {
		t.Errorf("coverage %.3f of %d characters, missing %q", cov, han, string(missing))
	}
}

func TestPlan(t *testing.T) {
	tr := Plan("大家好，一起5。", 1100*time.Millisecond)
	// 大 家 好 ， 一 起 5 。 = 6 syllables (6.0) + comma 0.9 + stop 1.4 = 8.3
	if len(tr.Segments) != 8 {
		t.Fatalf("segments = %d, want 8", len(tr.Segments))
	}
	if tr.Segments[0].Start != 0 || tr.Segments[len(tr.Segments)-1].End != 1100*time.Millisecond {
		t.Errorf("track does not span the audio: %v .. %v", tr.Segments[0].Start, tr.Segments[len(tr.Segments)-1].End)
	}
	for i := 1; i < len(tr.Segments); i++ {
		if tr.Segments[i].Start != tr.Segments[i-1].End {
			t.Errorf("gap before segment %d", i)
		}
	}
	mid := func(i int) time.Duration { return (tr.Segments[i].Start + tr.Segments[i].End) / 2 }
	tests := []struct {
		name string
		at   time.Duration
		want Shape
	}{
		{"大 opens", mid(0), Open},
		{"家 ends open", mid(1) + 10*time.Millisecond, Open},
		{"好 starts open", tr.Segments[2].Start + 20*time.Millisecond, Open},
		{"好 ends round", tr.Segments[2].End - 20*time.Millisecond, Round},
		{"comma closes", mid(3), Closed},
		{"一 spreads", mid(4), Spread},
		{"5 (wu) rounds", mid(6), Round},
		{"full stop closes", mid(7), Closed},
		{"after the end", 2 * time.Second, Closed},
		{"before the start", -time.Millisecond, Closed},
	}
	for _, tt := range tests {
		if got := tr.At(tt.at).Shape; got != tt.want {
			t.Errorf("%s: At(%v) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
	if f := tr.At(mid(0)); f.Open < 0.9 {
		t.Errorf("mid-syllable opening = %.2f, want nearly open", f.Open)
	}
	if f := tr.At(tr.Segments[1].Start); f.Open > 0.05 {
		t.Errorf("syllable boundary opening = %.2f, want closed", f.Open)
	}
	if got := Plan("   ", time.Second); len(got.Segments) != 0 {
		t.Errorf("blank text planned %d segments", len(got.Segments))
	}
	if got := Plan("你好", 0); len(got.Segments) != 0 {
		t.Errorf("zero duration planned %d segments", len(got.Segments))
	}
	if f := Plan("abc鑱", time.Second).At(100 * time.Millisecond); f.Known {
		t.Errorf("a Latin letter should have an unknown shape")
	}
}

func TestRMSAndLoudness(t *testing.T) {
	sine := make([]int16, 320)
	for i := range sine {
		sine[i] = int16(16384 * math.Sin(2*math.Pi*float64(i)/32))
	}
	if got := RMS(sine); math.Abs(got-0.5/math.Sqrt2) > 0.005 {
		t.Errorf("RMS of a half-scale sine = %.4f, want %.4f", got, 0.5/math.Sqrt2)
	}
	if RMS(nil) != 0 || RMS(make([]int16, 320)) != 0 {
		t.Errorf("silence must have zero RMS")
	}
	tests := []struct {
		name     string
		rms      float64
		min, max float64
	}{
		{"silence", 0, 0, 0},
		{"room noise -60 dBFS", 0.001, 0, 0},
		{"soft speech -35 dBFS", 0.0178, 0.2, 0.45},
		{"speech -20 dBFS", 0.1, 0.75, 0.9},
		{"shouting -6 dBFS", 0.5, 1, 1},
	}
	for _, tt := range tests {
		if got := Loudness(tt.rms); got < tt.min || got > tt.max {
			t.Errorf("%s: Loudness(%v) = %.3f, want %v..%v", tt.name, tt.rms, got, tt.min, tt.max)
		}
	}
}

func TestFollow(t *testing.T) {
	const attack, release = 20 * time.Millisecond, 80 * time.Millisecond
	tests := []struct {
		name     string
		prev, x  float64
		dt       time.Duration
		min, max float64
	}{
		{"attack reaches 63% in one time constant", 0, 1, attack, 0.62, 0.64},
		{"release is slower", 1, 0, attack, 0.77, 0.79},
		{"release reaches 37% in its time constant", 1, 0, release, 0.36, 0.38},
		{"no time, no change", 0.4, 1, 0, 0.4, 0.4},
		{"steady input stays", 0.5, 0.5, attack, 0.5, 0.5},
		{"long gap settles", 1, 0, 2 * time.Second, 0, 0.0001},
	}
	for _, tt := range tests {
		if got := Follow(tt.prev, tt.x, tt.dt, attack, release); got < tt.min || got > tt.max {
			t.Errorf("%s: Follow = %.4f, want %v..%v", tt.name, got, tt.min, tt.max)
		}
	}
}
