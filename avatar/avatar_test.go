package avatar_test

import (
	"bufio"
	"image"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"xiaofu/avatar"
	"xiaofu/avatar/lipsync"
)

func newWindow(t *testing.T) (*avatar.Avatar, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	a := avatar.NewWithOptions(avatar.Options{Manual: true})
	w := test.NewWindow(a)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(600, 700))
	t.Cleanup(w.Close)
	return a, w
}

// Every state and mouth shape is drawn as in the gallery; a change to the
// art shows up here as a failed image in testdata/failed/ to look at.
func TestStillsMatchGolden(t *testing.T) {
	for _, st := range avatar.Stills() {
		t.Run(st.Name, func(t *testing.T) {
			a, w := newWindow(t)
			st.Play(a)
			test.AssertImageMatches(t, st.Name+".png", w.Canvas().Capture())
			if strings.HasPrefix(st.Name, "mouth-") {
				want := strings.TrimPrefix(st.Name, "mouth-")
				if got, open := a.Mouth(); got.String() != want {
					t.Errorf("mouth shows %v (open %.2f), want %s", got, open, want)
				}
			}
		})
	}
}

func TestScalesToItsSlot(t *testing.T) {
	a, w := newWindow(t)
	if m := a.MinSize(); m.Width > 600 || m.Height > 700 || m.Width < 200 {
		t.Errorf("MinSize %v does not fit the kiosk's 600x700 slot", m)
	}
	w.Resize(fyne.NewSize(300, 350))
	a.Advance(time.Now())
	img := w.Canvas().Capture()
	// The jacket's blue reaches the bottom edge at any size.
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Dx()/2+20, b.Dy()-2).RGBA()
	if !(bl>>8 > 0x90 && r>>8 < 0x40 && g>>8 < 0x80) {
		t.Errorf("bottom centre is %x %x %x, want the jacket's blue", r>>8, g>>8, bl>>8)
	}
}

func readLevels(t *testing.T) []float64 {
	t.Helper()
	f, err := os.Open("testdata/speech_levels.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, fld := range strings.Fields(line) {
			v, err := strconv.ParseFloat(fld, 64)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
	}
	return out
}

