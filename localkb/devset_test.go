package localkb

import (
	"context"
	"os"
	"testing"
)

// TestDevSet holds the ranker to the product's targets on the held-out part
// of the development set and to beating plain FTS5 on both parts.
func TestDevSet(t *testing.T) {
	kb := sharedKB(t)
	res, err := EvaluateDevSet(context.Background(), kb)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		name        string
		ours, plain DevScore
	}{{"tune", res.Tune, res.PlainTune}, {"heldout", res.Heldout, res.PlainHeldout}} {
		t.Logf("%-8s n=%d top1 %.1f%% top3 %.1f%% | unanswerable n=%d refused %.1f%% | grounded-right %.1f%% grounded-wrong %.1f%% || plain FTS5: top1 %.1f%% top3 %.1f%% refused %.1f%%",
			row.name, row.ours.Answerable, 100*row.ours.Top1, 100*row.ours.Top3, row.ours.Unanswerable, 100*row.ours.Refused,
			100*row.ours.GroundedRight, 100*row.ours.GroundedWrong, 100*row.plain.Top1, 100*row.plain.Top3, 100*row.plain.Refused)
	}
	if os.Getenv("DEVSET_MISSES") != "" {
		for _, m := range res.Misses {
			t.Log(m)
		}
	}
	if res.Heldout.Answerable < 40 || res.Heldout.Unanswerable < 10 {
		t.Fatalf("held-out split too small to judge: %+v", res.Heldout)
	}
	if res.Heldout.Top1 <= res.PlainHeldout.Top1 || res.Tune.Top1 <= res.PlainTune.Top1 {
		t.Errorf("ranker does not beat plain FTS5 on top-1")
	}
	if res.Heldout.Top3 < 0.85 {
		t.Errorf("held-out top-3 = %.1f%%, want >= 85%%", 100*res.Heldout.Top3)
	}
	if res.Heldout.Refused < 0.85 {
		t.Errorf("held-out unanswerable refused = %.1f%%, want >= 85%%", 100*res.Heldout.Refused)
	}
}
