// Package dashscope speaks the framing shared by DashScope's real-time
// speech services over WebSocket: run-task / continue-task / finish-task
// commands, and task-started / result-generated / task-finished /
// task-failed events, with binary audio frames alongside.
package dashscope

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"xiaofu/speech"
)

// DefaultURL is DashScope's WebSocket inference endpoint (Beijing region).
const DefaultURL = "wss://dashscope.aliyuncs.com/api-ws/v1/inference"

// Header is the header of every command and event.
type Header struct {
	Action       string          `json:"action,omitempty"`
	TaskID       string          `json:"task_id"`
	Streaming    string          `json:"streaming,omitempty"`
	Event        string          `json:"event,omitempty"`
	ErrorCode    string          `json:"error_code,omitempty"`
	ErrorMessage string          `json:"error_message,omitempty"`
	Attributes   json.RawMessage `json:"attributes,omitempty"`
}

// Command is a message the client sends.
type Command struct {
	Header  Header `json:"header"`
	Payload any    `json:"payload"`
}

// RunPayload starts a task.
type RunPayload struct {
	TaskGroup  string         `json:"task_group"`
	Task       string         `json:"task"`
	Function   string         `json:"function"`
	Model      string         `json:"model"`
	Parameters map[string]any `json:"parameters"`
	Input      map[string]any `json:"input"`
}

// Event is a message the server sends; Payload is decoded by the caller.
type Event struct {
	Header  Header          `json:"header"`
	Payload json.RawMessage `json:"payload"`
}

// NewTaskID returns a random 32-hex-digit task id.
func NewTaskID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Conn is one task's connection.
type Conn struct {
	WS     *websocket.Conn
	TaskID string
	stage  string
	idle   time.Duration
}

// DefaultIdle is how long a task may hear nothing from the server before it
// counts as down.
const DefaultIdle = 10 * time.Second

// Dial opens the WebSocket with the key as a bearer token. A refused
// handshake is reported as a RemoteError with its HTTP status. idle bounds
// the handshake and every wait for a server message (DefaultIdle when 0),
// so a server that stops answering cannot hang a turn.
func Dial(ctx context.Context, stage, url, apiKey string, client *http.Client, idle time.Duration) (*Conn, error) {
	if url == "" {
		url = DefaultURL
	}
	if idle == 0 {
		idle = DefaultIdle
	}
	dctx, cancel := context.WithTimeout(ctx, idle)
	defer cancel()
	h := http.Header{}
	if apiKey != "" {
		h.Set("Authorization", "bearer "+apiKey)
	}
	ws, resp, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: h, HTTPClient: client})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", stage, ctx.Err())
		}
		if dctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w: no handshake within %v", stage, speech.ErrUnavailable, idle)
		}
		if resp != nil && resp.StatusCode >= 400 {
			return nil, fmt.Errorf("%s: %w", stage, &speech.RemoteError{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)})
		}
		return nil, fmt.Errorf("%s: %w: %v", stage, speech.ErrUnavailable, err)
	}
	ws.SetReadLimit(4 << 20)
	return &Conn{WS: ws, TaskID: NewTaskID(), stage: stage, idle: idle}, nil
}

// Send writes a command for this task.
func (c *Conn) Send(ctx context.Context, action string, payload any) error {
	b, err := json.Marshal(Command{Header: Header{Action: action, TaskID: c.TaskID, Streaming: "duplex"}, Payload: payload})
	if err != nil {
		return fmt.Errorf("%s: %w", c.stage, err)
	}
	if err := c.WS.Write(ctx, websocket.MessageText, b); err != nil {
		return c.wrap(ctx, err)
	}
	return nil
}

// Next reads the next message: an event (audio nil) or a binary frame.
// task-failed comes back as a RemoteError; a connection that ends before
// task-finished as ErrUnavailable; a text message that is not an event as
// ErrBadResponse.
func (c *Conn) Next(ctx context.Context) (Event, []byte, error) {
	rctx, cancel := context.WithTimeout(ctx, c.idle)
	defer cancel()
	typ, b, err := c.WS.Read(rctx)
	if err != nil {
		if ctx.Err() == nil && rctx.Err() != nil {
			return Event{}, nil, fmt.Errorf("%s: %w: nothing from the server for %v", c.stage, speech.ErrUnavailable, c.idle)
		}
		return Event{}, nil, c.wrap(ctx, err)
	}
	if typ == websocket.MessageBinary {
		return Event{}, b, nil
	}
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil || ev.Header.Event == "" {
		return Event{}, nil, fmt.Errorf("%s: %w: %q", c.stage, speech.ErrBadResponse, snippet(b))
	}
	if ev.Header.Event == "task-failed" {
		return ev, nil, fmt.Errorf("%s: %w", c.stage, &speech.RemoteError{Code: ev.Header.ErrorCode, Message: ev.Header.ErrorMessage})
	}
	return ev, nil, nil
}

// Close ends the connection politely.
func (c *Conn) Close() { c.WS.Close(websocket.StatusNormalClosure, "") }

// Abort drops the connection at once (after a cancel).
func (c *Conn) Abort() { c.WS.CloseNow() }

func (c *Conn) wrap(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", c.stage, ctx.Err())
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %w: connection closed (%d %s) before the task finished", c.stage, speech.ErrUnavailable, ce.Code, ce.Reason)
	}
	return fmt.Errorf("%s: %w: %v", c.stage, speech.ErrUnavailable, err)
}

func snippet(b []byte) string {
	s := string(b)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
