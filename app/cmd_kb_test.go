package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What staff see from `xiaofu kb import`, `stats` and `verify`: every bad
// line with its number, field and reason, the good records imported, and
// a whole-snapshot failure that leaves the database as it was.
func TestKBCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kb.sqlite")
	snap := filepath.Join(dir, "snap.jsonl")
	os.WriteFile(snap, []byte(strings.Join([]string{
		`{"kind":"meta","version":"2026.01.01","generated":"2026-01-01T00:00:00Z","region":"测试"}`,
		`{"id":"f-1","kind":"faq","title":"社保卡如何补办","body":"到社保经办机构补办。"}`,
		`{"id":"f-1","kind":"faq","title":"重复","body":"重复"}`,
		`{"id":"f-2","kind":"faq","title":"公积金怎么提取"}`,
		`{"id":"g-1","kind":"guide","title":"内资有限责任公司设立登记","department":"市场监管局"}`,
	}, "\n")), 0o644)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := runKB(ctx, []string{"import", "--db", db, snap}, &out, &errb); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, want := range []string{"imported 2 records: faq 1, guide 1", "rejected 2 lines", "line 3 (f-1): id: duplicate of line 2", "line 4 (f-2): body: a FAQ needs its answer"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runKB(ctx, []string{"stats", "--db", db}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "version   2026.01.01") || !strings.Contains(out.String(), "guide       1") {
		t.Errorf("stats output:\n%s", out.String())
	}
	out.Reset()
	if err := runKB(ctx, []string{"verify", "--db", db}, &out, &errb); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "ok: 2 records") {
		t.Errorf("verify output:\n%s", out.String())
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("not json\n"), 0o644)
	out.Reset()
	err := runKB(ctx, []string{"import", "--db", db, bad}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "left as it was") {
		t.Fatalf("bad snapshot: err = %v", err)
	}
	out.Reset()
	runKB(ctx, []string{"stats", "--db", db}, &out, &errb)
	if !strings.Contains(out.String(), "2026.01.01") {
		t.Errorf("database changed after a rejected snapshot:\n%s", out.String())
	}
}
