// Package guide holds the logic behind the service-guide and 一类事 screens
// without any Fyne: finding the bundle a visitor's words ask for and merging
// the materials of a bundle's items into one checklist without duplicates.
package guide

import (
	"strings"
	"unicode"

	"xiaofu/localkb"
)

// Material is one line of a bundle's combined checklist: the name shown
// (the fullest of the near-identical names merged into it) and the titles
// of the items that ask for it, in bundle order.
type Material struct {
	Name     string   `json:"name"`
	Items    []string `json:"items"`
	Variants []string `json:"variants,omitempty"` // other spellings merged into Name
}

// MergeMaterials combines the materials of items (guide records, in the
// order the bundle does them) into one checklist. Names that differ only in
// book-title marks, width, spaces, 原件/复印件 or a trailing 信息, by a
// parenthetical on one side only ("出院小结（记录）" / "出院小结"), by naming an
// alternative ("代办人身份证原件或社会保障卡原件" / "代办人身份证"), or by a
// short prefix ("委托书" / "代办委托书") are the same document. "无" and empty
// names are dropped.
func MergeMaterials(items []localkb.Record) []Material {
	var out []Material
	var keys []matKey
	for _, it := range items {
		if it.Guide == nil {
			continue
		}
		for _, name := range it.Guide.Materials {
			name = strings.TrimSpace(name)
			k := keyOf(name)
			if k.full == "" || k.full == "无" {
				continue
			}
			found := -1
			for i := range keys {
				if sameMaterial(keys[i], k) {
					found = i
					break
				}
			}
			if found < 0 {
				keys = append(keys, k)
				out = append(out, Material{Name: name, Items: []string{it.Title}})
				continue
			}
			m := &out[found]
			if !contains(m.Items, it.Title) {
				m.Items = append(m.Items, it.Title)
			}
			if name != m.Name && !contains(m.Variants, name) {
				// Show the fuller name: it says what is accepted.
				if len([]rune(name)) > len([]rune(m.Name)) {
					m.Variants = append(m.Variants, m.Name)
					m.Name = name
					keys[found] = k
				} else {
					m.Variants = append(m.Variants, name)
				}
			}
		}
	}
	return out
}

type matKey struct {
	full  string // normalised, parentheticals kept
	bare  string // normalised, parentheticals removed
	paren bool   // the name had a parenthetical
}

func keyOf(name string) matKey {
	var full, bare strings.Builder
	depth := 0
	paren := false
	for _, r := range name {
		if r >= '！' && r <= '～' {
			r -= 0xFEE0
		}
		switch r {
		case '《', '》', '“', '”', '"', '\'', '、', ',', '，', '：', ':', '。', '.':
			continue
		case '(', '[', '【':
			depth++
			paren = true
			full.WriteRune('(')
			continue
		case ')', ']', '】':
			if depth > 0 {
				depth--
			}
			full.WriteRune(')')
			continue
		}
		if unicode.IsSpace(r) {
			continue
		}
		full.WriteRune(r)
		if depth == 0 {
			bare.WriteRune(r)
		}
	}
	clean := func(s string) string {
		s = strings.ReplaceAll(s, "原件", "")
		s = strings.ReplaceAll(s, "复印件", "")
		s = strings.TrimSuffix(s, "信息")
		return s
	}
	return matKey{full: clean(full.String()), bare: clean(bare.String()), paren: paren}
}

func sameMaterial(a, b matKey) bool {
	if a.full == b.full {
		return true
	}
	if a.bare == b.bare && a.bare != "" && (!a.paren || !b.paren) {
		return true
	}
	// "X或Y" accepts X.
	if strings.HasPrefix(a.bare, b.bare+"或") || strings.HasPrefix(b.bare, a.bare+"或") {
		return true
	}
	short, long := a.bare, b.bare
	if len([]rune(short)) > len([]rune(long)) {
		short, long = long, short
	}
	if n := len([]rune(short)); n >= 3 && short != long && strings.HasSuffix(long, short) && len([]rune(long))-n <= 2 {
		return true
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// FindBundle picks the bundle a visitor's words ask for ("我想开个茶馆，要办哪些
// 手续？" → 开茶馆) by the share of each name's character pairs (title and
// alternate names) found in the text; it needs at least half of a name's
// pairs, so a shared word like 公司 alone does not pick 公司迁址.
func FindBundle(text string, bundles []localkb.Record) (localkb.Record, bool) {
	best, bestScore := -1, 0.0
	for i, b := range bundles {
		if b.Kind != localkb.KindBundle {
			continue
		}
		for _, name := range append([]string{b.Title}, b.Alt...) {
			if s := pairShare(name, text); s > bestScore {
				best, bestScore = i, s
			}
		}
	}
	if best < 0 || bestScore < 0.5 {
		return localkb.Record{}, false
	}
	return bundles[best], true
}

func pairShare(name, text string) float64 {
	rs := []rune(name)
	if len(rs) < 2 {
		return 0
	}
	hit := 0
	for i := 0; i+1 < len(rs); i++ {
		if strings.Contains(text, string(rs[i:i+2])) {
			hit++
		}
	}
	return float64(hit) / float64(len(rs)-1)
}
