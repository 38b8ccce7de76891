package assets_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"xiaofu/assets"
)

// Replacement boxes look like text in a screenshot, so glyph coverage is
// checked here: every character the demo knowledge base and the kiosk's own
// source can put on screen must be in the embedded font.
func TestFontCoversWhatTheKioskShows(t *testing.T) {
	face, err := font.ParseTTF(bytes.NewReader(assets.CJKFont))
	if err != nil {
		t.Fatalf("embedded font does not parse: %v", err)
	}
	// Western punctuation (curly quotes, dashes, ellipsis) is not in Droid
	// Sans Fallback; Fyne falls back to its own font for it.
	fallback, err := font.ParseTTF(bytes.NewReader(theme.DefaultTextFont().Content()))
	if err != nil {
		t.Fatalf("Fyne's font does not parse: %v", err)
	}
	need := map[rune]string{}
	add := func(s, where string) {
		for _, r := range s {
			if unicode.Is(unicode.Han, r) || unicode.Is(unicode.P, r) && r > 0x2000 {
				if _, ok := need[r]; !ok {
					need[r] = where
				}
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(assets.DemoSnapshot))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("demo snapshot line %d: %v", n, err)
		}
		add(sc.Text(), "demo snapshot")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	filepath.WalkDir(filepath.Join(root, "app"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			b, _ := os.ReadFile(p)
			add(string(b), p)
		}
		return nil
	})
	var missing []string
	for r, where := range need {
		_, inCJK := face.NominalGlyph(r)
		_, inFyne := fallback.NominalGlyph(r)
		if !inCJK && !inFyne {
			missing = append(missing, string(r)+" ("+filepath.Base(where)+")")
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d characters would show as boxes; run tools/fontsubset/subset.sh: %v", len(missing), missing)
	}
	if len(need) < 2000 {
		t.Errorf("only %d distinct characters checked: the snapshot or the sources were not read", len(need))
	}
}
