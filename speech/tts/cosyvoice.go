package tts

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"xiaofu/speech"
	"xiaofu/speech/internal/dashscope"
)

// CosyVoice is DashScope's CosyVoice synthesizer over WebSocket: text goes
// in as it is written (continue-task per piece), PCM comes back in binary
// frames while later pieces are still being sent.
type CosyVoice struct {
	URL        string // empty: dashscope.DefaultURL
	APIKey     string // never logged
	Model      string // "cosyvoice-v2" when empty
	Voice      string // e.g. "longxiaochun_v2"
	SampleRate int    // 22050 when zero
	Client     *http.Client
	// StallTimeout bounds the handshake and each wait for a server message
	// (dashscope.DefaultIdle, 10 s, when zero).
	StallTimeout time.Duration
}

// Synthesize implements Synthesizer with the text as a single piece.
func (c *CosyVoice) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	pieces := make(chan string, 1)
	pieces <- text
	close(pieces)
	return c.Stream(ctx, pieces, emit)
}

// Stream sends each text piece as it arrives (a sentence from the LLM, or
// a fragment: the server cuts sentences itself) and emits audio as it comes
// back, until pieces is closed and the server has finished.
func (c *CosyVoice) Stream(ctx context.Context, pieces <-chan string, emit func(speech.Chunk) error) error {
	const stage = "synthesize"
	conn, err := dashscope.Dial(ctx, stage, c.URL, c.APIKey, c.Client, c.StallTimeout)
	if err != nil {
		return err
	}
	defer conn.Abort()
	model, rate := c.Model, c.SampleRate
	if model == "" {
		model = "cosyvoice-v2"
	}
	if rate == 0 {
		rate = 22050
	}
	err = conn.Send(ctx, "run-task", dashscope.RunPayload{
		TaskGroup: "audio", Task: "tts", Function: "SpeechSynthesizer", Model: model,
		Parameters: map[string]any{"text_type": "PlainText", "voice": c.Voice, "format": "pcm", "sample_rate": rate},
		Input:      map[string]any{},
	})
	if err != nil {
		return err
	}
	for started := false; !started; {
		ev, _, err := conn.Next(ctx)
		if err != nil {
			return err
		}
		switch ev.Header.Event {
		case "task-started":
			started = true
		case "task-finished":
			return fmt.Errorf("%s: %w: task finished before it started", stage, speech.ErrBadResponse)
		}
	}

	sendCtx, stopSend := context.WithCancel(ctx)
	defer stopSend()
	go func() {
		// Send errors reach the reader as a broken connection.
		for {
			select {
			case <-sendCtx.Done():
				return
			case p, ok := <-pieces:
				if !ok {
					conn.Send(sendCtx, "finish-task", map[string]any{"input": map[string]any{}})
					return
				}
				if p == "" {
					continue
				}
				if conn.Send(sendCtx, "continue-task", map[string]any{"input": map[string]any{"text": p}}) != nil {
					return
				}
			}
		}
	}()

	out := pcmEmitter{format: speech.Format{SampleRate: rate, Channels: 1}, emit: emit}
	for {
		ev, audio, err := conn.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				out.write(nil, true) // what arrived is still worth hearing
			}
			return err
		}
		if audio != nil {
			if err := out.write(audio, false); err != nil {
				return err
			}
			continue
		}
		if ev.Header.Event == "task-finished" {
			conn.Close()
			return out.write(nil, true)
		}
	}
}
