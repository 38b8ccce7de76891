package kiosk

import (
	"context"

	"fyne.io/fyne/v2"

	"xiaofu/app/answer"
	"xiaofu/app/ui"
	"xiaofu/localkb"
)

// Asker answers a visitor's typed or tapped question. Ask may block for
// seconds (an LLM call); the kiosk calls it off the Fyne goroutine. Reset
// forgets the visit's context (follow-up questions) when the visitor leaves.
type Asker interface {
	Ask(ctx context.Context, question string) (answer.Answer, error)
	Reset()
}

// Catalog is the part of the knowledge base the kiosk browses.
type Catalog interface {
	Meta() localkb.Meta
	Departments(ctx context.Context) ([]string, error)
	Topics(ctx context.Context) ([]string, error)
	ByDepartment(ctx context.Context, dept string, limit int) ([]localkb.Record, error)
	ByTopic(ctx context.Context, topic string, limit int) ([]localkb.Record, error)
	Get(ctx context.Context, id string) (localkb.Record, error)
}

// Mood is what the digital human shows.
type Mood string

// The moods the kiosk asks of the character.
const (
	MoodAttract   Mood = "attract"
	MoodIdle      Mood = "idle"
	MoodListening Mood = "listening"
	MoodThinking  Mood = "thinking"
	MoodSpeaking  Mood = "speaking"
	MoodHappy     Mood = "happy"
	MoodSorry     Mood = "sorry"
	MoodGoodbye   Mood = "goodbye"
)

// Character is the digital human in its slot. SetMood and Say must be safe
// from any goroutine.
type Character interface {
	Object() fyne.CanvasObject
	SetMood(Mood)
	// Say shows the character speaking text (lip-sync from the text when no
	// audio drives it).
	Say(text string)
}

// Screens builds the service screens other packages provide. A nil field
// hides the entry point to that service rather than showing a dead button.
type Screens struct {
	Guide   func(nav ui.Nav, rec localkb.Record) fyne.CanvasObject
	Bundle  func(nav ui.Nav, rec localkb.Record) fyne.CanvasObject
	Bundles func(nav ui.Nav) fyne.CanvasObject // the list of 一类事
	Policy  func(nav ui.Nav) fyne.CanvasObject
	Request func(nav ui.Nav, text string) fyne.CanvasObject
	Lookup  func(nav ui.Nav) fyne.CanvasObject
	Picture func(nav ui.Nav) fyne.CanvasObject // a question or request with a picture
}

// Deps is everything the kiosk window shows or calls.
type Deps struct {
	Asker     Asker // answers when there is no Voice
	Voice     Voice // answers aloud; nil on a kiosk without audio
	Catalog   Catalog
	Character Character // nil shows an empty slot
	Screens   Screens
	// Tier reports whether the kiosk is online; nil means always offline.
	Tier func() string
	// OnReset runs when the visit is wiped (idle timeout or goodbye), for
	// parts outside the window that hold visit data (uploads, drafts).
	OnReset func()
}
