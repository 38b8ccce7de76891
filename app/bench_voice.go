package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/convo/convosim"
	"xiaofu/assets"
	"xiaofu/localkb"
)

func init() {
	RegisterBench(BenchSuite{Name: "voice turn", Run: benchVoiceTurn})
	RegisterBench(BenchSuite{Name: "answers", Run: benchAnswers})
}

// benchVoiceTurn runs voice turns against loopback endpoints simulated at
// DESIGN.md's latencies (convosim), streamed and sequential.
func benchVoiceTurn(ctx context.Context) ([]BenchRow, error) {
	streamed, _, err := convosim.Run(ctx, convosim.Options{Turns: 15})
	if err != nil {
		return nil, fmt.Errorf("streamed: %w", err)
	}
	plain, _, err := convosim.Run(ctx, convosim.Options{Turns: 5, Answer: convosim.OpenerFree})
	if err != nil {
		return nil, fmt.Errorf("streamed without opener: %w", err)
	}
	seq, _, err := convosim.Run(ctx, convosim.Options{Turns: 3, Sequential: true})
	if err != nil {
		return nil, fmt.Errorf("sequential: %w", err)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
	ratio := float64(streamed.FirstAudioP50) / float64(seq.FirstAudioP50)
	return []BenchRow{
		{Area: "voice turn", What: "end of speech → first audio, median (six-sentence answer, simulated endpoints)",
			Value: ms(streamed.FirstAudioP50), Budget: "≤ 1100 ms",
			Compare: fmt.Sprintf("sequential %s (streamed/sequential %.2f)", ms(seq.FirstAudioP50), ratio),
			OK:      streamed.FirstAudioP50 <= 1100*time.Millisecond},
		{Area: "voice turn", What: "kiosk's own added latency to first audio, p95 (measured − simulated)",
			Value: fmt.Sprintf("%.1f ms", float64(streamed.OverheadP95.Microseconds())/1000), Budget: "≤ 50 ms",
			Compare: fmt.Sprintf("median %.1f ms over %d turns", float64(streamed.OverheadP50.Microseconds())/1000, streamed.Turns),
			OK:      streamed.OverheadP95 <= 50*time.Millisecond},
		{Area: "voice turn", What: "first audio, median, when the answer opens with a full clause instead of a short greeting",
			Value: ms(plain.FirstAudioP50), Compare: fmt.Sprintf("kiosk's own p95 %.1f ms", float64(plain.OverheadP95.Microseconds())/1000), OK: true},
		{Area: "voice turn", What: "interrupt → every stage of the turn stopped, p95",
			Value: fmt.Sprintf("%.1f ms", float64(streamed.StopP95.Microseconds())/1000), Budget: "≤ 100 ms",
			OK: streamed.StopP95 <= 100*time.Millisecond},
	}, nil
}

// benchAnswers measures the answer engine offline on the embedded demo
// knowledge base: question in, ranked answer with citations out.
func benchAnswers(ctx context.Context) ([]BenchRow, error) {
	dir, err := os.MkdirTemp("", "xiaofu-bench-answers-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	kb, err := localkb.OpenOrImportDemo(ctx, filepath.Join(dir, "kb.sqlite"), assets.DemoSnapshot)
	if err != nil {
		return nil, fmt.Errorf("demo knowledge base: %w", err)
	}
	defer kb.Close()
	timed := &timedSearcher{kb: kb}
	eng := &answer.Engine{KB: timed, Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var qs []string
	qs = append(qs, kb.Meta().Hot...)
	for _, kind := range []string{localkb.KindFAQ, localkb.KindGuide} {
		recs, err := kb.ByKind(ctx, kind, 100)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			qs = append(qs, r.Title)
		}
	}
	var times, own []time.Duration
	fast := 0
	for round := 0; round < 2; round++ { // the first round warms SQLite's cache
		times, own = times[:0], own[:0]
		fast = 0
		for _, q := range qs {
			timed.spent = 0
			a, err := eng.Ask(ctx, nil, q, nil)
			if err != nil {
				return nil, err
			}
			times = append(times, a.Elapsed)
			own = append(own, a.Elapsed-timed.spent)
			if a.Tier == answer.TierFastPath {
				fast++
			}
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	sort.Slice(own, func(i, j int) bool { return own[i] < own[j] })
	p95 := times[int(0.95*float64(len(times)-1)+0.5)]
	p50 := times[len(times)/2]
	ownP95 := own[int(0.95*float64(len(own)-1)+0.5)]
	return []BenchRow{
		{Area: "answers", What: fmt.Sprintf("offline question → answer with citations (engine + search), p95 over %d questions, demo KB", len(qs)),
			Value: fmt.Sprintf("%.1f ms", float64(p95.Microseconds())/1000), Budget: "≤ 20 ms",
			Compare: fmt.Sprintf("median %.1f ms", float64(p50.Microseconds())/1000), OK: p95 <= 20*time.Millisecond},
		{Area: "answers", What: "of that, the answer engine's own time (all but localkb.Search), p95",
			Value: fmt.Sprintf("%.2f ms", float64(ownP95.Microseconds())/1000), OK: true},
		{Area: "answers", What: "stored FAQ and guide titles answered by the fast path (no model call)",
			Value: fmt.Sprintf("%d of %d", fast, len(qs)), OK: true},
	}, nil
}

// timedSearcher adds up the time spent in the knowledge base's search.
type timedSearcher struct {
	kb    *localkb.KB
	spent time.Duration
}

func (t *timedSearcher) Search(ctx context.Context, q string, opts localkb.SearchOptions) ([]localkb.Hit, error) {
	start := time.Now()
	hits, err := t.kb.Search(ctx, q, opts)
	t.spent += time.Since(start)
	return hits, err
}
