package policy_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"xiaofu/app/policy"
	"xiaofu/localkb"
)

// scaled replicates the authored policies (renaming ids) until their
// top-level conditions number exactly want, the size of the reference
// system's rule base (87 policies, 690 conditions).
func scaled(t testing.TB, want int) *policy.Engine {
	recs := authored(t)
	var out []localkb.Record
	var pols []localkb.Record
	for _, r := range recs {
		if r.Kind == localkb.KindPolicy {
			pols = append(pols, r)
		} else {
			out = append(out, r)
		}
	}
	n := 0
	for copyNo := 0; n < want; copyNo++ {
		for _, r := range pols {
			if n >= want {
				break
			}
			pc := *r.Policy
			if left := want - n; len(pc.Conditions) > left {
				pc.Conditions = pc.Conditions[:left]
			}
			r.ID = fmt.Sprintf("%s-x%d", r.ID, copyNo)
			r.Policy = &pc
			out = append(out, r)
			n += len(pc.Conditions)
		}
	}
	e, err := policy.New(out)
	if err != nil {
		t.Fatal(err)
	}
	if e.Conditions() != want {
		t.Fatalf("scaled to %d conditions, want %d", e.Conditions(), want)
	}
	return e
}

var places = []string{"浙江省杭州市西湖区", "浙江省宁波市", "广东省广州市天河区", "上海市徐汇区", "江苏省南京市"}
var quals = []string{"国家高新技术企业", "科技型中小企业", "专精特新中小企业", "规模以上企业", "专精特新小巨人"}

// synthetic makes n profiles with a realistic spread: most fields known,
// some left out so the unknown path is exercised too.
func synthetic(n int) []policy.Profile {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]policy.Profile, n)
	for i := range out {
		p := policy.Profile{
			"reg_place":        places[rng.IntN(len(places))],
			"reg_years":        float64(rng.IntN(15)),
			"revenue_wan":      float64(rng.IntN(30000)),
			"rd_ratio_pct":     rng.Float64() * 10,
			"headcount":        float64(5 + rng.IntN(500)),
			"ip_count":         float64(rng.IntN(20)),
			"credit_good":      rng.IntN(10) > 0,
			"operating_normal": true,
		}
		var q []string
		for _, s := range quals {
			if rng.IntN(4) == 0 {
				q = append(q, s)
			}
		}
		p["qualifications"] = q
		if rng.IntN(2) == 0 {
			p["invention_patents"] = float64(rng.IntN(5))
			p["minor_ip_count"] = float64(rng.IntN(10))
			p["rd_staff"] = float64(rng.IntN(80))
		}
		out[i] = p
	}
	return out
}

// BenchmarkMatchBatch176k checks 176,000 profiles against 690 conditions per
// iteration, the reference system's register and rule base.
func BenchmarkMatchBatch176k(b *testing.B) {
	e := scaled(b, 690)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	profiles := synthetic(176000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	profilesMB := float64(after.HeapInuse-before.HeapInuse) / (1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	met := 0
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		e.MatchBatch(profiles, func(_ int, s policy.Summary, _ []int) { met += s.Met })
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	// CPU seconds per batch tell the engine's cost apart from waiting for
	// a core on a shared machine.
	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano()) / time.Duration(b.N)
	b.ReportMetric(cpu.Seconds(), "cpu-s/op")
	b.ReportMetric(float64(len(profiles)*b.N)/b.Elapsed().Seconds(), "profiles/s")
	b.ReportMetric(profilesMB, "profiles-MB")
	if met == 0 {
		b.Fatal("no profile met any policy: the synthetic data is not exercising the engine")
	}
}

// BenchmarkMatchOne is one visitor's full result with reasons, as the
// questionnaire computes it after every answer.
func BenchmarkMatchOne(b *testing.B) {
	e, err := policy.New(authored(b))
	if err != nil {
		b.Fatal(err)
	}
	p := synthetic(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Match(p)
	}
}

func TestScaledRuleBase(t *testing.T) {
	e := scaled(t, 690)
	n := 0
	e.MatchBatch(synthetic(2000), func(_ int, s policy.Summary, _ []int) {
		if s.Met+s.Nearly+s.Open > e.Policies() {
			t.Fatalf("summary counts %d policies, engine has %d", s.Met+s.Nearly+s.Open, e.Policies())
		}
		n++
	})
	if n != 2000 {
		t.Fatalf("batch called back %d times, want 2000", n)
	}
}
