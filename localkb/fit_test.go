package localkb

import (
	"context"
	"math"
	"os"
	"testing"
)

// TestFitCalibration refits the confidence calibration on the tune split
// (FIT=1); it prints coefficients to paste into search.go. Never run on the
// held-out split.
func TestFitCalibration(t *testing.T) {
	if os.Getenv("FIT") == "" {
		t.Skip("set FIT=1 to refit the calibration")
	}
	kb := sharedKB(t)
	h, _ := kb.acquire()
	defer h.refs.Done()
	ctx := context.Background()
	qs, _ := DevSet()
	same, _ := h.sameTitleIDs(ctx)
	type ex struct{ s, u, y float64 }
	var xs []ex
	for _, q := range qs {
		if q.Split != "tune" {
			continue
		}
		want := map[string]bool{}
		for _, id := range q.IDs {
			want[id] = true
			for _, o := range same[id] {
				want[o] = true
			}
		}
		terms, _ := h.analyze(ctx, q.Q)
		expr := h.matchExpr(terms)
		if expr == "" {
			xs = append(xs, ex{0, 1, 0})
			continue
		}
		cands, _ := h.candidates(ctx, expr, nil)
		if len(cands) == 0 {
			xs = append(xs, ex{0, 1, 0})
			continue
		}
		u := h.rerank(terms, cands, asksForDepartment(q.Q))
		var id string
		h.db.QueryRow(`SELECT id FROM records WHERE rid=?`, cands[0].rid).Scan(&id)
		y := 0.0
		if want[id] {
			y = 1
		}
		xs = append(xs, ex{cands[0].score, u, y})
	}
	a, b, c := 1.0, 0.0, 0.0
	for it := 0; it < 200000; it++ {
		var ga, gb, gc float64
		for _, e := range xs {
			p := 1 / (1 + math.Exp(-(a*e.s + b*e.u + c)))
			d := p - e.y
			ga += d * e.s
			gb += d * e.u
			gc += d
		}
		n := float64(len(xs))
		a -= 0.5 * ga / n
		b -= 0.5 * gb / n
		c -= 0.5 * gc / n
	}
	t.Logf("calA, calB, calC = %.2f, %.2f, %.2f", a, b, c)
	for _, th := range []float64{0.3, 0.4, 0.5, 0.6, 0.7} {
		var tp, fp, fn int
		for _, e := range xs {
			p := 1 / (1 + math.Exp(-(a*e.s + b*e.u + c)))
			switch {
			case p >= th && e.y == 1:
				tp++
			case p >= th && e.y == 0:
				fp++
			case p < th && e.y == 1:
				fn++
			}
		}
		t.Logf("threshold %.1f: grounded right %d, grounded wrong %d, right but not grounded %d", th, tp, fp, fn)
	}
}