// A recorded utterance (espeak-ng, RMS per 20 ms) drives the mouth: it is
// open when the voice is loud, shut in the pauses, and closed at the end
// although nobody calls Stop, as when a stream just ends.
func TestMouthFollowsRecordedSpeech(t *testing.T) {
	levels := readLevels(t)
	if len(levels) < 100 {
		t.Fatalf("only %d levels", len(levels))
	}
	a, _ := newWindow(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a.Advance(t0)
	a.SetState(avatar.Speaking)
	a.Speak("您好，我是小服。请问有什么可以帮您？", time.Duration(len(levels))*20*time.Millisecond)
	frame := time.Second / 30
	var loudOpen, loudN, quietOpen, quietN float64
	next := t0
	for i, lv := range levels {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		a.FeedLevel(lv, at)
		for !next.After(at) {
			a.Advance(next)
			next = next.Add(frame)
		}
		// Compare with the voice 40 ms earlier: the mouth follows, it cannot lead.
		if i < 2 {
			continue
		}
		_, open := a.Mouth()
		loud := lipsync.Loudness(levels[i-2])
		switch {
		case loud > 0.75:
			loudOpen += open
			loudN++
		case loud < 0.3 && lipsync.Loudness(levels[i-1]) < 0.3 && lipsync.Loudness(levels[i-3]) < 0.3:
			quietOpen += open
			quietN++
		}
	}
	if loudN < 20 || quietN < 5 {
		t.Fatalf("recording has %v loud and %v quiet frames; want a real utterance", loudN, quietN)
	}
	if m := loudOpen / loudN; m < 0.6 {
		t.Errorf("mouth open %.2f on average while loud, want wide open", m)
	}
	if m := quietOpen / quietN; m > 0.35 {
		t.Errorf("mouth open %.2f on average in pauses, want nearly shut", m)
	}
	end := t0.Add(time.Duration(len(levels)) * 20 * time.Millisecond)
	for ; next.Before(end.Add(400 * time.Millisecond)); next = next.Add(frame) {
		a.Advance(next)
	}
	if shape, open := a.Mouth(); shape != lipsync.Closed || open > 0.02 {
		t.Errorf("400 ms after the audio ended the mouth is %v, open %.2f; want closed", shape, open)
	}
}

// The audio stops mid-word (a cancelled stream, a format change): no more
// levels arrive and nobody calls Stop. The mouth must not freeze open.
func TestMouthClosesWhenLevelsStop(t *testing.T) {
	a, _ := newWindow(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a.Advance(t0)
	a.SetState(avatar.Speaking)
	a.Speak("大家好大家好大家好大家好", 3*time.Second)
	var at time.Time
	for i := 0; i < 20; i++ {
		at = t0.Add(time.Duration(i) * 20 * time.Millisecond)
		a.FeedLevel(0.2, at)
		a.Advance(at)
	}
	if _, open := a.Mouth(); open < 0.6 {
		t.Fatalf("mouth open %.2f during loud speech, want open", open)
	}
	for d := 33 * time.Millisecond; d < 500*time.Millisecond; d += 33 * time.Millisecond {
		a.Advance(at.Add(d))
	}
	if shape, open := a.Mouth(); shape != lipsync.Closed {
		t.Errorf("mouth %v, open %.2f half a second after the levels stopped; want closed", shape, open)
	}
}

func TestStopClosesAtOnce(t *testing.T) {
	a, _ := newWindow(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a.Advance(t0)
	a.SetState(avatar.Speaking)
	a.Speak("大大大大大大", 2*time.Second)
	for i := 1; i <= 9; i++ {
		a.Advance(t0.Add(time.Duration(i) * 33 * time.Millisecond))
	}
	if _, open := a.Mouth(); open < 0.3 {
		t.Fatalf("mouth open %.2f while speaking without a level tap, want the syllables' rhythm", open)
	}
	a.Stop()
	a.Advance(t0.Add(10 * 33 * time.Millisecond))
	a.Advance(t0.Add(11 * 33 * time.Millisecond))
	a.Advance(t0.Add(12 * 33 * time.Millisecond))
	a.Advance(t0.Add(13 * 33 * time.Millisecond))
	a.Advance(t0.Add(14 * 33 * time.Millisecond))
	if shape, _ := a.Mouth(); shape != lipsync.Closed {
		t.Errorf("mouth %v 160 ms after Stop, want closed", shape)
	}
}

// Without a level tap, the text alone shapes the mouth: 五 rounds it, 大
// opens it, 一 spreads it.
func TestSpeakShapesFromText(t *testing.T) {
	tests := []struct {
		text string
		want lipsync.Shape
	}{{"五五五", lipsync.Round}, {"大大大", lipsync.Open}, {"一一一", lipsync.Spread}}
	for _, tt := range tests {
		a, _ := newWindow(t)
		t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
		a.Advance(t0)
		a.SetState(avatar.Speaking)
		a.Speak(tt.text, 1500*time.Millisecond)
		for d := time.Duration(0); d <= 750*time.Millisecond; d += 33 * time.Millisecond {
			a.Advance(t0.Add(d))
		}
		if got, open := a.Mouth(); got != tt.want || open < 0.5 {
			t.Errorf("%s: mouth %v open %.2f, want %v and open", tt.text, got, open, tt.want)
		}
	}
}

// The engine calls the avatar from its own goroutines while frames are
// drawn; run with -race.
func TestSafeFromAnyGoroutine(t *testing.T) {
	a, _ := newWindow(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	tap := a.LevelTap()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				switch i % 5 {
				case 0:
					a.SetState(avatar.States[(i+g)%len(avatar.States)])
				case 1:
					tap(0.1)
				case 2:
					a.Speak("您好", time.Second)
				case 3:
					a.FeedMic(0.05, t0.Add(time.Duration(i)*time.Millisecond))
				case 4:
					a.Stop()
				}
			}
		}(g)
	}
	for i := 0; i < 100; i++ {
		a.Advance(t0.Add(time.Duration(i) * 33 * time.Millisecond))
	}
	wg.Wait()
	if drawn, _ := a.Stats(); drawn == 0 {
		t.Errorf("no frames drawn")
	}
}

// A state change blends: the frame just after it is between the two poses,
// not a jump to the new one.
func TestTransitionsAreSmooth(t *testing.T) {
	a, w := newWindow(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a.SetState(avatar.Idle)
	for d := time.Duration(0); d <= time.Second; d += 33 * time.Millisecond {
		a.Advance(t0.Add(d))
	}
	before := w.Canvas().Capture()
	t1 := t0.Add(time.Second)
	a.SetState(avatar.Happy)
	a.Advance(t1.Add(100 * time.Millisecond))
	mid := w.Canvas().Capture()
	for d := 133 * time.Millisecond; d <= time.Second; d += 33 * time.Millisecond {
		a.Advance(t1.Add(d))
	}
	after := w.Canvas().Capture()
	n1, n2 := changed(before, mid), changed(mid, after)
	if n1 == 0 || n2 == 0 {
		t.Errorf("transition jumped: %d pixels changed in the first 100 ms, %d after", n1, n2)
	}
}

// changed counts the pixels that differ between two pictures.
func changed(a, b image.Image) int {
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}
