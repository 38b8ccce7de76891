package localkb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const metaLine = `{"kind":"meta","version":"2026.01.01","generated":"2026-01-01T00:00:00Z","region":"测试"}`

func faqLine(id, title, body string) string {
	return `{"id":"` + id + `","kind":"faq","title":"` + title + `","body":"` + body + `","department":"人社局"}`
}

func mustImport(t *testing.T, snap, path string) *ImportReport {
	t.Helper()
	rep, err := Import(context.Background(), strings.NewReader(snap), path)
	if err != nil {
		t.Fatalf("import: %v (report %+v)", err, rep)
	}
	return rep
}

func TestImportReportsEachBadLine(t *testing.T) {
	good := faqLine("f-1", "社保卡如何补办", "到社保经办机构补办。")
	tests := []struct {
		name  string
		line  string
		field string
		why   string
	}{
		{"bad json", `{"id":"x","kind":"faq",`, "json", "unexpected end"},
		{"missing id", `{"kind":"faq","title":"t","body":"b"}`, "id", "missing"},
		{"unknown kind", `{"id":"x","kind":"recipe","title":"t","body":"b"}`, "kind", `unknown kind "recipe"`},
		{"duplicate id", good, "id", "duplicate of line 2"},
		{"missing title", `{"id":"x","kind":"faq","body":"b"}`, "title", "missing"},
		{"faq without answer", `{"id":"x","kind":"faq","title":"t"}`, "body", "answer"},
		{"wrong type", `{"id":"x","kind":"faq","title":"t","body":"b","alt":"not a list"}`, "alt", "wrong type"},
		{"bad date", `{"id":"x","kind":"faq","title":"t","body":"b","date":"2026/01/01"}`, "date", "not YYYY-MM-DD"},
		{"bad operator", `{"id":"x","kind":"policy","title":"t","policy":{"conditions":[{"id":"c1","text":"营收","field":"revenue","op":"about"}]}}`, "policy.conditions[0].op", "unknown operator"},
		{"empty bundle", `{"id":"x","kind":"bundle","title":"开茶馆","bundle":{"event":"开茶馆","steps":[]}}`, "bundle.steps", "at least one step"},
		{"second meta", metaLine, "kind", "second meta"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kb.sqlite")
			snap := strings.Join([]string{metaLine, good, tc.line, faqLine("f-2", "公积金怎么提取", "购房可以提取。")}, "\n")
			rep := mustImport(t, snap, path)
			if rep.Imported != 2 {
				t.Errorf("imported %d records, want the 2 good ones", rep.Imported)
			}
			if len(rep.Errors) != 1 {
				t.Fatalf("errors = %v, want exactly one", rep.Errors)
			}
			e := rep.Errors[0]
			if e.Line != 3 || e.Field != tc.field || !strings.Contains(e.Reason, tc.why) {
				t.Errorf("error = %+v, want line 3, field %q, reason containing %q", e, tc.field, tc.why)
			}
			kb, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer kb.Close()
			if _, err := kb.Get(context.Background(), "f-2"); err != nil {
				t.Errorf("record after the bad line not imported: %v", err)
			}
		})
	}
}

func TestImportRejectsWholeSnapshotAndKeepsOldCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("old-1", "旧的问题", "旧的回答"), path)
	before, _ := os.ReadFile(path)
	tests := map[string]string{
		"empty":           "",
		"no meta":         faqLine("f-1", "问题", "回答"),
		"meta no version": `{"kind":"meta","generated":"2026-01-01T00:00:00Z"}` + "\n" + faqLine("f-1", "问题", "回答"),
		"no valid record": metaLine + "\n" + `{"id":"x","kind":"faq"}` + "\n" + `not json`,
	}
	for name, snap := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Import(context.Background(), strings.NewReader(snap), path)
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("err = %v, want ErrBadSnapshot", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != string(before) {
				t.Fatal("database file changed although the snapshot was rejected")
			}
			assertNoTempFiles(t, dir)
		})
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".new-") {
			t.Errorf("left a temporary file behind: %s", e.Name())
		}
	}
}

// A crash just before the swap (simulated by an error at that point) must
// leave the old copy readable and answering, and no half-written file.
func TestImportCrashBeforeSwapKeepsOldCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("old-1", "社保卡如何补办", "旧的回答"), path)
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	beforeSwap = func(string) error { return errors.New("power cut") }
	defer func() { beforeSwap = nil }()
	newMeta := strings.Replace(metaLine, "2026.01.01", "2026.02.01", 1)
	if _, err := Import(context.Background(), strings.NewReader(newMeta+"\n"+faqLine("new-1", "公积金怎么提取", "新的回答")), path); err == nil {
		t.Fatal("import succeeded although the swap failed")
	}
	assertNoTempFiles(t, dir)
	if err := kb.Reload(); err != nil {
		t.Fatal(err)
	}
	if v := kb.Meta().Version; v != "2026.01.01" {
		t.Errorf("version after failed import = %s, want the old one", v)
	}
	if _, err := kb.Get(context.Background(), "old-1"); err != nil {
		t.Errorf("old record gone: %v", err)
	}
}

