package tts_test

import (
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/tts"
)

func needEspeak(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (apt-get install espeak-ng)")
	}
}

func TestEspeakSpeaksMandarin(t *testing.T) {
	needEspeak(t)
	c := newCollect()
	text := "您好，欢迎来到企业综合服务中心。"
	if err := (&tts.Espeak{}).Synthesize(context.Background(), text, c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.chunks) == 0 || c.chunks[0].Format.SampleRate != 22050 {
		t.Fatalf("chunks %d", len(c.chunks))
	}
	// 15 syllables at espeak's pace take 2-5 s; the plain "cmn" voice
	// spelling hanzi as letter names would run much longer.
	if d := c.duration(); d < 2*time.Second || d > 5*time.Second {
		t.Errorf("%q took %v to say", text, d)
	}
	var all []int16
	for _, ch := range c.chunks {
		all = append(all, ch.PCM...)
	}
	if speech.RMS(all) < 0.02 {
		t.Errorf("speech level %.3f: almost silent", speech.RMS(all))
	}
}

func TestEspeakTextIsNotAnOption(t *testing.T) {
	needEspeak(t)
	c := newCollect()
	if err := (&tts.Espeak{}).Synthesize(context.Background(), "--help 你好", c.emit); err != nil {
		t.Fatal(err)
	}
	if c.duration() < 300*time.Millisecond {
		t.Errorf("a text starting with -- gave %v of audio", c.duration())
	}
}

func TestEspeakCancel(t *testing.T) {
	needEspeak(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := (&tts.Espeak{}).Synthesize(ctx, "这是一段很长的话，用来测试取消。这是一段很长的话，用来测试取消。这是一段很长的话。", func(speech.Chunk) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v after %d chunks, want canceled", err, n)
	}
}

func TestEspeakMissingCommand(t *testing.T) {
	err := (&tts.Espeak{Path: "/nonexistent/espeak-ng"}).Synthesize(context.Background(), "你好", newCollect().emit)
	if !errors.Is(err, speech.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}

func BenchmarkEspeakSentence(b *testing.B) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		b.Skip("no espeak-ng")
	}
	e := &tts.Espeak{}
	for b.Loop() {
		e.Synthesize(context.Background(), "您好，营业执照可以在一楼三号窗口办理。", func(speech.Chunk) error { return nil })
	}
}
