package answer

import "context"

// Visit is one visitor's conversation with the engine: the kiosk window's
// Asker for typed and tapped questions. Reset wipes it when the visitor
// leaves.
type Visit struct {
	Engine  *Engine
	Session *Session
}

// NewVisit starts a visit on e.
func (e *Engine) NewVisit() *Visit { return &Visit{Engine: e, Session: NewSession()} }

// Ask answers q within the visit, without streaming.
func (v *Visit) Ask(ctx context.Context, q string) (Answer, error) {
	return v.Engine.Ask(ctx, v.Session, q, nil)
}

// Reset forgets the visit.
func (v *Visit) Reset() { v.Session.Reset() }
