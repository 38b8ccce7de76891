package kiosk

import (
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"

	"xiaofu/avatar"
)

// AvatarCharacter puts the avatar in the kiosk's slot for the digital human.
func AvatarCharacter(a *avatar.Avatar) Character { return character{a} }

type character struct{ a *avatar.Avatar }

func (c character) Object() fyne.CanvasObject { return c.a }

func (c character) SetMood(m Mood) {
	s, err := avatar.ParseState(string(m))
	if err != nil {
		return // a mood the character has no pose for keeps the current one
	}
	c.a.SetState(s)
	if m != MoodSpeaking {
		c.a.Stop()
	}
}

// Say mouths text when no audio drives the mouth: at a calm reading pace of
// about four and a half syllables a second. An apology is mouthed with the
// sorry face kept.
func (c character) Say(text string) {
	if c.a.State() != avatar.Sorry {
		c.a.SetState(avatar.Speaking)
	}
	c.a.Speak(text, time.Duration(utf8.RuneCountInString(text))*220*time.Millisecond)
}
