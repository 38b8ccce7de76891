package localkb

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Ranking weights. The FTS5 BM25 column weights pick candidates; the
// re-ranker then scores each candidate by how much of the question's
// information (IDF-weighted bigrams) its title and alternate questions
// cover, and how much of its title the question covers. The weights and the
// calibration below were fitted on the tuning part of testdata/devset.jsonl
// (see TestDevSet); the held-out part is reported, never fitted.
var (
	bm25Weights = "8.0, 6.0, 3.0, 2.0, 1.0" // title, alt, kw, dept, body

	wHead  = 0.50 // share of the question's information found in title/alt/keywords
	wTitle = 0.25 // share of the best title line's information the question mentions
	wBody  = 0.15 // share found only in the body
	wBM25  = 0.10 // FTS5 BM25 relative to the best candidate
	wSeq   = 0.10 // longest run of consecutive question bigrams found in the title line

	// deptPenalty demotes department records for questions that do not ask
	// about an office (where, phone, window).
	deptPenalty = 0.15

	// Calibration: Confidence = sigmoid(calA*score + calB*unknownShare + calC).
	calA, calB, calC = 8.57, -6.19, -2.13
	// groundedAt is the confidence from which a hit is presented as the
	// answer: the lowest threshold at which the tune split's unanswerable
	// questions get no grounded answer at least 90% of the time (0.5
	// grounded 4 of 30 of them).
	groundedAt = 0.6
)

// candidatePool is how many FTS5 matches the re-ranker looks at, and
// maxMatchTerms how many question terms choose them.
const (
	candidatePool = 80
	maxMatchTerms = 8
)

// qterm is one information unit of the question: a bigram (or word) as the
// visitor said it, or the variant the index knows when the recogniser got a
// character wrong.
type qterm struct {
	tok   string
	idf   float64
	known bool
}

type candidate struct {
	rid   int64
	kind  string
	title string // title tokens
	head  string
	body  string
	bm25  float64
	score float64
}

// analyze turns a question into weighted query terms.
func (h *handle) analyze(ctx context.Context, q string) ([]qterm, error) {
	toks := dedupe(tokens(h.canon.queryText(q)))
	if len(toks) == 0 {
		return nil, nil
	}
	df, err := h.lookupDF(ctx, toks)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if len([]rune(t)) == 1 {
			// A lone character is not an index token; count the records
			// whose bigrams start with it (an upper bound on its df).
			var n int
			_ = h.db.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) FROM df WHERE term >= ? AND term < ?`, t, t+"\U0010FFFF").Scan(&n)
			df[t] = n
		}
	}
	// A bigram the index has never seen may be a recogniser's homophone
	// error: try the confusable characters and keep the most common variant
	// the index holds.
	var variants []string
	for _, t := range toks {
		if df[t] == 0 {
			variants = append(variants, homophoneVariants(t)...)
		}
	}
	vdf := map[string]int{}
	if len(variants) > 0 {
		if vdf, err = h.lookupDF(ctx, variants); err != nil {
			return nil, err
		}
	}
	n := float64(h.n)
	if n < 1 {
		n = 1
	}
	var out []qterm
	for _, t := range toks {
		d := df[t]
		if d == 0 {
			best, bestDF := "", 0
			for _, v := range homophoneVariants(t) {
				if vdf[v] > bestDF {
					best, bestDF = v, vdf[v]
				}
			}
			if best != "" {
				t, d = best, bestDF
			}
		}
		qt := qterm{tok: t, known: d > 0}
		if d == 0 {
			d = 1 // unknown to the index: as informative as the rarest term
		}
		qt.idf = math.Log(1 + n/float64(d))
		out = append(out, qt)
	}
	return out, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (h *handle) lookupDF(ctx context.Context, toks []string) (map[string]int, error) {
	out := map[string]int{}
	for len(toks) > 0 {
		chunk := toks
		if len(chunk) > 200 {
			chunk = chunk[:200]
		}
		toks = toks[len(chunk):]
		args := make([]any, len(chunk))
		for i, t := range chunk {
			args[i] = t
		}
		rows, err := h.db.QueryContext(ctx, `SELECT term, n FROM df WHERE term IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("search: df: %w", err)
		}
		for rows.Next() {
			var t string
			var n int
			if err := rows.Scan(&t, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("search: df: %w", err)
			}
			out[t] = n
		}
		rows.Close()
	}
	return out, nil
}

