package avatar

import (
	"time"

	"xiaofu/avatar/lipsync"
)

// Still is one picture of the character for the gallery and the golden
// tests: a state held for a while, optionally speaking a text.
type Still struct {
	Name  string // file name without extension, e.g. "state-happy"
	State State
	Text  string        // spoken from the moment the state is set, if any
	Audio time.Duration // how long the spoken audio lasts
	At    time.Duration // when the picture is taken, after the state is set
	Mic   float64       // microphone level fed while listening (RMS)
}

// Stills lists every state and every mouth shape. Each is taken after the
// transition has settled and before the first blink can fall.
func Stills() []Still {
	var out []Still
	for _, s := range States {
		st := Still{Name: "state-" + s.String(), State: s, At: time.Second}
		switch s {
		case Attract:
			st.At = 1400 * time.Millisecond // mid-wave, saying hello
		case Listening:
			st.Mic = 0.08
		case Speaking:
			st.Text, st.Audio, st.At = "您好，我是小服。", 2*time.Second, 330*time.Millisecond
		}
		out = append(out, st)
	}
	for _, m := range []struct {
		shape lipsync.Shape
		text  string
	}{{lipsync.Closed, ""}, {lipsync.Open, "大大大"}, {lipsync.Round, "五五五"}, {lipsync.Spread, "一一一"}} {
		st := Still{Name: "mouth-" + m.shape.String(), State: Speaking, At: time.Second}
		if m.text != "" {
			st.Text, st.Audio, st.At = m.text, 1500*time.Millisecond, 750*time.Millisecond
		}
		out = append(out, st)
	}
	return out
}

// Play drives a Manual avatar (made with Options{Manual: true} and no
// clock of its own) through the still at 30 frames a second, from the
// avatar's current time; afterwards it shows the picture.
func (s Still) Play(a *Avatar) {
	t0 := a.opts.Now()
	a.SetState(s.State)
	if s.Text != "" {
		a.Speak(s.Text, s.Audio)
	}
	step := time.Second / 30
	for t := time.Duration(0); ; t += step {
		if t > s.At {
			t = s.At
		}
		now := t0.Add(t)
		if s.Mic > 0 {
			a.FeedMic(s.Mic, now)
		}
		a.Advance(now)
		if t == s.At {
			// The last tick may have fallen between lip-sync frames: draw it.
			a.mu.Lock()
			a.drawnAt = time.Time{}
			a.mu.Unlock()
			a.Advance(now)
			return
		}
	}
}
