package localkb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const sharedData = "../../shared/data"

// demoSnapshot returns the project's demo snapshot when the converter has
// written it, else a snapshot built here from the same real data (Beijing
// gov Q&A as FAQs, Guangdong service items as guides) so that search is
// tested on real wording either way.
func demoSnapshot(tb testing.TB) []byte {
	tb.Helper()
	snapOnce.Do(func() {
		if b, err := os.ReadFile("../assets/kb/demo.jsonl"); err == nil && len(b) > 0 {
			snapBytes = b
			return
		}
		snapBytes, snapErr = buildSnapshotFromData()
	})
	if snapErr != nil {
		tb.Skipf("no demo snapshot and no shared data: %v", snapErr)
	}
	return snapBytes
}

var (
	snapOnce  sync.Once
	snapBytes []byte
	snapErr   error
)

func buildSnapshotFromData() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(Meta{Kind: "meta", Version: "test-0001", Generated: "2026-11-29T00:00:00Z", Region: "test"})
	f, err := os.Open(filepath.Join(sharedData, "msgabench-beijing-gov-qa/gov_qa_2081.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var row struct{ ID, Question, Answer, Department string }
		if json.Unmarshal(sc.Bytes(), &row) != nil || strings.TrimSpace(row.Answer) == "" || strings.TrimSpace(row.Question) == "" {
			continue
		}
		_ = enc.Encode(Record{ID: row.ID, Kind: KindFAQ, Title: strings.TrimSpace(row.Question), Body: row.Answer,
			Department: row.Department, Source: "msgabench-beijing-gov-qa"})
	}
	g, err := os.Open(filepath.Join(sharedData, "guangdong-service-items/gd_service_items.jsonl"))
	if err != nil {
		return nil, err
	}
	defer g.Close()
	sc = bufio.NewScanner(g)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	seen := map[string]bool{}
	for sc.Scan() {
		var row map[string]any
		if json.Unmarshal(sc.Bytes(), &row) != nil {
			continue
		}
		str := func(k string) string {
			s, _ := row[k].(string)
			if s == "无" {
				return ""
			}
			return strings.TrimSpace(s)
		}
		id := str("TASK_CODE")
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		title := str("TASK_NAME")
		if title == "" {
			continue
		}
		var alt []string
		if c := str("CATANAME"); c != "" && c != title {
			alt = append(alt, c)
		}
		_ = enc.Encode(Record{ID: id, Kind: KindGuide, Title: title, Alt: alt, Department: str("DEPT_NAME"),
			Body: title + "。" + str("accept_standard"), Link: str("URL"), Source: "guangdong-service-items",
			Guide: &Guide{Type: str("TASK_TYPE_TEXT"), Conditions: str("accept_standard"), Place: str("handle_location"), Phone: str("consult_phone")}})
	}
	return buf.Bytes(), nil
}

// sharedKB opens one imported copy of the demo snapshot for read-only tests.
func sharedKB(tb testing.TB) *KB {
	tb.Helper()
	kbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "localkb-test-")
		if err != nil {
			kbErr = err
			return
		}
		p := filepath.Join(dir, "kb.sqlite")
		if _, kbErr = Import(context.Background(), bytes.NewReader(demoSnapshot(tb)), p); kbErr != nil {
			return
		}
		kbShared, kbErr = Open(p)
	})
	if kbErr != nil {
		tb.Fatalf("shared kb: %v", kbErr)
	}
	return kbShared
}

var (
	kbOnce   sync.Once
	kbShared *KB
	kbErr    error
)