// matchExpr is the FTS5 query: any of the known terms. Terms found in more
// than a fifth of the records ("办理", "怎么") only slow the match down and
// are left to the re-ranker.
func (h *handle) matchExpr(terms []qterm) string {
	var parts []string
	common := math.Log(1 + 8.0)
	if h.n < 100 {
		common = 0 // a tiny knowledge base has no "common" words
	}
	// The rarest terms pick the candidates; FTS5 reads every posting of
	// every term, so a long question is cut to its most telling terms.
	byIDF := append([]qterm(nil), terms...)
	sort.SliceStable(byIDF, func(i, j int) bool { return byIDF[i].idf > byIDF[j].idf })
	for pass := 0; pass < 2 && len(parts) == 0; pass++ {
		for _, t := range byIDF {
			if len(parts) == maxMatchTerms {
				break
			}
			if !t.known {
				continue
			}
			// First pass: content words only. Question words ("怎么") and
			// lone characters (a prefix query over every bigram they start)
			// read long posting lists and pick nothing.
			if pass == 0 && len(terms) > 2 && (t.idf < common || isQuestionWord[t.tok] || len([]rune(t.tok)) == 1) {
				continue
			}
			parts = append(parts, ftsTerm(t.tok))
		}
	}
	return strings.Join(parts, " OR ")
}

// ftsTerm is a query term in FTS5 syntax; a lone character matches every
// bigram it starts.
func ftsTerm(tok string) string {
	if len([]rune(tok)) == 1 {
		return ftsQuote(tok) + "*"
	}
	return ftsQuote(tok)
}

func (kb *KB) search(ctx context.Context, q string, opts SearchOptions) ([]Hit, error) {
	h, err := kb.acquire()
	if err != nil {
		return nil, err
	}
	defer h.refs.Done()
	return h.search(ctx, q, opts)
}

func (h *handle) search(ctx context.Context, q string, opts SearchOptions) ([]Hit, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 5
	}
	terms, err := h.analyze(ctx, q)
	if err != nil || len(terms) == 0 {
		return nil, err
	}
	expr := h.matchExpr(terms)
	if expr == "" {
		return nil, nil
	}
	cands, err := h.candidates(ctx, expr, opts.Kinds)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, nil
	}
	unknown := h.rerank(terms, cands, asksForDepartment(q))
	if len(cands) > limit {
		cands = cands[:limit]
	}
	hits := make([]Hit, 0, len(cands))
	for i, c := range cands {
		var data string
		if err := h.db.QueryRowContext(ctx, `SELECT data FROM records WHERE rid = ?`, c.rid).Scan(&data); err != nil {
			return nil, fmt.Errorf("search: load: %w", err)
		}
		var r Record
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("search: load: %w", err)
		}
		conf := confidence(c.score, unknown)
		if i > 0 {
			// Only the best hit is calibrated as "the answer"; lower hits get
			// the same scale so the UI can show them as related.
			conf = math.Min(conf, hits[0].Confidence)
		}
		hits = append(hits, Hit{Record: r, Score: c.score, Confidence: conf, Grounded: conf >= groundedAt})
	}
	return hits, nil
}

func (h *handle) candidates(ctx context.Context, expr string, kinds []string) ([]candidate, error) {
	query := `SELECT r.rid, r.kind, r.title_tokens, r.head_tokens, r.body_tokens, bm25(fts_bi, ` + bm25Weights + `) AS s
		FROM fts_bi JOIN records r ON r.rid = fts_bi.rowid WHERE fts_bi MATCH ?`
	args := []any{expr}
	if len(kinds) > 0 {
		query += ` AND r.kind IN (?` + strings.Repeat(",?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	query += ` ORDER BY s LIMIT ` + fmt.Sprint(candidatePool)
	rows, err := h.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.rid, &c.kind, &c.title, &c.head, &c.body, &c.bm25); err != nil {
			return nil, fmt.Errorf("search: match: %w", err)
		}
		c.bm25 = -c.bm25 // FTS5 reports better matches as more negative
		out = append(out, c)
	}
	return out, rows.Err()
}

