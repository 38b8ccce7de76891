// Package lipsync turns what the kiosk says into mouth movement: the shape of
// each syllable from its pinyin final, spread over the audio, and the
// opening from the level of the audio actually played. It has no Fyne
// dependency so the engine and the audio player can use it too.
package lipsync

import (
	"fmt"
	"strings"
)

// Shape is a mouth shape (a viseme) as a visitor sees it from across the
// hall. Mandarin needs only four: the finals decide them, the initials
// flicker past too fast to see.
type Shape uint8

// The mouth shapes.
const (
	Closed Shape = iota // a pause, or silence
	Open                // a: 大, 发, 安
	Round               // o and u: 我, 五, 好's ending
	Spread              // i and e: 一, 是, 的
)

// Shapes lists every shape, Closed first, for galleries and tests.
var Shapes = []Shape{Closed, Open, Round, Spread}

// String names the shape in lower case ("open").
func (s Shape) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case Round:
		return "round"
	case Spread:
		return "spread"
	}
	return fmt.Sprintf("shape(%d)", uint8(s))
}

// Viseme is the mouth movement of one syllable: the shape it starts in and
// the one it ends in (the same for simple finals; different for diphthongs
// such as ao, which opens and then rounds).
type Viseme struct{ Start, End Shape }

// finalVisemes maps every Mandarin final (after the initial is removed and
// y/w spellings are undone; ü written v) to its movement.
var finalVisemes = map[string]Viseme{
	"a": {Open, Open}, "ia": {Spread, Open}, "ua": {Round, Open},
	"ai": {Open, Spread}, "uai": {Round, Spread},
	"ao": {Open, Round}, "iao": {Spread, Round},
	"an": {Open, Open}, "ian": {Spread, Spread}, "uan": {Round, Open}, "van": {Round, Spread},
	"ang": {Open, Open}, "iang": {Spread, Open}, "uang": {Round, Open},
	"o": {Round, Round}, "uo": {Round, Round},
	"ou": {Round, Round}, "iou": {Spread, Round},
	"ong": {Round, Round}, "iong": {Round, Round},
	"e": {Spread, Spread}, "ie": {Spread, Spread}, "ve": {Round, Spread},
	"ei": {Spread, Spread}, "uei": {Round, Spread},
	"en": {Spread, Spread}, "in": {Spread, Spread}, "uen": {Round, Spread}, "vn": {Round, Spread},
	"eng": {Spread, Spread}, "ing": {Spread, Spread}, "ueng": {Round, Spread},
	"er": {Spread, Spread}, "i": {Spread, Spread}, "u": {Round, Round}, "v": {Round, Round},
}

var initials = []string{"zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s"}

// Final returns the final of a toneless pinyin syllable ("zhuang" → "uang",
// "yu" → "v", "jue" → "ve", "gui" → "uei"), undoing the spelling rules
// that hide it. ü may be written v or ü.
func Final(syllable string) (string, error) {
	s := strings.ReplaceAll(strings.ToLower(syllable), "ü", "v")
	if s == "" {
		return "", fmt.Errorf("final: empty syllable")
	}
	initial := ""
	for _, in := range initials {
		if strings.HasPrefix(s, in) && len(s) > len(in) {
			initial, s = in, s[len(in):]
			break
		}
	}
	if initial == "" {
		switch {
		case strings.HasPrefix(s, "yu"):
			s = "v" + s[2:]
		case s == "yi" || s == "yin" || s == "ying":
			s = s[1:]
		case strings.HasPrefix(s, "y"):
			s = "i" + s[1:]
		case s == "wu":
			s = "u"
		case strings.HasPrefix(s, "w"):
			s = "u" + s[1:]
		}
	}
	if (initial == "j" || initial == "q" || initial == "x") && strings.HasPrefix(s, "u") {
		s = "v" + s[1:]
	}
	switch s {
	case "ui":
		s = "uei"
	case "iu":
		s = "iou"
	case "un":
		s = "uen"
	}
	if _, ok := finalVisemes[s]; !ok {
		return "", fmt.Errorf("final: %q has no known final (%q)", syllable, s)
	}
	return s, nil
}

// VisemeOf returns the movement of a toneless pinyin syllable.
func VisemeOf(syllable string) (Viseme, error) {
	f, err := Final(syllable)
	if err != nil {
		return Viseme{}, err
	}
	return finalVisemes[f], nil
}
