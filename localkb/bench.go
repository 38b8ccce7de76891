package localkb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// BulkSnapshot builds a larger snapshot for scale benchmarks: base's meta
// line and records, then extra, then copies of base's records (ids suffixed
// "~N", so they stay unique) until the snapshot holds target records.
func BulkSnapshot(base []byte, extra []Record, target int) ([]byte, error) {
	var meta Meta
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(base))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if meta.Kind == "" {
			if err := json.Unmarshal(line, &meta); err != nil {
				return nil, fmt.Errorf("bulk: meta: %w", err)
			}
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			continue
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bulk: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("bulk: base snapshot has no records")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	meta.Records = 0
	meta.Version += "-bulk"
	if err := enc.Encode(meta); err != nil {
		return nil, err
	}
	n := 0
	emit := func(r Record) error {
		n++
		return enc.Encode(r)
	}
	for _, r := range recs {
		if n >= target {
			break
		}
		if err := emit(r); err != nil {
			return nil, err
		}
	}
	for _, r := range extra {
		if n >= target {
			break
		}
		if err := emit(r); err != nil {
			return nil, err
		}
	}
	for copyN := 1; n < target; copyN++ {
		for _, r := range recs {
			if n >= target {
				break
			}
			r.ID = fmt.Sprintf("%s~%d", r.ID, copyN)
			if err := emit(r); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), nil
}

// LoadTaipeiFAQ reads the Taipei City FAQ data set (taipei_faq.jsonl) as FAQ
// records: real government text in traditional characters, used as bulk for
// scale benchmarks, never in the kiosk's own knowledge base.
func LoadTaipeiFAQ(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var row struct {
			ID, Dept, Question, Answer, Keywords string
		}
		if json.Unmarshal(sc.Bytes(), &row) != nil || row.ID == "" || strings.TrimSpace(row.Question) == "" || strings.TrimSpace(row.Answer) == "" {
			continue
		}
		var kw []string
		for _, k := range strings.Split(row.Keywords, ",") {
			if k = strings.TrimSpace(k); k != "" {
				kw = append(kw, k)
			}
		}
		out = append(out, Record{ID: "taipei-" + row.ID, Kind: KindFAQ, Title: row.Question, Body: row.Answer,
			Keywords: kw, Department: row.Dept, Source: "taipei-gov-faq"})
	}
	return out, sc.Err()
}

// Latency summarises timed runs.
type Latency struct {
	N             int
	P50, P95, Max time.Duration
}

// String formats the latency as the benchmark table shows it.
func (l Latency) String() string {
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, max %.1f ms (n=%d)", ms(l.P50), ms(l.P95), ms(l.Max), l.N)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// SearchLatency times kb.Search over the questions, rounds times each, and
// returns the distribution: "question in, ranked records with citations out"
// as the offline tier sees it.
func SearchLatency(ctx context.Context, kb *KB, questions []string, rounds int) (Latency, error) {
	var ds []time.Duration
	for r := 0; r < rounds; r++ {
		for _, q := range questions {
			start := time.Now()
			if _, err := kb.Search(ctx, q, SearchOptions{Limit: 3}); err != nil {
				return Latency{}, err
			}
			ds = append(ds, time.Since(start))
		}
	}
	return summarise(ds), nil
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	return Latency{N: len(ds), P50: at(0.5), P95: at(0.95), Max: ds[len(ds)-1]}
}

// DevQuestions returns the development set's questions, for latency runs.
func DevQuestions() []string {
	qs, _ := DevSet()
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Q
	}
	return out
}