// A reader that fails mid-way (a cut download) must leave the old copy.
func TestImportReadErrorKeepsOldCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("old-1", "问题", "回答"), path)
	before, _ := os.ReadFile(path)
	r := &failingReader{data: metaLine + "\n" + faqLine("n-1", "新问题", "新回答") + "\n"}
	if _, err := Import(context.Background(), r, path); err == nil {
		t.Fatal("import succeeded on a failing reader")
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("database changed after a failed read")
	}
	assertNoTempFiles(t, dir)
}

type failingReader struct {
	data string
	done bool
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.done {
		return 0, errors.New("connection reset")
	}
	f.done = true
	return copy(p, f.data), nil
}

// An open KB keeps answering from the old file during an import and sees
// the new one after Reload.
func TestReloadSwitchesToNewCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("old-1", "社保卡如何补办", "旧"), path)
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	newMeta := strings.Replace(metaLine, "2026.01.01", "2026.02.01", 1)
	mustImport(t, newMeta+"\n"+faqLine("new-1", "公积金怎么提取", "新"), path)
	if _, err := kb.Get(context.Background(), "old-1"); err != nil {
		t.Errorf("before Reload the old copy should still answer: %v", err)
	}
	if err := kb.Reload(); err != nil {
		t.Fatal(err)
	}
	if kb.Meta().Version != "2026.02.01" {
		t.Errorf("version = %s after Reload", kb.Meta().Version)
	}
	if _, err := kb.Get(context.Background(), "old-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old record still visible after Reload: %v", err)
	}
	hits, err := kb.Search(context.Background(), "公积金提取", SearchOptions{})
	if err != nil || len(hits) == 0 || hits[0].Record.ID != "new-1" {
		t.Errorf("search after Reload = %v, %v", hits, err)
	}
}

func TestOpenOrImportDemoKeepsNewerCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	demo := metaLine + "\n" + faqLine("demo-1", "演示问题", "演示回答")
	kb, err := OpenOrImportDemo(context.Background(), path, []byte(demo))
	if err != nil {
		t.Fatal(err)
	}
	kb.Close()
	newer := strings.Replace(metaLine, "2026.01.01", "2026.03.01", 1)
	mustImport(t, newer+"\n"+faqLine("synced-1", "同步的问题", "同步的回答"), path)
	kb, err = OpenOrImportDemo(context.Background(), path, []byte(demo))
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	if kb.Meta().Version != "2026.03.01" {
		t.Errorf("a newer synced copy was replaced by the demo: version %s", kb.Meta().Version)
	}
}

func TestVerifyCleanCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("f-1", "社保卡如何补办", "到经办机构")+"\n"+faqLine("f-2", "公积金怎么提取", "购房提取"), path)
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	problems, err := kb.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems on a clean copy: %v", problems)
	}
}

func TestCheckFTS5(t *testing.T) {
	// This test binary is built with -tags sqlite_fts5 (the Makefile's
	// flags); without it CheckFTS5 must name the fix.
	err := CheckFTS5()
	if err != nil {
		if !errors.Is(err, ErrNoFTS5) || !strings.Contains(err.Error(), "make build") {
			t.Fatalf("CheckFTS5 = %v: must wrap ErrNoFTS5 and say how to build", err)
		}
		t.Skip("built without sqlite_fts5; the error names the fix")
	}
}

// Searches running while snapshots are swapped in and reloaded never fail:
// each finishes on the file it started with.
func TestSearchDuringReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("f-1", "社保卡如何补办", "回答"), path)
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := kb.Search(context.Background(), "社保卡补办", SearchOptions{}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for i := 0; i < 5; i++ {
		mustImport(t, metaLine+"\n"+faqLine("f-1", "社保卡如何补办", "回答")+"\n"+faqLine("f-2", "公积金怎么提取", "回答"), path)
		if err := kb.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	if err := <-errs; err != nil {
		t.Fatalf("search failed during reload: %v", err)
	}
}

// Verify notices a search index that lost a record.
func TestVerifyFindsDamagedIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.sqlite")
	mustImport(t, metaLine+"\n"+faqLine("f-1", "社保卡如何补办", "到经办机构")+"\n"+faqLine("f-2", "公积金怎么提取", "购房提取"), path)
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	// Drop record 2 from the bigram index behind the importer's back.
	if _, err := db.Exec(`INSERT INTO fts_bi(fts_bi, rowid, title, alt, kw, dept, body) SELECT 'delete', 2, '公积 积金 金怎 怎么 么提 提取', '', '', '', body_tokens FROM records WHERE rid = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	kb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	problems, err := kb.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) == 0 {
		t.Fatal("Verify found nothing wrong with a damaged index")
	}
	t.Logf("problems: %v", problems)
}
