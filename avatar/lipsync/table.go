package lipsync

import (
	"strings"
	"sync"
)

var (
	tableOnce sync.Once
	byRune    map[rune]Viseme
)

// loadTable parses syllableTable once; a bad line is a programming error
// caught by the package's tests, so it is skipped rather than fatal here.
func loadTable() {
	byRune = make(map[rune]Viseme, 3200)
	for _, line := range strings.Split(syllableTable, "\n") {
		syl, chars, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		v, err := VisemeOf(syl)
		if err != nil {
			continue
		}
		for _, r := range chars {
			if _, dup := byRune[r]; !dup {
				byRune[r] = v
			}
		}
	}
}

// Lookup returns the mouth movement of a hanzi, and false for a character
// the table does not know (the caller then lets the audio level decide).
func Lookup(r rune) (Viseme, bool) {
	tableOnce.Do(loadTable)
	v, ok := byRune[r]
	return v, ok
}

// digitVisemes reads Arabic digits the way Mandarin speech synthesis does,
// one syllable each: líng yī èr sān sì wǔ liù qī bā jiǔ.
var digitVisemes = [10]Viseme{
	{Spread, Spread}, {Spread, Spread}, {Spread, Spread}, {Open, Open}, {Spread, Spread},
	{Round, Round}, {Spread, Round}, {Spread, Spread}, {Open, Open}, {Spread, Round},
}
