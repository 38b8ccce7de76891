package localkb

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// devSet is the hand-written development set: paraphrased visitor questions
// with the record ids that answer them (none for questions the knowledge
// base cannot answer). See testdata/README.md for how it was written.
//
//go:embed testdata/devset.jsonl
var devSet []byte

// DevQuestion is one line of the development set.
type DevQuestion struct {
	Q     string   `json:"q"`
	IDs   []string `json:"ids"`   // records that answer it; empty when nothing does
	Split string   `json:"split"` // "tune" (weights were fitted on it) or "heldout"
	Style string   `json:"style"` // spoken, typed, keywords, homophone
}

// DevSet returns the embedded development set.
func DevSet() ([]DevQuestion, error) {
	var out []DevQuestion
	sc := bufio.NewScanner(bytes.NewReader(devSet))
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var q DevQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("devset line %d: %w", n, err)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// DevScore is the accuracy of one ranker on one split of the development set.
type DevScore struct {
	Answerable   int
	Top1, Top3   float64 // share of answerable questions answered by the first / first three hits
	Unanswerable int
	// Refused is the share of unanswerable questions that got no grounded
	// answer (for the plain baseline: no hit at all).
	Refused float64
	// GroundedWrong is the share of answerable questions whose first hit was
	// presented as grounded but is not an answer.
	GroundedWrong float64
	// GroundedRight is the share of answerable questions whose first hit is
	// an answer and was presented as grounded: what the visitor is told.
	GroundedRight float64
}

// DevResult compares the kiosk's ranker with plain FTS5 trigram BM25 on
// both splits of the development set, in the same run and on the same KB.
type DevResult struct {
	Tune, Heldout           DevScore
	PlainTune, PlainHeldout DevScore
	Misses                  []string // held-out and tune questions the ranker got wrong, for reading
}

// EvaluateDevSet runs the development set against kb. Questions whose ids
// the KB lacks are skipped (a KB built from other data).
func EvaluateDevSet(ctx context.Context, kb *KB) (DevResult, error) {
	qs, err := DevSet()
	if err != nil {
		return DevResult{}, err
	}
	h, err := kb.acquire()
	if err != nil {
		return DevResult{}, err
	}
	defer h.refs.Done()
	// Records with the very same question text answer alike (the source data
	// holds duplicates); count any of them as right.
	same, err := h.sameTitleIDs(ctx)
	if err != nil {
		return DevResult{}, err
	}
	var res DevResult
	acc := map[string]*[2]DevScore{"tune": {}, "heldout": {}}
	for _, q := range qs {
		want := map[string]bool{}
		for _, id := range q.IDs {
			want[id] = true
			for _, o := range same[id] {
				want[o] = true
			}
		}
		if len(q.IDs) > 0 {
			var n int
			if err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM records WHERE id = ?`, q.IDs[0]).Scan(&n); err != nil || n == 0 {
				continue
			}
		}
		hits, err := h.search(ctx, q.Q, SearchOptions{Limit: 3})
		if err != nil {
			return res, fmt.Errorf("devset %q: %w", q.Q, err)
		}
		ids := make([]string, len(hits))
		for i, hh := range hits {
			ids[i] = hh.Record.ID
		}
		plain, err := h.plainSearch(ctx, q.Q, 3)
		if err != nil {
			return res, fmt.Errorf("devset plain %q: %w", q.Q, err)
		}
		a := acc[q.Split]
		if a == nil {
			continue
		}
		grounded := len(hits) > 0 && hits[0].Grounded
		ok := score(&a[0], want, ids, grounded)
		score(&a[1], want, plain, len(plain) > 0)
		if !ok {
			top := "-"
			if len(hits) > 0 {
				top = fmt.Sprintf("%s %s (%.2f)", hits[0].Record.ID, hits[0].Record.Title, hits[0].Confidence)
			}
			res.Misses = append(res.Misses, fmt.Sprintf("[%s] %s → %s want %v", q.Split, q.Q, top, q.IDs))
		}
	}
	res.Tune, res.PlainTune = finish(acc["tune"][0]), finish(acc["tune"][1])
	res.Heldout, res.PlainHeldout = finish(acc["heldout"][0]), finish(acc["heldout"][1])
	return res, nil
}

// score adds one question to s (counts in the float fields until finish)
// and says whether the ranker did the right thing.
func score(s *DevScore, want map[string]bool, ids []string, grounded bool) bool {
	if len(want) == 0 {
		s.Unanswerable++
		if !grounded {
			s.Refused++
		}
		return !grounded
	}
	s.Answerable++
	for i, id := range ids {
		if want[id] {
			if i == 0 {
				s.Top1++
				if grounded {
					s.GroundedRight++
				}
			}
			if i < 3 {
				s.Top3++
			}
			return i == 0
		}
	}
	if grounded {
		s.GroundedWrong++
	}
	return false
}

func finish(s DevScore) DevScore {
	if s.Answerable > 0 {
		s.Top1 /= float64(s.Answerable)
		s.Top3 /= float64(s.Answerable)
		s.GroundedWrong /= float64(s.Answerable)
		s.GroundedRight /= float64(s.Answerable)
	}
	if s.Unanswerable > 0 {
		s.Refused /= float64(s.Unanswerable)
	}
	return s
}

func (h *handle) sameTitleIDs(ctx context.Context) (map[string][]string, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT a.id, b.id FROM records a JOIN records b
		ON a.title = b.title AND a.kind = b.kind AND a.id <> b.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[a] = append(out[a], b)
	}
	return out, rows.Err()
}

// plainSearch is the simple alternative the ranker is measured against:
// FTS5's trigram tokenizer with the question's trigrams OR-ed, ranked by
// BM25 with equal column weights, no normalisation of the question.
func (h *handle) plainSearch(ctx context.Context, q string, limit int) ([]string, error) {
	var parts []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(normalize(q)) {
		rs := []rune(w)
		for i := 0; i+3 <= len(rs); i++ {
			t := string(rs[i : i+3])
			if !seen[t] && utf8.RuneCountInString(t) == 3 {
				seen[t] = true
				parts = append(parts, ftsQuote(t))
			}
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := h.db.QueryContext(ctx, `SELECT r.id FROM fts_tri JOIN records r ON r.rid = fts_tri.rowid
		WHERE fts_tri MATCH ? ORDER BY bm25(fts_tri) LIMIT ?`, strings.Join(parts, " OR "), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PlainSearch runs the baseline ranker (plain FTS5 trigram BM25) and
// returns record ids, for benchmarks that compare against it.
func (kb *KB) PlainSearch(ctx context.Context, q string, limit int) ([]string, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	return h.plainSearch(ctx, q, limit)
}