// rerank scores and sorts the candidates in place and returns the share of
// the question's information the index does not know at all, which the
// calibration uses: a question about something the hall never wrote about
// is mostly unknown words.
func (h *handle) rerank(terms []qterm, cands []candidate, deptOK bool) float64 {
	var total, unknownW float64
	for _, t := range terms {
		total += t.idf
		if !t.known {
			unknownW += t.idf
		}
	}
	known := total - unknownW
	if known <= 0 {
		known = 1
	}
	idf := map[string]float64{}
	for _, t := range terms {
		idf[t.tok] = t.idf
	}
	bmTop := 0.0
	for _, c := range cands {
		bmTop = math.Max(bmTop, c.bm25)
	}
	for i := range cands {
		c := &cands[i]
		// Walk the stored token strings once, looking each token up in the
		// question's terms; building a set per candidate cost more than the
		// SQL query.
		inHeadSet := matchedTerms(c.head, idf, nil)
		inBodySet := matchedTerms(c.body, idf, inHeadSet)
		var inHead, inBody float64
		for _, t := range terms {
			if !t.known {
				continue
			}
			switch {
			case inHeadSet[t.tok]:
				inHead += t.idf
			case inBodySet[t.tok]:
				inBody += t.idf
			}
		}
		titleToks := strings.Fields(c.title)
		var tHave, tAll float64
		for _, tt := range dedupe(titleToks) {
			w := h.idfGuess(tt, idf)
			tAll += w
			if _, ok := idf[tt]; ok {
				tHave += w
			}
		}
		titleCov := 0.0
		if tAll > 0 {
			titleCov = tHave / tAll
		}
		seq := longestRun(terms, titleToks)
		bmNorm := 0.0
		if bmTop > 0 {
			bmNorm = c.bm25 / bmTop
		}
		c.score = wHead*inHead/known + wTitle*titleCov + wBody*inBody/known + wBM25*bmNorm + wSeq*seq
		if c.kind == KindDepartment && !deptOK {
			// A department's record names its matters in passing; it
			// answers "where / which window / what phone", not the matter.
			c.score -= deptPenalty
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return unknownW / math.Max(total, 1e-9)
}

// idfGuess is a title token's weight: its query IDF when the question has
// it, else a middling weight so that long titles are not favoured.
func (h *handle) idfGuess(tok string, idf map[string]float64) float64 {
	if w, ok := idf[tok]; ok {
		return w
	}
	return math.Log(1 + float64(h.n)/50)
}

// longestRun is the longest run of consecutive question terms that appear
// consecutively in the title, as a share of the question's length (capped).
func longestRun(terms []qterm, title []string) float64 {
	if len(terms) == 0 || len(title) == 0 {
		return 0
	}
	pos := map[string][]int{}
	for i, t := range title {
		pos[t] = append(pos[t], i)
	}
	best := 0
	for i := range terms {
		for _, p := range pos[terms[i].tok] {
			n := 1
			for i+n < len(terms) && p+n < len(title) && terms[i+n].tok == title[p+n] {
				n++
			}
			if n > best {
				best = n
			}
		}
	}
	d := len(terms)
	if d > 6 {
		d = 6
	}
	return math.Min(1, float64(best)/float64(d))
}

// matchedTerms returns which question terms occur in the space-separated
// token string s (skipping those already in skip). A one-character term
// matches any bigram it starts.
func matchedTerms(s string, idf map[string]float64, skip map[string]bool) map[string]bool {
	found := map[string]bool{}
	for len(s) > 0 {
		i := strings.IndexByte(s, ' ')
		var tok string
		if i < 0 {
			tok, s = s, ""
		} else {
			tok, s = s[:i], s[i+1:]
		}
		if tok == "" {
			continue
		}
		if _, ok := idf[tok]; ok && !skip[tok] {
			found[tok] = true
			continue
		}
		if r, size := utf8.DecodeRuneInString(tok); size < len(tok) {
			if first := string(r); idf[first] > 0 && !skip[first] {
				found[first] = true
			}
		}
	}
	return found
}

func confidence(score, unknown float64) float64 {
	return 1 / (1 + math.Exp(-(calA*score + calB*unknown + calC)))
}
