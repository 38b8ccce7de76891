// Package selftest is the audio check a hall technician runs when a kiosk
// is installed (`xiaofu selftest audio`): which devices the kiosk sees, what
// the microphone hears (levels, noise floor, speech, dropped frames) and
// whether the speaker plays, with plain advice when something is wrong.
package selftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/device"
	"xiaofu/speech/vad"
)

// Source is a microphone: device.Capture, or a WAV file in tests.
type Source interface {
	Frames(ctx context.Context) (<-chan speech.Frame, error)
	Close() error
}

// Speaker is a player: device.Player, or speech.MemorySink in tests.
type Speaker interface {
	Play(ctx context.Context, c speech.Chunk) error
}

// Recording is what the microphone heard.
type Recording struct {
	Duration   time.Duration // audio received
	FirstFrame time.Duration // from start to the first frame
	PeakDB     float64
	RMSDB      float64
	FloorDB    float64 // the VAD's noise floor at the end
	Utterances int     // stretches of speech the VAD found
	SpeechTime time.Duration
	Dropped    uint64
	Clipped    int // frames touching full scale
}

// Record listens for d and measures what it hears.
func Record(ctx context.Context, src Source, d time.Duration, dropped func() uint64) (Recording, error) {
	var r Recording
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	frames, err := src.Frames(ctx)
	if err != nil {
		return r, fmt.Errorf("record: %w", err)
	}
	det := vad.New(vad.Config{})
	var sum float64
	var n int
	peak := 0.0
	var stop <-chan time.Time
	var talkStart, last time.Time // the utterance in progress, the last frame
	// PortAudio may take over a second to deliver the first frame: the
	// recording time counts from there.
	firstWait := time.After(d + 5*time.Second)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return r.finish(sum, n, peak, det, dropped, last.Sub(talkStart)), nil
			}
			if n == 0 {
				r.FirstFrame = time.Since(start)
				stop = time.After(d)
			}
			for _, s := range f.Samples {
				v := float64(s)
				sum += v * v
			}
			n += len(f.Samples)
			p := speech.Peak(f.Samples)
			peak = math.Max(peak, p)
			if p >= 0.999 {
				r.Clipped++
			}
			last = f.At
			if ev, ok := det.Push(f); ok {
				switch ev.Kind {
				case vad.SpeechStart:
					talkStart = ev.At
				case vad.SpeechEnd:
					r.Utterances++
					r.SpeechTime += ev.Utterance.Duration()
				}
			}
		case <-stop:
			cancel()
			for range frames { // let the source wind down
			}
			return r.finish(sum, n, peak, det, dropped, last.Sub(talkStart)), nil
		case <-firstWait:
			if n == 0 {
				return r, errors.New("record: the input device delivered no audio in " + (d + 5*time.Second).String())
			}
		case <-ctx.Done():
			return r, ctx.Err()
		}
	}
}

func (r Recording) finish(sum float64, n int, peak float64, det *vad.Detector, dropped func() uint64, talking time.Duration) Recording {
	r.Duration = speech.Capture.Duration(n)
	if n > 0 {
		r.RMSDB = speech.DBFS(math.Sqrt(sum/float64(n)) / 32768)
	} else {
		r.RMSDB = -120
	}
	r.PeakDB = speech.DBFS(peak)
	_, r.FloorDB = det.Level()
	if det.InSpeech() {
		r.Utterances++ // still talking when the recording stopped
		r.SpeechTime += talking
	}
	if dropped != nil {
		r.Dropped = dropped()
	}
	return r
}

// Advice returns what a technician should do about the recording; none
// when it looks right.
func (r Recording) Advice() []string {
	var out []string
	switch {
	case r.Duration == 0:
		out = append(out, "the microphone delivered no audio: check the input device name and that no other program holds it")
	case r.PeakDB <= -90:
		out = append(out, "the microphone is silent (digital zero): it is muted, switched off, or the wrong input is selected")
	case r.RMSDB < -70:
		out = append(out, "the input is very quiet: raise the microphone gain (alsamixer / pavucontrol) or move the microphone closer")
	}
	if r.Clipped > 0 {
		out = append(out, fmt.Sprintf("the input clipped in %d frames: lower the microphone gain", r.Clipped))
	}
	if r.Duration > 0 && r.FloorDB > -35 {
		out = append(out, fmt.Sprintf("the room noise is high (%.0f dBFS): speech recognition will suffer; use a directional microphone or lower the gain", r.FloorDB))
	}
	if r.Dropped > 0 {
		out = append(out, fmt.Sprintf("%d frames were dropped: the machine is too busy, or the audio buffer too small", r.Dropped))
	}
	if r.FirstFrame > 3*time.Second {
		out = append(out, fmt.Sprintf("the microphone took %.1f s to start: the kiosk will miss the start of the first question", r.FirstFrame.Seconds()))
	}
	return out
}

// Tone plays a sine tone through spk and returns the levels the player's
// tap reported, collected by the caller's OnLevel.
func Tone(ctx context.Context, spk Speaker, hz float64, d time.Duration) error {
	f := speech.Format{SampleRate: 48000, Channels: 1}
	pcm := speech.Tone(f, hz, d, 0.3)
	// Fade in and out over 10 ms so the speaker does not click.
	ramp := f.Samples(10 * time.Millisecond)
	for i := 0; i < ramp && i < len(pcm)/2; i++ {
		g := float64(i) / float64(ramp)
		pcm[i] = int16(float64(pcm[i]) * g)
		pcm[len(pcm)-1-i] = int16(float64(pcm[len(pcm)-1-i]) * g)
	}
	if err := spk.Play(ctx, speech.Chunk{PCM: pcm, Format: f}); err != nil {
		return fmt.Errorf("tone: %w", err)
	}
	if w, ok := spk.(interface{ Wait(context.Context) error }); ok {
		return w.Wait(ctx)
	}
	return nil
}

