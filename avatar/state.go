package avatar

import (
	"fmt"
	"strings"
)

// State is what the character is doing, set by the conversation engine.
// Each state has its own pose and cue, readable from across the hall.
type State uint8

// The states, in the order a visit passes through them.
const (
	Attract   State = iota // nobody there: waves and says hello every few seconds
	Idle                   // someone near: breathes, blinks, glances around
	Listening              // faces the visitor, a hand at the ear, sound rings follow the microphone
	Thinking               // looks up, hand at the chin, a thought bubble with moving dots
	Speaking               // lip-sync, a hand gesturing
	Happy                  // a request submitted, a policy matched: arms up, sparkles
	Sorry                  // an error, or answering offline: worried brows, hands together, a sweat drop
	Goodbye                // waves and says goodbye
)

// States lists every state in order.
var States = []State{Attract, Idle, Listening, Thinking, Speaking, Happy, Sorry, Goodbye}

var stateNames = [...]string{"attract", "idle", "listening", "thinking", "speaking", "happy", "sorry", "goodbye"}

// String returns the state's lower-case name, as ParseState accepts it.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState returns the state with the given name (case-insensitive).
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("avatar: unknown state %q (want one of %s)", name, strings.Join(stateNames[:], ", "))
}
