package app

import (
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"

	"xiaofu/app/kiosk"
	"xiaofu/avatar"
)

// character puts the avatar in the kiosk's slot for the digital human.
type character struct{ a *avatar.Avatar }

var _ kiosk.Character = character{}

func (c character) Object() fyne.CanvasObject { return c.a }

func (c character) SetMood(m kiosk.Mood) {
	s, err := avatar.ParseState(string(m))
	if err != nil {
		return // a mood the character has no pose for keeps the current one
	}
	c.a.SetState(s)
	if m != kiosk.MoodSpeaking {
		c.a.Stop()
	}
}

// Say mouths text when no audio drives the mouth: at a calm reading pace of
// about four and a half syllables a second.
func (c character) Say(text string) {
	c.a.SetState(avatar.Speaking)
	c.a.Speak(text, time.Duration(utf8.RuneCountInString(text))*220*time.Millisecond)
}