// Options choose the devices and lengths of `xiaofu selftest audio`.
type Options struct {
	Input, Output string        // device names; "" for the defaults
	Record        time.Duration // how long to listen
	ToneHz        float64
	Tone          time.Duration
}

// Audio runs the whole check on the real devices and writes the report to
// w. It returns an error when the kiosk cannot listen or speak at all.
func Audio(ctx context.Context, o Options, w io.Writer) error {
	fmt.Fprintln(w, "小服 audio self-test")
	devs, err := device.List()
	if err != nil {
		return fmt.Errorf("audio: %w", err)
	}
	fmt.Fprintln(w, "\ndevices PortAudio sees:")
	if len(devs) == 0 {
		fmt.Fprintln(w, "  (none)")
		if ps := os.Getenv("PULSE_SERVER"); ps != "" {
			fmt.Fprintf(w, "  PULSE_SERVER=%s: is that server running (pactl info)? ALSA reaches it through libasound2-plugins\n", ps)
		} else {
			fmt.Fprintln(w, "  no sound card found and PULSE_SERVER is not set")
		}
	}
	for _, d := range devs {
		var marks []string
		if d.DefaultInput {
			marks = append(marks, "default input")
		}
		if d.DefaultOutput {
			marks = append(marks, "default output")
		}
		m := ""
		if len(marks) > 0 {
			m = " [" + strings.Join(marks, ", ") + "]"
		}
		fmt.Fprintf(w, "  %-28q %s, %d in / %d out, %.0f Hz%s\n", d.Name, d.HostAPI, d.Inputs, d.Outputs, d.SampleRate, m)
	}

	var problems []string
	mic, err := device.OpenCapture(o.Input)
	if err != nil {
		fmt.Fprintf(w, "\nmicrophone: NONE — %v\n", err)
		problems = append(problems, "no microphone: plug one in (USB) and check it appears above; on a machine without a sound card run scripts/audio/start.sh for the virtual microphone")
	} else {
		fmt.Fprintf(w, "\nmicrophone: %q at %d Hz, %d channel(s) (the kiosk converts to 16 kHz mono)\n", mic.Name(), mic.DeviceFormat().SampleRate, mic.DeviceFormat().Channels)
		fmt.Fprintf(w, "recording %.0f s: say a sentence now ...\n", o.Record.Seconds())
		rec, err := Record(ctx, mic, o.Record, mic.Dropped)
		mic.Close()
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			fmt.Fprintf(w, "  first audio after   %.2f s\n", rec.FirstFrame.Seconds())
			fmt.Fprintf(w, "  peak                %6.1f dBFS\n", rec.PeakDB)
			fmt.Fprintf(w, "  RMS                 %6.1f dBFS\n", rec.RMSDB)
			fmt.Fprintf(w, "  noise floor         %6.1f dBFS (speech band)\n", rec.FloorDB)
			fmt.Fprintf(w, "  speech found        %d stretch(es), %.1f s\n", rec.Utterances, rec.SpeechTime.Seconds())
			fmt.Fprintf(w, "  frames dropped      %d\n", rec.Dropped)
			problems = append(problems, rec.Advice()...)
		}
	}

	var levels []float64
	spk, err := device.OpenPlayer(device.PlayerConfig{Device: o.Output, OnLevel: func(l float64) { levels = append(levels, l) }})
	if err != nil {
		fmt.Fprintf(w, "\nspeaker: NONE — %v\n", err)
		problems = append(problems, "no speaker: check the output device and its cable")
	} else {
		fmt.Fprintf(w, "\nspeaker: %q at %d Hz, %d channel(s)\n", spk.Name(), spk.DeviceFormat().SampleRate, spk.DeviceFormat().Channels)
		opened := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := spk.WaitRunning(wctx)
		cancel()
		if err != nil {
			problems = append(problems, "the speaker's output stream did not start within 5 s: the sound server is not taking audio")
		} else {
			fmt.Fprintf(w, "  output running after %.2f s\n", time.Since(opened).Seconds())
		}
		fmt.Fprintf(w, "playing a %.0f Hz tone for %.1f s: you should hear it ...\n", o.ToneHz, o.Tone.Seconds())
		err = Tone(ctx, spk, o.ToneHz, o.Tone)
		time.Sleep(100 * time.Millisecond) // the last levels
		spk.Close()
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			loud := 0
			for _, l := range levels {
				if l > 0.05 {
					loud++
				}
			}
			fmt.Fprintf(w, "  level tap           %d readings, %d loud (drives the avatar's mouth)\n", len(levels), loud)
			fmt.Fprintf(w, "  underruns           %d\n", spk.Underruns())
			if loud == 0 {
				problems = append(problems, "the player reported no sound while playing the tone: the output stream is not running")
			}
		}
	}

	fmt.Fprintln(w)
	if len(problems) == 0 {
		fmt.Fprintln(w, "result: OK — the kiosk can listen and speak")
		return nil
	}
	fmt.Fprintln(w, "result: NEEDS ATTENTION")
	for _, p := range problems {
		fmt.Fprintln(w, "  - "+p)
	}
	if mic == nil || spk == nil {
		return errors.New("audio self-test failed: the kiosk cannot listen or speak (see above)")
	}
	return nil
}
