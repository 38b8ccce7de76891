package listen

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os/exec"
	"sync"
	"testing"
	"time"

	"xiaofu/speech"
)

// say makes 16 kHz mono speech with espeak-ng's Mandarin voice.
func say(t *testing.T, text string) []int16 {
	t.Helper()
	out, err := exec.Command("espeak-ng", "-v", "cmn-latn-pinyin", "-s", "170", "--stdout", text).Output()
	if err != nil {
		t.Fatalf("espeak-ng (make test installs it): %v", err)
	}
	pcm, f, err := speech.ReadWAV(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return speech.Convert(speech.Chunk{PCM: pcm, Format: f}, speech.Capture)
}

// firstSound is where speech in pcm first rises above -40 dBFS.
func firstSound(pcm []int16) time.Duration {
	for i := 0; (i+1)*speech.FrameSamples <= len(pcm); i++ {
		if speech.DBFS(speech.RMS(pcm[i*speech.FrameSamples:(i+1)*speech.FrameSamples])) > -40 {
			return time.Duration(i) * speech.FrameDuration
		}
	}
	return 0
}

func silence(d time.Duration) []int16 { return make([]int16, speech.Capture.Samples(d)) }

func scale(pcm []int16, gain float64) []int16 {
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		out[i] = int16(max(-32768, min(32767, float64(s)*gain)))
	}
	return out
}

// mix adds b into a starting at sample off, growing a as needed.
func mix(a, b []int16, off int) []int16 {
	if need := off + len(b); need > len(a) {
		a = append(a, make([]int16, need-len(a))...)
	}
	for i, s := range b {
		a[off+i] = int16(max(-32768, min(32767, int(a[off+i])+int(s))))
	}
	return a
}

func noise(n int, amp float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(r.NormFloat64() * amp * 32767)
	}
	return out
}

// feed is a Source that delivers pcm as 20 ms frames as fast as they are
// read, and reports for each frame what the kiosk is playing at that moment.
type feed struct {
	mic, played []int16
	mu          sync.Mutex
	frame       int // the frame the listener is processing
	calls       int
}

