package speech_test

import (
	"testing"
	"time"

	"xiaofu/speech"
)

func TestFramerMakes20msFramesAt16k(t *testing.T) {
	dev := speech.Format{SampleRate: 48000, Channels: 2}
	f := speech.NewFramer(dev)
	tone := speech.Tone(dev, 440, time.Second, 0.3)
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	go func() {
		// 1 s in buffers of 512 frames, as ALSA often delivers them.
		for off := 0; off < len(tone); off += 1024 {
			for len(f.Frames()) > 8 { // a device delivers in real time, never faster
				time.Sleep(time.Millisecond)
			}
			f.Write(tone[off:min(off+1024, len(tone))], start)
		}
		f.Close()
	}()
	var n int
	var all []int16
	for fr := range f.Frames() {
		if len(fr.Samples) != speech.FrameSamples {
			t.Fatalf("frame %d has %d samples, want %d", n, len(fr.Samples), speech.FrameSamples)
		}
		if want := start.Add(time.Duration(n) * 20 * time.Millisecond); !fr.At.Equal(want) {
			t.Fatalf("frame %d stamped %v, want %v", n, fr.At, want)
		}
		all = append(all, fr.Samples...)
		n++
	}
	if n < 49 || n > 50 {
		t.Errorf("1 s of audio gave %d frames, want 49-50", n)
	}
	if got := toneFreq(all, 16000); got < 437 || got > 443 {
		t.Errorf("captured tone at %.1f Hz, want 440", got)
	}
	if f.Dropped() != 0 {
		t.Errorf("dropped %d frames with a receiver keeping up", f.Dropped())
	}
}

func TestFramerDropsInsteadOfBlocking(t *testing.T) {
	f := speech.NewFramer(speech.Capture)
	buf := make([]int16, speech.FrameSamples)
	done := make(chan struct{})
	go func() {
		for range 100 { // nobody reads: the callback must still return at once
			f.Write(buf, time.Now())
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Write blocked with a stalled receiver")
	}
	if f.Dropped() == 0 || f.Dropped()+f.Delivered() != 100 {
		t.Errorf("dropped %d + delivered %d, want drops counted out of 100", f.Dropped(), f.Delivered())
	}
}

func TestFramerCallbackDoesNotAllocate(t *testing.T) {
	f := speech.NewFramer(speech.Format{SampleRate: 44100, Channels: 2})
	buf := speech.Tone(speech.Format{SampleRate: 44100, Channels: 2}, 440, 10*time.Millisecond, 0.3)
	now := time.Now()
	f.Write(buf, now) // first call sizes the scratch buffers
	go func() {
		for range f.Frames() {
		}
	}()
	if n := testing.AllocsPerRun(200, func() { f.Write(buf, now) }); n != 0 {
		t.Errorf("Write allocates %.1f times per callback, want 0", n)
	}
}
