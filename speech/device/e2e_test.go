package device_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/asr"
	"xiaofu/speech/audiotest"
	"xiaofu/speech/device"
	"xiaofu/speech/tts"
	"xiaofu/speech/vad"
)

// needPulse skips unless the PulseAudio virtual microphone and speaker of
// scripts/audio/start.sh are up.
func needPulse(t *testing.T) {
	t.Helper()
	audiotest.Need(t)
	for _, tool := range []string{"pactl", "paplay", "parec", "espeak-ng"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("XIAOFU_AUDIO_E2E=1 but %s is missing", tool)
		}
	}
	if out, err := exec.Command("pactl", "list", "short", "sinks").CombinedOutput(); err != nil {
		t.Fatalf("XIAOFU_AUDIO_E2E=1 but no PulseAudio server answers (PULSE_SERVER=%q): %v %s", os.Getenv("PULSE_SERVER"), err, out)
	}
}

// parec records the virtual speaker's monitor as 16 kHz mono until stop.
func parec(t *testing.T) (stop func() []int16) {
	path := filepath.Join(t.TempDir(), "spk.raw")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("parec", "-d", "spk.monitor", "--format=s16le", "--rate=16000", "--channels=1", "--latency-msec=20")
	cmd.Stdout = fh
	// If the test binary dies, parec must not go on recording forever.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() []int16 {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		fh.Close()
		raw, _ := os.ReadFile(path)
		return speech.DecodePCM(nil, raw)
	}
}

// activeSpan returns the time from the first to the last 20 ms window
// louder than -45 dBFS.
func activeSpan(pcm []int16) time.Duration {
	first, last := -1, -1
	for i := 0; i+speech.FrameSamples <= len(pcm); i += speech.FrameSamples {
		if speech.DBFS(speech.RMS(pcm[i:i+speech.FrameSamples])) > -45 {
			if first < 0 {
				first = i
			}
			last = i + speech.FrameSamples
		}
	}
	if first < 0 {
		return 0
	}
	return speech.Capture.Duration(last - first)
}

func TestVoiceTurnOnTheRealAudioPath(t *testing.T) {
	needPulse(t)
	dir := t.TempDir()
	question := "我想办理营业执照，需要准备什么材料？"
	qwav := filepath.Join(dir, "question.wav")
	if out, err := exec.Command("espeak-ng", "-v", "cmn-latn-pinyin", "-w", qwav, question).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	qpcm, qf, err := speech.ReadWAVFile(qwav)
	if err != nil {
		t.Fatal(err)
	}
	spoken := qf.Duration(len(qpcm))

	// The recogniser: a loopback server speaking the OpenAI transcription
	// format, which checks it was sent a WAV as long as the question.
	var heard time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"message":%q}}`, err.Error())
			return
		}
		pcm, format, err := speech.ReadWAV(f.(io.ReadSeeker))
		if err != nil || format != speech.Capture {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"message":"bad wav %v %v"}}`, err, format)
			return
		}
		heard = format.Duration(len(pcm))
		fmt.Fprint(w, `{"text":"`+question+`"}`)
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	mic, err := device.OpenCapture("")
	if err != nil {
		t.Fatal(err)
	}
	defer mic.Close()
	frames, err := mic.Frames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// PortAudio's first read takes ~1.5 s here: wait for audio to flow
	// before the visitor speaks, and let the VAD learn the room.
	d := vad.New(vad.Config{})
	opened := time.Now()
	var firstFrame time.Duration
	f0, ok := <-frames
	if !ok {
		t.Fatal("capture stopped before the first frame")
	}
	firstFrame = time.Since(opened)
	d.Push(f0)
	warm := time.After(time.Second)
warmup:
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatal("capture stopped")
			}
			d.Push(f)
		case <-warm:
			break warmup
		}
	}
	t.Logf("capture from %q at %v, first frame after %v", mic.Name(), mic.DeviceFormat(), firstFrame)

	// paplay runs while we read: a reader that stops reading loses frames.
	play := exec.Command("paplay", "-d", "micsink", qwav)
	play.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := play.Start(); err != nil {
		t.Fatalf("paplay: %v", err)
	}
	defer play.Wait()
	var utt speech.Utterance
	deadline := time.After(spoken + 10*time.Second)
