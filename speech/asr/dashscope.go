package asr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"xiaofu/speech"
	"xiaofu/speech/internal/dashscope"
)

// DashScope is DashScope's real-time recogniser (fun-asr-realtime,
// paraformer-realtime-v2) over WebSocket: audio goes up as it is captured,
// text comes back while the visitor is still speaking.
type DashScope struct {
	URL    string // empty: dashscope.DefaultURL
	APIKey string // never logged
	Model  string // "fun-asr-realtime" when empty
	Client *http.Client
	// StallTimeout bounds the handshake and each wait for a server message
	// (dashscope.DefaultIdle, 10 s, when zero).
	StallTimeout time.Duration
}

// Transcribe sends a finished utterance and returns its text.
func (d *DashScope) Transcribe(ctx context.Context, u speech.Utterance) (string, error) {
	return d.Recognize(ctx, u, nil)
}

// Recognize sends a finished utterance and returns its text; partial, when
// not nil, receives the text recognised so far each time it changes.
func (d *DashScope) Recognize(ctx context.Context, u speech.Utterance, partial func(text string)) (string, error) {
	if err := CheckUtterance(u); err != nil {
		return "", err
	}
	frames := make(chan speech.Frame, len(u.PCM)/speech.FrameSamples+1)
	for off := 0; off < len(u.PCM); off += speech.FrameSamples {
		frames <- speech.Frame{Samples: u.PCM[off:min(off+speech.FrameSamples, len(u.PCM))]}
	}
	close(frames)
	return d.Stream(ctx, frames, partial)
}

// batchFrames is how many 20 ms frames go in one binary message: DashScope
// asks for about 100 ms at a time.
const batchFrames = 5

type sentence struct {
	Text        string `json:"text"`
	SentenceEnd bool   `json:"sentence_end"`
	Heartbeat   bool   `json:"heartbeat"`
}

// Stream sends frames (16 kHz mono) as they are captured until the channel
// closes — the VAD saw the end of speech — then finishes the task and
// returns the whole text. partial, when not nil, receives the text so far
// (finished sentences plus the current one) each time it changes, on this
// goroutine: keep it short. The frames' samples are copied before Stream
// takes the next frame.
func (d *DashScope) Stream(ctx context.Context, frames <-chan speech.Frame, partial func(text string)) (string, error) {
	const stage = "recognize"
	conn, err := dashscope.Dial(ctx, stage, d.URL, d.APIKey, d.Client, d.StallTimeout)
	if err != nil {
		return "", err
	}
	defer conn.Abort()
	model := d.Model
	if model == "" {
		model = "fun-asr-realtime"
	}
	err = conn.Send(ctx, "run-task", dashscope.RunPayload{
		TaskGroup: "audio", Task: "asr", Function: "recognition", Model: model,
		Parameters: map[string]any{"format": "pcm", "sample_rate": speech.Capture.SampleRate},
		Input:      map[string]any{},
	})
	if err != nil {
		return "", err
	}
	if err := waitStarted(ctx, conn, stage); err != nil {
		return "", err
	}

	// One goroutine sends audio, this one reads events; the sender stops
	// when the reader returns.
	sendCtx, stopSend := context.WithCancel(ctx)
	defer stopSend()
	go func() {
		// A failed send needs no handling here: the server's task-failed
		// or the broken connection reaches the reader, which says why.
		_ = sendAudio(sendCtx, conn, frames)
	}()

	var done []string
	current := ""
	for {
		ev, _, err := conn.Next(ctx)
		if err != nil {
			// The reader's error says why the task ended (task-failed, the
			// connection cut); a send error is only its echo.
			return "", err
		}
		switch ev.Header.Event {
		case "result-generated":
			var p struct {
				Output struct {
					Sentence sentence `json:"sentence"`
				} `json:"output"`
			}
			if err := json.Unmarshal(ev.Payload, &p); err != nil {
				return "", fmt.Errorf("%s: %w: result payload: %v", stage, speech.ErrBadResponse, err)
			}
			s := p.Output.Sentence
			if s.Heartbeat {
				continue
			}
			if s.SentenceEnd {
				done = append(done, strings.TrimSpace(s.Text))
				current = ""
			} else {
				current = strings.TrimSpace(s.Text)
			}
			if partial != nil {
				partial(strings.Join(append(done[:len(done):len(done)], current), ""))
			}
		case "task-finished":
			conn.Close()
			if current != "" {
				done = append(done, current) // the last sentence never got its end mark
			}
			return strings.Join(done, ""), nil
		}
	}
}

func waitStarted(ctx context.Context, conn *dashscope.Conn, stage string) error {
	for {
		ev, _, err := conn.Next(ctx)
		if err != nil {
			return err
		}
		switch ev.Header.Event {
		case "task-started":
			return nil
		case "task-finished":
			return fmt.Errorf("%s: %w: task finished before it started", stage, speech.ErrBadResponse)
		}
	}
}

func sendAudio(ctx context.Context, conn *dashscope.Conn, frames <-chan speech.Frame) error {
	buf := make([]byte, 0, batchFrames*speech.FrameSamples*2)
	n := 0
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := conn.WS.Write(ctx, websocket.MessageBinary, buf)
		buf, n = buf[:0], 0
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f, ok := <-frames:
			if !ok {
				if err := flush(); err != nil {
					return fmt.Errorf("recognize: send audio: %w", err)
				}
				return conn.Send(ctx, "finish-task", map[string]any{"input": map[string]any{}})
			}
			buf = speech.EncodePCM(buf, f.Samples)
			if n++; n == batchFrames {
				if err := flush(); err != nil {
					return fmt.Errorf("recognize: send audio: %w", err)
				}
			}
		}
	}
}