func (f *feed) Frames(ctx context.Context) (<-chan speech.Frame, error) {
	ch := make(chan speech.Frame)
	go func() {
		defer close(ch)
		t0 := time.Unix(0, 0)
		for i := 0; (i+1)*speech.FrameSamples <= len(f.mic); i++ {
			buf := append([]int16(nil), f.mic[i*speech.FrameSamples:(i+1)*speech.FrameSamples]...)
			select {
			case ch <- speech.Frame{Samples: buf, At: t0.Add(time.Duration(i) * speech.FrameDuration)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// playing is the RMS of the frame the kiosk plays while the current
// microphone frame is captured. The listener asks once per frame, before
// acting on it, so the calls also count the frame being processed.
func (f *feed) playing() float64 {
	f.mu.Lock()
	f.frame = f.calls
	f.calls++
	i := f.frame
	f.mu.Unlock()
	lo, hi := i*speech.FrameSamples, (i+1)*speech.FrameSamples
	if hi > len(f.played) {
		return 0
	}
	return speech.RMS(f.played[lo:hi])
}

func (f *feed) at() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(f.frame) * speech.FrameDuration
}

type fakeConvo struct {
	mu         sync.Mutex
	feed       *feed
	listening  []time.Duration // stream time of each Listening call
	utterances []speech.Utterance
}

func (c *fakeConvo) Listening() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listening = append(c.listening, c.feed.at())
}

func (c *fakeConvo) Voice(_ context.Context, u speech.Utterance) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.utterances = append(c.utterances, u)
	return nil
}

func run(t *testing.T, f *feed, handsFree, talk bool) *fakeConvo {
	t.Helper()
	c := &fakeConvo{feed: f}
	l := New(Config{Source: f, Conversation: c, HandsFree: handsFree, Playing: f.playing})
	if talk {
		l.Talk()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPushToTalkHearsOneUtterance(t *testing.T) {
	q := say(t, "研发费用加计扣除怎么申请")
	mic := append(append(noise(speech.Capture.Samples(time.Second), 0.003, 1), q...), silence(1500*time.Millisecond)...)
	mic = mix(mic, noise(len(mic), 0.003, 2), 0)
	speechDur := speech.Capture.Duration(len(q))

	c := run(t, &feed{mic: mic}, false, true)
	if len(c.utterances) != 1 {
		t.Fatalf("heard %d utterances, want 1", len(c.utterances))
	}
	got := c.utterances[0].Duration()
	if got < speechDur || got > speechDur+time.Second {
		t.Errorf("utterance is %v long for %v of speech (pre-roll and tail included)", got, speechDur)
	}

	// Without a tap on the microphone nothing is heard.
	if c := run(t, &feed{mic: mic}, false, false); len(c.utterances) != 0 {
		t.Errorf("push-to-talk heard %d utterances without a tap", len(c.utterances))
	}
}

// echoOf is what the microphone hears of the kiosk's own voice: attenuated,
// late by the audio path, with a short room reflection.
func echoOf(played []int16, gain float64, delay time.Duration) []int16 {
	d := speech.Capture.Samples(delay)
	e := mix(silence(delay), scale(played, gain), 0)
	e = mix(append([]int16{}, e...), scale(played, gain*0.3), d+speech.Capture.Samples(35*time.Millisecond))
	return e
}

func TestOwnVoiceDoesNotInterrupt(t *testing.T) {
	answer := say(t, "您好，研发费用加计扣除不需要单独审批，企业在年度汇算清缴时自行申报享受，相关资料留存备查即可。")
	for _, tc := range []struct {
		name  string
		gain  float64
		delay time.Duration
	}{
		{"quiet echo, short path", 0.2, 40 * time.Millisecond},
		{"faint echo, no delay", 0.05, 0},
		{"loud echo, long path", 0.7, 150 * time.Millisecond},
		{"echo as loud as the voice, 200 ms late", 1.0, 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			played := append(silence(500*time.Millisecond), answer...)
			mic := mix(echoOf(played, tc.gain, tc.delay), noise(len(played)+speech.Capture.Samples(time.Second), 0.003, 3), 0)
			c := run(t, &feed{mic: mic, played: played}, true, false)
			if len(c.listening) != 0 || len(c.utterances) != 0 {
				t.Errorf("the kiosk heard itself: %d listening events at %v, %d utterances", len(c.listening), c.listening, len(c.utterances))
			}
		})
	}
}

func TestVisitorSpeakingOverTheKioskInterruptsIt(t *testing.T) {
	answer := say(t, "您好，研发费用加计扣除不需要单独审批，企业在年度汇算清缴时自行申报享受，相关资料留存备查即可。")
	visitor := say(t, "等一下，我想问公积金")
	played := append(silence(300*time.Millisecond), answer...)
	mic := echoOf(played, 0.3, 80*time.Millisecond)
	start := 2 * time.Second
	// The visitor is nearer the microphone than the kiosk's speaker is.
	mic = mix(mic, scale(visitor, 1.0), speech.Capture.Samples(start))
	onset := start + firstSound(visitor)
	mic = mix(mic, noise(len(mic)+speech.Capture.Samples(1500*time.Millisecond), 0.003, 4), 0)

	f := &feed{mic: mic, played: played}
	c := run(t, f, true, false)
	if len(c.listening) == 0 {
		t.Fatal("the visitor's speech over the kiosk was not noticed")
	}
	first := c.listening[0]
	if first < onset || first > onset+100*time.Millisecond {
		t.Errorf("interrupted at %v, visitor began at %v: want within 100 ms", first, onset)
	}
	if len(c.utterances) == 0 {
		t.Fatal("the visitor's words after the interruption were not passed on")
	}
	u := c.utterances[0]
	if u.Duration() < speech.Capture.Duration(len(visitor))-200*time.Millisecond {
		t.Errorf("utterance %v is shorter than the visitor's %v of speech: its start was cut", u.Duration(), speech.Capture.Duration(len(visitor)))
	}
}