wait:
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatal("capture stopped")
			}
			if ev, ok := d.Push(f); ok && ev.Kind == vad.SpeechEnd {
				utt = ev.Utterance
				break wait
			}
		case <-deadline:
			lvl, floor := d.Level()
			t.Fatalf("no end of speech within 10 s after the question (level %.0f dBFS, floor %.0f)", lvl, floor)
		}
	}
	t.Logf("utterance %v for %v of speech, %d frames dropped", utt.Duration(), spoken, mic.Dropped())
	if mic.Dropped() > 0 {
		t.Errorf("%d frames dropped with a reader keeping up", mic.Dropped())
	}
	if utt.Duration() < spoken*8/10 || utt.Duration() > spoken+time.Second {
		t.Errorf("utterance lasts %v for %v of speech", utt.Duration(), spoken)
	}

	text, err := (&asr.OpenAI{URL: srv.URL + "/inference"}).Transcribe(ctx, utt)
	if err != nil {
		t.Fatal(err)
	}
	if text != question || heard != utt.Duration() {
		t.Errorf("recogniser heard %v and said %q", heard, text)
	}

	// The answer, spoken by the offline voice through the real player into
	// the virtual speaker, recorded from its monitor.
	stop := parec(t)
	var levels []float64
	player, err := device.OpenPlayer(device.PlayerConfig{OnLevel: func(l float64) { levels = append(levels, l) }})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	reply := "营业执照请到一楼三号窗口办理。"
	var said time.Duration
	err = (&tts.Espeak{}).Synthesize(ctx, reply, func(c speech.Chunk) error {
		said += c.Duration()
		return player.Play(ctx, c)
	})
	if err == nil {
		err = player.Wait(ctx)
	}
	time.Sleep(500 * time.Millisecond) // the tail through Pulse's buffers
	player.Close()
	out := stop()
	if err != nil {
		t.Fatal(err)
	}
	span := activeSpan(out)
	t.Logf("played %v of speech into %q at %v; the speaker's monitor had %v of sound; %d levels, %d underruns",
		said, player.Name(), player.DeviceFormat(), span, len(levels), player.Underruns())
	if span < said*8/10 || span > said*12/10+200*time.Millisecond {
		t.Errorf("the speaker sounded for %v, want about %v", span, said)
	}
	if len(levels) < int(said/speech.FrameDuration)/2 {
		t.Errorf("the level tap gave %d levels for %v of speech", len(levels), said)
	}
}

func TestPlayerStopsAtOnceOnCancel(t *testing.T) {
	needPulse(t)
	player, err := device.OpenPlayer(device.PlayerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer player.Close()
	ctx0, cancel0 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel0()
	opened := time.Now()
	if err := player.WaitRunning(ctx0); err != nil {
		t.Fatal(err)
	}
	t.Logf("output stream running %v after open", time.Since(opened))
	stop := parec(t)
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	tone := speech.Chunk{PCM: speech.Tone(speech.Capture, 440, 3*time.Second, 0.5), Format: speech.Capture}
	player.Play(ctx, tone)
	time.Sleep(700 * time.Millisecond)
	if l := player.Level(); l < 0.3 {
		t.Errorf("level %.2f while a half-scale tone plays, want about 0.35", l)
	}
	cancel()
	time.Sleep(800 * time.Millisecond)
	out := stop()
	if l := player.Level(); l != 0 {
		t.Errorf("level %.2f after the cancel, want 0", l)
	}
	span := activeSpan(out)
	t.Logf("a 3 s tone cancelled after 0.7 s sounded for %v", span)
	if span > 1200*time.Millisecond || span < 300*time.Millisecond {
		t.Errorf("a 3 s tone cancelled after 0.7 s sounded for %v", span)
	}
}

func TestCaptureResamplesA48kDevice(t *testing.T) {
	needPulse(t)
	mic, err := device.OpenCaptureWith(device.CaptureConfig{SampleRate: 48000})
	if err != nil {
		t.Fatal(err)
	}
	defer mic.Close()
	if mic.DeviceFormat().SampleRate != 48000 {
		t.Fatalf("device opened at %v", mic.DeviceFormat())
	}
	tone := filepath.Join(t.TempDir(), "tone.wav")
	speech.WriteWAVFile(tone, speech.Tone(speech.Capture, 1000, 1500*time.Millisecond, 0.4), speech.Capture)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	frames, err := mic.Frames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	<-frames // the device is running
	play := exec.Command("paplay", "-d", "micsink", tone)
	play.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := play.Start(); err != nil {
		t.Fatal(err)
	}
	defer play.Wait()
	var loud []int16
	for f := range frames {
		if speech.RMS(f.Samples) > 0.2 {
			loud = append(loud, f.Samples...)
		} else if len(loud) > 0 {
			break // the tone ended
		}
	}
	crossings := 0
	for i := 1; i < len(loud); i++ {
		if (loud[i-1] < 0) != (loud[i] < 0) {
			crossings++
		}
	}
	hz := float64(crossings) / 2 / speech.Capture.Duration(len(loud)).Seconds()
	t.Logf("48 kHz device: %v of tone captured at 16 kHz, %.1f Hz, %d dropped", speech.Capture.Duration(len(loud)), hz, mic.Dropped())
	if d := speech.Capture.Duration(len(loud)); d < 1300*time.Millisecond || hz < 990 || hz > 1010 {
		t.Errorf("captured %v of a 1.5 s 1 kHz tone at %.1f Hz", d, hz)
	}
}
