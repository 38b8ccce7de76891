package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// markRe finds bracketed citation marks as models write them: [1], [1,2],
// 【2】, [来源3], [政务问答-17], [id:11440100MB2C91012Q001].
var markRe = regexp.MustCompile(`[\[【]\s*((?:来源|资料|source|id)?\s*[:：]?\s*[^\[\]【】\n]{1,60}?)\s*[\]】]`)

var idShape = regexp.MustCompile(`^[\p{Han}A-Za-z0-9_.]+-[0-9A-Za-z_.\-]+$|^[0-9A-Z]{12,}$`)

// citeToken is one entry inside a mark: a source number or a record id.
type citeToken struct {
	num int    // 1-based source number, 0 when id is set
	id  string // a literal record id
}

// parseMark reads the inside of a bracket. ok is false when the bracket is
// not a citation at all (e.g. 【温馨提示】), so it is left alone.
func parseMark(inner string) (toks []citeToken, ok bool) {
	inner = strings.TrimSpace(inner)
	for _, p := range []string{"来源", "资料", "source", "id:", "id：", "id"} {
		inner = strings.TrimPrefix(inner, p)
	}
	inner = strings.TrimLeft(inner, ":： ")
	for _, f := range strings.FieldsFunc(inner, func(r rune) bool { return strings.ContainsRune(",，、;； ", r) }) {
		if n, err := strconv.Atoi(f); err == nil {
			toks = append(toks, citeToken{num: n})
			continue
		}
		if idShape.MatchString(f) {
			toks = append(toks, citeToken{id: f})
			continue
		}
		return nil, false
	}
	return toks, len(toks) > 0
}

// citationCheck is the outcome of checking a generated answer's marks
// against the sources it was given.
type citationCheck struct {
	cited   []int    // indexes into sources, in order of first citation
	invalid []string // marks that name no source
	card    string   // text with marks renumbered to the card's order
}

// checkCitations maps every mark in text to the sources (ids in prompt
// order), renumbering them [1].. in order of first citation so the marks on
// the card match the order of the card's source list.
func checkCitations(text string, ids []string) citationCheck {
	var c citationCheck
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	newNum := map[int]int{} // source index -> card number
	c.card = markRe.ReplaceAllStringFunc(text, func(m string) string {
		toks, ok := parseMark(markRe.FindStringSubmatch(m)[1])
		if !ok {
			return m
		}
		var out strings.Builder
		for _, t := range toks {
			idx := -1
			if t.num > 0 && t.num <= len(ids) {
				idx = t.num - 1
			} else if t.id != "" {
				if i, found := pos[t.id]; found {
					idx = i
				}
			}
			if idx < 0 {
				if t.id != "" {
					c.invalid = append(c.invalid, t.id)
				} else {
					c.invalid = append(c.invalid, strconv.Itoa(t.num))
				}
				continue
			}
			n, seen := newNum[idx]
			if !seen {
				c.cited = append(c.cited, idx)
				n = len(c.cited)
				newNum[idx] = n
			}
			out.WriteString("[" + strconv.Itoa(n) + "]")
		}
		return out.String()
	})
	return c
}

var markupRe = regexp.MustCompile("[*#`>|]+|^\\s*[-•]\\s+")

// ForSpeech removes citation marks and markup so the voice never reads them.
func ForSpeech(text string) string {
	text = markRe.ReplaceAllStringFunc(text, func(m string) string {
		if _, ok := parseMark(markRe.FindStringSubmatch(m)[1]); ok {
			return ""
		}
		return m
	})
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = markupRe.ReplaceAllString(l, "")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
