package tts

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"xiaofu/speech"
)

// OpenAI calls an OpenAI-compatible speech endpoint (POST .../audio/speech)
// and plays the audio while it downloads: a WAV header is decoded as it
// arrives, raw PCM is taken at the configured rate.
type OpenAI struct {
	URL    string // full endpoint, e.g. https://api.openai.com/v1/audio/speech
	APIKey string // Bearer token when set; never logged
	Model  string // e.g. "tts-1", "cosyvoice-v2" behind a compatible gateway
	Voice  string // e.g. "alloy"
	// Format is "wav" (default) or "pcm"; PCMRate is the rate of raw PCM
	// (24000 when zero, OpenAI's fixed rate).
	Format  string
	PCMRate int
	// RateField, when set, names the request field that asks the server
	// for PCMRate ("sample_rate" on servers that offer a choice). OpenAI
	// itself rejects unknown fields, so it is not sent by default.
	RateField string
	Speed     float64 // 0 leaves the server's default
	Client    *http.Client
	// StallTimeout is the longest wait for the response or, once audio
	// flows, for its next bytes; 10 s when zero. Audio may last minutes, so
	// there is no limit on the whole.
	StallTimeout time.Duration
}

var errStalled = errors.New("stalled")

// Synthesize implements Synthesizer.
func (o *OpenAI) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	format := o.Format
	if format == "" {
		format = "wav"
	}
	if format != "wav" && format != "pcm" {
		return fmt.Errorf("synthesize: response format %q: want wav or pcm", format)
	}
	body := map[string]any{"model": o.Model, "input": text, "voice": o.Voice, "response_format": format}
	if o.Speed != 0 {
		body["speed"] = o.Speed
	}
	if format == "pcm" && o.RateField != "" {
		body[o.RateField] = o.rate()
	}
	b, _ := json.Marshal(body)
	stall := o.StallTimeout
	if stall == 0 {
		stall = 10 * time.Second
	}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()
	fault := func(err error) error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("synthesize: %w", ctx.Err())
		case errors.Is(context.Cause(rctx), errStalled):
			return fmt.Errorf("synthesize: %w: nothing from the endpoint for %v", speech.ErrUnavailable, stall)
		}
		return fmt.Errorf("synthesize: %w: %v", speech.ErrUnavailable, err)
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, o.URL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("synthesize: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fault(err)
	}
	watchdog.Reset(stall)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("synthesize: %w", speech.HTTPError(resp, raw))
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/") {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("synthesize: %w: %s instead of audio: %q", speech.ErrBadResponse, ct, raw)
	}

	audio := bufio.NewReader(resp.Body)
	if head, _ := audio.Peek(4); format == "pcm" && string(head) == "RIFF" {
		// Some servers answer "pcm" with a WAV file; its header says the
		// real rate, which beats a configured guess.
		format = "wav"
	}
	var (
		wav  speech.WAVStream
		pcm  = pcmEmitter{format: speech.Format{SampleRate: o.rate(), Channels: 1}, emit: emit}
		smp  = sampleEmitter{emit: emit}
		buf  = make([]byte, 8<<10)
		got  int
		rerr error
	)
	for {
		n, err := audio.Read(buf)
		watchdog.Reset(stall)
		got += n
		if n > 0 {
			if format == "pcm" {
				if e := pcm.write(buf[:n], false); e != nil {
					return e
				}
			} else {
				samples, werr := wav.Write(buf[:n])
				if werr != nil {
					return fmt.Errorf("synthesize: %w", werr)
				}
				if f, ok := wav.Format(); ok {
					if e := smp.write(f, samples, false); e != nil {
						return e
					}
				}
			}
		}
		if err != nil {
			rerr = err
			break
		}
	}
	// Play what arrived even when the stream broke, then report the break.
	if format == "pcm" {
		if e := pcm.write(nil, true); e != nil {
			return e
		}
	} else if f, ok := wav.Format(); ok {
		if e := smp.write(f, nil, true); e != nil {
			return e
		}
	}
	switch {
	case !errors.Is(rerr, io.EOF):
		return fault(fmt.Errorf("stream cut after %d bytes: %w", got, rerr))
	case got == 0:
		return fmt.Errorf("synthesize: %w: empty audio", speech.ErrBadResponse)
	case format == "wav":
		if _, ok := wav.Format(); !ok {
			return fmt.Errorf("synthesize: %w: the stream ended inside the WAV header (%d bytes)", speech.ErrBadResponse, got)
		}
	}
	return nil
}

func (o *OpenAI) rate() int {
	if o.PCMRate != 0 {
		return o.PCMRate
	}
	return 24000
}
