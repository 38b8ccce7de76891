// Package tts holds the speech synthesizers: an OpenAI-compatible
// audio/speech endpoint and DashScope CosyVoice over WebSocket, both played
// while they stream, and espeak-ng as the offline voice.
package tts

import (
	"context"
	"errors"
	"fmt"

	"xiaofu/speech"
	"xiaofu/speech/normalize"
)

// Synthesizer turns text into audio. Synthesize calls emit with each piece
// of audio as soon as it is decoded, in order, from the calling goroutine;
// an error from emit stops the synthesis and is returned. Cancelling ctx
// stops it at once.
type Synthesizer interface {
	Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error
}

var (
	_ Synthesizer = (*OpenAI)(nil)
	_ Synthesizer = (*CosyVoice)(nil)
	_ Synthesizer = (*Espeak)(nil)
)

// minChunk is the least audio emitted at once while streaming (except at the
// end): small enough to start playing at once, large enough not to flood the
// player with tiny writes.
const minChunkBytes = 2 * 1600 // 100 ms at 16 kHz mono

// Speakable wraps s so that the text is normalised for speech first
// (numbers, dates, ids, no markup or citation marks); text with nothing
// left to say produces no audio and no request.
func Speakable(s Synthesizer) Synthesizer { return speakable{s} }

type speakable struct{ s Synthesizer }

func (w speakable) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	t := normalize.Speech(text)
	if t == "" {
		return nil
	}
	return w.s.Synthesize(ctx, t, emit)
}

// Fallback speaks with Primary and, when it fails before any audio came out
// (endpoint down, key refused, rate limited), with Secondary. OnFallback is
// told why, so the kiosk can trip its TTS tier at once.
type Fallback struct {
	Primary, Secondary Synthesizer
	OnFallback         func(err error)
}

// Synthesize implements Synthesizer.
func (f *Fallback) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	started := false
	err := f.Primary.Synthesize(ctx, text, func(c speech.Chunk) error {
		started = true
		return emit(c)
	})
	if err == nil || started || ctx.Err() != nil || !remoteFault(err) {
		return err
	}
	if f.OnFallback != nil {
		f.OnFallback(err)
	}
	if err2 := f.Secondary.Synthesize(ctx, text, emit); err2 != nil {
		return fmt.Errorf("%w (after %v)", err2, err)
	}
	return nil
}

func remoteFault(err error) bool {
	for _, s := range []error{speech.ErrUnavailable, speech.ErrAuth, speech.ErrRateLimited, speech.ErrBadResponse, speech.ErrRejected} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// pcmEmitter turns a byte stream of 16-bit PCM into chunks of at least
// minChunkBytes, carrying an odd byte across reads.
type pcmEmitter struct {
	format speech.Format
	buf    []byte
	emit   func(speech.Chunk) error
}

func (p *pcmEmitter) write(b []byte, final bool) error {
	p.buf = append(p.buf, b...)
	if len(p.buf) < minChunkBytes && !final {
		return nil
	}
	n := len(p.buf) &^ 1
	if n == 0 {
		return nil
	}
	pcm := speech.DecodePCM(make([]int16, 0, n/2), p.buf[:n])
	p.buf = p.buf[:copy(p.buf, p.buf[n:])]
	return p.emit(speech.Chunk{PCM: pcm, Format: p.format})
}

// sampleEmitter batches decoded samples into chunks the same way.
type sampleEmitter struct {
	pcm  []int16
	emit func(speech.Chunk) error
}

func (s *sampleEmitter) write(f speech.Format, pcm []int16, final bool) error {
	s.pcm = append(s.pcm, pcm...)
	if len(s.pcm) == 0 || len(s.pcm)*2 < minChunkBytes && !final {
		return nil
	}
	c := speech.Chunk{PCM: s.pcm, Format: f}
	s.pcm = nil
	return s.emit(c)
}
