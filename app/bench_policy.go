package app

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"xiaofu/app/policy"
	"xiaofu/assets"
)

func init() {
	RegisterBench(BenchSuite{Name: "policy", Run: benchPolicy})
}

// benchPolicy matches profiles against the demo snapshot's policies: one
// visitor's full result (what the questionnaire recomputes after every
// answer) and a batch for targeted push. The 176k x 690 figure comes from
// the Go benchmark in app/policy, which replicates the rule base.
func benchPolicy(ctx context.Context) ([]BenchRow, error) {
	recs, err := policy.ReadRecords(bytes.NewReader(assets.DemoSnapshot))
	if err != nil {
		return nil, err
	}
	eng, err := policy.New(recs)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	places := []string{"浙江省杭州市西湖区", "广东省广州市天河区", "上海市徐汇区"}
	profile := func() policy.Profile {
		return policy.Profile{
			"reg_place": places[rng.IntN(len(places))], "reg_years": float64(rng.IntN(12)),
			"revenue_wan": float64(rng.IntN(30000)), "rd_ratio_pct": rng.Float64() * 10,
			"ip_count": float64(rng.IntN(12)), "credit_good": true, "operating_normal": true,
			"qualifications": []string{"科技型中小企业"},
		}
	}
	var lat []time.Duration
	for i := 0; i < 300 && ctx.Err() == nil; i++ {
		p := profile()
		t0 := time.Now()
		_ = eng.Match(p)
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	batch := make([]policy.Profile, 50000)
	for i := range batch {
		batch[i] = profile()
	}
	t0 := time.Now()
	eng.MatchBatch(batch, func(int, policy.Summary, []int) {})
	el := time.Since(t0)
	p95 := lat[len(lat)*95/100]
	return []BenchRow{
		{Area: "policy", What: fmt.Sprintf("one visitor's result with reasons, %d policies / %d conditions, p95", eng.Policies(), eng.Conditions()),
			Value: fmt.Sprintf("%.2f ms", float64(p95.Microseconds())/1000), OK: true},
		{Area: "policy", What: "batch match for targeted push (50,000 profiles, demo policies)",
			Value: fmt.Sprintf("%.0f profiles/s", float64(len(batch))/el.Seconds()), OK: true},
	}, nil
}
