package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"xiaofu/assets"
	"xiaofu/localkb"
)

// The committed demo snapshot is what a fresh kiosk answers from; these
// tests hold it to what the converter promises.

func TestDemoSnapshotIsEmbedded(t *testing.T) {
	committed, err := os.ReadFile("../../assets/kb/demo.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, assets.DemoSnapshot) {
		t.Error("assets.DemoSnapshot differs from assets/kb/demo.jsonl")
	}
	if !bytes.Contains(assets.DemoNotice, []byte("cmTCEC/MSGABench")) {
		t.Error("assets.DemoNotice does not attribute the Beijing Q&A")
	}
}

func TestDemoSnapshotContent(t *testing.T) {
	meta, recs, byID := parseSnapshot(t, assets.DemoSnapshot)
	if meta.Records != len(recs) {
		t.Errorf("meta says %d records, snapshot has %d", meta.Records, len(recs))
	}
	if n := len(meta.Hot); n < 8 || n > 12 {
		t.Errorf("%d hot questions, want 8-12", n)
	}
	titles := map[string]string{}
	for _, r := range recs {
		titles[r.Title] = r.ID
	}
	for _, q := range meta.Hot {
		if titles[q] == "" {
			t.Errorf("hot question %q is not the title of any record", q)
		}
	}
	// Ids answers cite must be the source ids.
	for _, id := range []string{"政务问答-1", "政务问答-1654", "政务问答-2081", "自然语言理解-1", "11440000006939756B2440101007000", "天河-37", "天河文件-1"} {
		if _, ok := byID[id]; !ok {
			t.Errorf("record %s missing", id)
		}
	}
	if r := byID["自然语言理解-182"]; r.Title != "什么是生活垃圾？" {
		t.Errorf("swapped row 自然语言理解-182 has title %q", r.Title)
	}
	depts := map[string]bool{}
	for _, r := range recs {
		if r.Kind == localkb.KindDepartment {
			depts[r.Title] = true
		}
	}
	kinds := map[string]int{}
	for _, r := range recs {
		kinds[r.Kind]++
		if r.Kind == localkb.KindTag {
			continue // vocabulary, not browsed
		}
		if len(r.Topics) == 0 {
			t.Errorf("%s has no browse topic", r.ID)
		}
		for _, topic := range r.Topics {
			if !slices.Contains(meta.Topics, topic) {
				t.Errorf("%s has topic %q not listed in meta", r.ID, topic)
			}
		}
		if r.Department != "" && !depts[r.Department] {
			t.Errorf("%s: department %q has no department record", r.ID, r.Department)
		}
		for _, ref := range r.Refs {
			if _, ok := byID[ref]; !ok {
				t.Errorf("%s refers to missing %s", r.ID, ref)
			}
		}
		if r.Bundle != nil {
			for _, s := range r.Bundle.Steps {
				if g, ok := byID[s.ItemID]; !ok || g.Kind != localkb.KindGuide {
					t.Errorf("bundle %s step names %s, which is not a guide", r.ID, s.ItemID)
				}
			}
		}
		if strings.Contains(r.Title+r.Body, "&gt;") || strings.Contains(r.Title+r.Body, "&nbsp;") || strings.ContainsRune(r.Body, '\u3000') {
			t.Errorf("%s still has HTML entities or ideographic spaces", r.ID)
		}
	}
	if kinds[localkb.KindFAQ] < 2200 || kinds[localkb.KindGuide] < 2262 || kinds[localkb.KindDepartment] < 23 || kinds[localkb.KindDoc] != 37 {
		t.Errorf("records per kind = %v", kinds)
	}
}

// TestDemoSnapshotImports runs the committed snapshot through the kiosk's
// own importer: every line must pass its validation.
func TestDemoSnapshotImports(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 5 MB; skipped with -short")
	}
	if err := localkb.CheckFTS5(); err != nil {
		t.Skip(err)
	}
	rep, err := localkb.Import(context.Background(), bytes.NewReader(assets.DemoSnapshot), filepath.Join(t.TempDir(), "kb.sqlite"))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	for i, e := range rep.Errors {
		if i == 10 {
			t.Errorf("... %d errors in all", len(rep.Errors))
			break
		}
		t.Errorf("import error: %v", e)
	}
}

// TestDemoSnapshotIsRegenerated fails when the committed snapshot is not
// what the converter makes of the shared data and the authored records, so
// that nobody edits it by hand or forgets to regenerate it.
func TestDemoSnapshotIsRegenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds from the shared data; skipped with -short")
	}
	dataDir := filepath.Join(repoRoot(), "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(dataDir, srcGovQA)); err != nil {
		t.Skipf("shared data not present: %v", err)
	}
	res, err := build(config{
		DataDir:     dataDir,
		AuthoredDir: filepath.Join(repoRoot(), "tools", "kbbuild", "authored"),
		Previous:    "../../assets/kb/demo.jsonl",
		Verify:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Snapshot, assets.DemoSnapshot) {
		t.Error("assets/kb/demo.jsonl is stale: run `go run ./tools/kbbuild` and commit the result")
	}
	if !bytes.Equal(res.Notice, assets.DemoNotice) {
		t.Error("assets/kb/NOTICE is stale: run `go run ./tools/kbbuild` and commit the result")
	}
}
