package localkb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// bulkKB is the knowledge base at ten times the demo's records: the demo,
// the Taipei FAQ, then replicated demo records.
func bulkKB(b *testing.B) *KB { return bulkKBT(b) }

func bulkKBT(b testing.TB) *KB {
	b.Helper()
	bulkOnce.Do(func() {
		demo := demoSnapshot(b)
		base := bytes.Count(demo, []byte("\n")) - 1
		taipei, _ := LoadTaipeiFAQ(filepath.Join(sharedData, "taipei-gov-faq/taipei_faq.jsonl"))
		snap, err := BulkSnapshot(demo, taipei, 10*base)
		if err != nil {
			bulkErr = err
			return
		}
		dir, _ := os.MkdirTemp("", "localkb-bulk-")
		p := filepath.Join(dir, "kb.sqlite")
		if _, bulkErr = Import(context.Background(), bytes.NewReader(snap), p); bulkErr != nil {
			return
		}
		bulk, bulkErr = Open(p)
	})
	if bulkErr != nil {
		b.Fatal(bulkErr)
	}
	return bulk
}

var (
	bulkOnce sync.Once
	bulk     *KB
	bulkErr  error
)

func benchSearch(b *testing.B, kb *KB) {
	qs := DevQuestions()
	ctx := context.Background()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := kb.Search(ctx, qs[i%len(qs)], SearchOptions{Limit: 3}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	l := summarise(ds)
	b.ReportMetric(ms(l.P95), "p95-ms")
}

// BenchmarkSearchDemo: offline question → ranked answer on the demo KB
// (budget: p95 ≤ 20 ms).
func BenchmarkSearchDemo(b *testing.B) { benchSearch(b, sharedKB(b)) }

// BenchmarkSearch10x: the same at ten times the records (budget: p95 ≤ 100 ms).
func BenchmarkSearch10x(b *testing.B) { benchSearch(b, bulkKB(b)) }

// BenchmarkImport10k: a 10,000-record snapshot validated, written and
// swapped in (budget with the download: ≤ 3 s).
func BenchmarkImport10k(b *testing.B) {
	snap, err := BulkSnapshot(demoSnapshot(b), nil, 10000)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "kb.sqlite")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Import(context.Background(), bytes.NewReader(snap), path); err != nil {
			b.Fatal(err)
		}
	}
}
