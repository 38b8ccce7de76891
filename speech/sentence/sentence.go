// Package sentence cuts a streamed answer into sentences to speak, so that
// the first sentence goes to the synthesizer as soon as it is complete
// rather than after the whole answer.
package sentence

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cutter gathers text deltas from a streamed LLM answer and hands out each
// sentence once its end is certain. It cuts after 。！？；… and their ASCII
// forms (an ASCII full stop only when it is not a decimal point), after a line
// break, and, when a sentence runs past MaxRunes, at the next comma-like mark
// or, failing that, hard at HardRunes. Closing quotes and brackets stay with
// the sentence they close. The zero value is not ready; use New.
// Not safe for concurrent use.
type Cutter struct {
	// MaxRunes is the soft cap: past it, a comma also ends a sentence.
	MaxRunes int
	// HardRunes is the hard cap: past it the sentence is cut anywhere.
	HardRunes int
	// FirstRunes lets the first sentence end at a comma once it has this
	// many runes, so the kiosk starts speaking sooner; 0 disables it.
	FirstRunes int

	buf     []rune
	emitted int
}

// New returns a Cutter with caps that suit a synthesizer: a sentence of up
// to ~60 characters, never over 100, and a first sentence that may end at a
// comma after 12.
func New() *Cutter {
	return &Cutter{MaxRunes: 60, HardRunes: 100, FirstRunes: 12}
}

const (
	enders  = "。！？；!?;…\n"
	commas  = "，、：,:"
	closers = "”’」』）)》〉】]\"'"
)

// Push adds a delta and returns the sentences it completed, trimmed and
// never empty.
func (c *Cutter) Push(delta string) []string {
	var out []string
	for _, r := range delta {
		c.buf = append(c.buf, r)
	}
	for {
		n := c.cut()
		if n == 0 {
			return out
		}
		s := strings.TrimSpace(string(c.buf[:n]))
		c.buf = c.buf[:copy(c.buf, c.buf[n:])]
		if s != "" && hasWords(s) {
			out = append(out, s)
			c.emitted++
		} else if s != "" && len(out) > 0 {
			// Lone punctuation ("」。" after a cut) belongs to the last sentence.
			out[len(out)-1] += s
		}
	}
}

// Flush returns whatever is left at the end of the answer ("" when
// nothing is), and resets the cutter for the next answer.
func (c *Cutter) Flush() string {
	s := strings.TrimSpace(string(c.buf))
	c.buf = c.buf[:0]
	c.emitted = 0
	if !hasWords(s) {
		return ""
	}
	return s
}

// cut returns how many runes of buf make a complete sentence, or 0.
func (c *Cutter) cut() int {
	b := c.buf
	for i, r := range b {
		if strings.ContainsRune(enders, r) {
			end := i + 1
			// Keep runs like "？！" and "……" and closing quotes together;
			// wait for the next rune if the run may go on.
			for end < len(b) && (strings.ContainsRune(enders, b[end]) && b[end] != '\n' || strings.ContainsRune(closers, b[end])) {
				end++
			}
			if end == len(b) && r != '\n' {
				return 0
			}
			return end
		}
		if r == '.' {
			// An ASCII full stop ends a sentence only before a space or a
			// Chinese character: "3.5", "v1.2" and "www.gov.cn" stay whole.
			if i+1 == len(b) {
				return 0
			}
			if listMarker(b[:i]) {
				continue // "1. 身份证" is a list item, not a sentence "1."
			}
			if next := b[i+1]; unicode.IsSpace(next) || unicode.Is(unicode.Han, next) {
				return i + 1
			}
			continue
		}
		if strings.ContainsRune(commas, r) {
			limit := c.MaxRunes
			if c.emitted == 0 && c.FirstRunes > 0 {
				limit = c.FirstRunes
			}
			if limit > 0 && i+1 >= limit {
				// "3,000" is a number, not a pause.
				if r == ',' && i > 0 && unicode.IsDigit(b[i-1]) {
					if i+1 == len(b) {
						return 0
					}
					if unicode.IsDigit(b[i+1]) {
						continue
					}
				}
				return i + 1
			}
		}
		if c.HardRunes > 0 && i+1 >= c.HardRunes {
			return i + 1
		}
	}
	return 0
}

// listMarker reports whether b is only a number, as before the dot of "1.".
func listMarker(b []rune) bool {
	digits := 0
	for _, r := range b {
		switch {
		case unicode.IsDigit(r):
			digits++
		case !unicode.IsSpace(r):
			return false
		}
	}
	return digits > 0 && digits <= 2
}

// hasWords reports whether s has anything to say beyond punctuation.
func hasWords(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// Runes is utf8.RuneCountInString, for callers checking the caps.
func Runes(s string) int { return utf8.RuneCountInString(s) }
