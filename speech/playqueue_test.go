package speech_test

import (
	"context"
	"testing"
	"time"

	"xiaofu/speech"
)

// device pulls audio out of q the way a PortAudio callback does, 10 ms at a
// time, as fast as it is asked.
func pull(q *speech.PlayQueue, d time.Duration) []int16 {
	f := q.Format()
	buf := make([]int16, f.Samples(10*time.Millisecond)*f.Channels)
	var out []int16
	for i := time.Duration(0); i < d; i += 10 * time.Millisecond {
		q.Fill(buf)
		out = append(out, buf...)
	}
	return out
}

func TestPlayQueueConvertsAndPlays(t *testing.T) {
	dev := speech.Format{SampleRate: 48000, Channels: 2}
	q := speech.NewPlayQueue(dev, time.Second)
	ctx := context.Background()
	// Two formats in a row: the remote voice at 24 kHz, then the offline one at 22.05 kHz.
	if err := q.Play(ctx, speech.Chunk{PCM: speech.Tone(speech.Format{SampleRate: 24000, Channels: 1}, 440, 200*time.Millisecond, 0.5), Format: speech.Format{SampleRate: 24000, Channels: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := q.Play(ctx, speech.Chunk{PCM: speech.Tone(speech.Format{SampleRate: 22050, Channels: 1}, 440, 200*time.Millisecond, 0.5), Format: speech.Format{SampleRate: 22050, Channels: 1}}); err != nil {
		t.Fatal(err)
	}
	if p := q.Pending(); p < 390*time.Millisecond || p > 410*time.Millisecond {
		t.Errorf("pending %v, want 400ms", p)
	}
	out := pull(q, 500*time.Millisecond)
	left := make([]int16, 0, len(out)/2)
	for i := 0; i < len(out); i += 2 {
		left = append(left, out[i])
	}
	if f := toneFreq(left[:dev.Samples(400*time.Millisecond)], 48000); f < 430 || f > 450 {
		t.Errorf("played tone at %.0f Hz, want 440", f)
	}
	if tail := speech.Peak(left[dev.Samples(410*time.Millisecond):]); tail != 0 {
		t.Errorf("silence after the audio has peak %v", tail)
	}
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPlayQueueLevelTapFollowsWhatIsPlayed(t *testing.T) {
	q := speech.NewPlayQueue(speech.Capture, time.Second)
	loud := speech.Tone(speech.Capture, 300, 100*time.Millisecond, 0.5)
	quiet := speech.Tone(speech.Capture, 300, 100*time.Millisecond, 0.05)
	q.Play(context.Background(), speech.Chunk{PCM: append(loud, quiet...), Format: speech.Capture})
	if len(q.Levels()) != 0 {
		t.Fatal("levels reported before anything was played")
	}
	pull(q, 300*time.Millisecond)
	var levels []float64
	for len(q.Levels()) > 0 {
		levels = append(levels, <-q.Levels())
	}
	// 10 windows of audio, then exactly one 0 to close the mouth.
	if len(levels) != 11 {
		t.Fatalf("got %d levels %v, want 11", len(levels), levels)
	}
	if levels[0] < 0.3 || levels[9] > 0.05 || levels[10] != 0 {
		t.Errorf("levels %v: want loud (~0.35), then quiet (~0.035), then 0", levels)
	}
}

func TestPlayQueueStopsAtOnceOnCancel(t *testing.T) {
	q := speech.NewPlayQueue(speech.Capture, 2*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	q.Play(ctx, speech.Chunk{PCM: speech.Tone(speech.Capture, 300, time.Second, 0.5), Format: speech.Capture})
	pull(q, 100*time.Millisecond)
	cancel() // the visitor tapped stop while the kiosk was speaking
	if err := q.Play(ctx, speech.Chunk{PCM: make([]int16, 100), Format: speech.Capture}); err == nil {
		t.Error("Play with a cancelled context succeeded")
	}
	out := pull(q, 20*time.Millisecond)
	if p := speech.Peak(out); p != 0 {
		t.Errorf("audio still playing after cancel (peak %.2f)", p)
	}
	if q.Pending() != 0 {
		t.Errorf("still %v pending after cancel", q.Pending())
	}
	// A new turn plays normally.
	q.Play(context.Background(), speech.Chunk{PCM: speech.Tone(speech.Capture, 300, 100*time.Millisecond, 0.5), Format: speech.Capture})
	if p := speech.Peak(pull(q, 50*time.Millisecond)); p < 0.4 {
		t.Errorf("next turn silent after a cancel (peak %.2f)", p)
	}
}

func TestPlayQueueBlocksWhenFullAndCancels(t *testing.T) {
	q := speech.NewPlayQueue(speech.Capture, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := q.Play(ctx, speech.Chunk{PCM: make([]int16, 16000), Format: speech.Capture})
	if err != context.DeadlineExceeded {
		t.Fatalf("Play of 1 s into a 0.1 s queue nobody drains = %v, want deadline exceeded", err)
	}
}

func TestPlayQueueFillDoesNotAllocate(t *testing.T) {
	q := speech.NewPlayQueue(speech.Format{SampleRate: 48000, Channels: 2}, time.Second)
	buf := make([]int16, 960)
	go func() {
		for range q.Levels() {
		}
	}()
	q.Play(context.Background(), speech.Chunk{PCM: make([]int16, 16000), Format: speech.Capture})
	if n := testing.AllocsPerRun(200, func() { q.Fill(buf) }); n != 0 {
		t.Errorf("Fill allocates %.1f times per callback, want 0", n)
	}
}

func TestPlayQueueCountsGapsNotTheEnd(t *testing.T) {
	q := speech.NewPlayQueue(speech.Capture, time.Second)
	ctx := context.Background()
	q.Play(ctx, speech.Chunk{PCM: make([]int16, 250), Format: speech.Capture})
	buf := make([]int16, 160)
	q.Fill(buf)
	q.Fill(buf) // 90 samples then dry: the end of the audio, or a gap?
	if q.Underruns() != 0 {
		t.Fatalf("the end of a stream counted as an underrun")
	}
	q.Play(ctx, speech.Chunk{PCM: make([]int16, 250), Format: speech.Capture})
	q.Fill(buf) // it resumed at once: that was a gap
	if q.Underruns() != 1 {
		t.Errorf("underruns %d, want 1", q.Underruns())
	}
}
