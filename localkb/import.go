package localkb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

var knownKinds = map[string]bool{
	KindFAQ: true, KindGuide: true, KindPolicy: true, KindDepartment: true,
	KindDoc: true, KindBundle: true, KindTag: true,
}

var knownOps = map[string]bool{
	"eq": true, "ne": true, "gt": true, "gte": true, "lt": true, "lte": true, "in": true,
	"has": true, "between": true, "true": true, "false": true,
	// Combinators the policy engine evaluates: any/all hold sub-conditions
	// in Value (each with its own field), banded a threshold per band of
	// another field (docs/kb-format.md).
	"any": true, "all": true, "banded": true,
}

var dateRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// beforeSwap is called after the new file is complete and before it is
// renamed over the old one; tests set it to simulate a crash at that point.
var beforeSwap func(tmp string) error

// validateMeta checks the meta line.
func validateMeta(m *Meta, line int) []LineError {
	var errs []LineError
	if m.Kind != "meta" {
		errs = append(errs, LineError{Line: line, Field: "kind", Reason: `the first line must be the meta line (kind "meta")`})
	}
	if strings.TrimSpace(m.Version) == "" {
		errs = append(errs, LineError{Line: line, Field: "version", Reason: "missing"})
	}
	if m.Generated != "" {
		if _, err := time.Parse(time.RFC3339, m.Generated); err != nil {
			errs = append(errs, LineError{Line: line, Field: "generated", Reason: "not an RFC 3339 time: " + m.Generated})
		}
	}
	return errs
}

// validateRecord checks one record; line is 0 when re-validating a stored
// record. It returns every problem, so staff can fix a line in one go.
func validateRecord(r *Record, line int) []LineError {
	var errs []LineError
	bad := func(field, reason string) {
		errs = append(errs, LineError{Line: line, ID: r.ID, Field: field, Reason: reason})
	}
	if strings.TrimSpace(r.ID) == "" {
		bad("id", "missing")
	} else if strings.TrimSpace(r.ID) != r.ID || strings.ContainsAny(r.ID, "\n\t") {
		bad("id", "has surrounding or control whitespace")
	}
	if r.Kind == "meta" {
		return []LineError{{Line: line, Field: "kind", Reason: "a second meta line"}}
	}
	switch {
	case r.Kind == "":
		bad("kind", "missing")
	case !knownKinds[r.Kind]:
		bad("kind", fmt.Sprintf("unknown kind %q", r.Kind))
	}
	if strings.TrimSpace(r.Title) == "" {
		bad("title", "missing")
	}
	if r.Date != "" && !dateRE.MatchString(r.Date) {
		bad("date", "not YYYY-MM-DD, YYYY-MM or YYYY: "+r.Date)
	}
	switch r.Kind {
	case KindFAQ:
		if strings.TrimSpace(r.Body) == "" {
			bad("body", "a FAQ needs its answer")
		}
	case KindPolicy:
		if r.Policy != nil {
			for i, c := range r.Policy.Conditions {
				f := "policy.conditions[" + strconv.Itoa(i) + "]"
				if c.ID == "" {
					bad(f+".id", "missing")
				}
				if strings.TrimSpace(c.Text) == "" {
					bad(f+".text", "missing")
				}
				if c.Op != "" && !knownOps[c.Op] {
					bad(f+".op", fmt.Sprintf("unknown operator %q", c.Op))
				}
				if c.Op != "" && c.Op != "any" && c.Op != "all" && c.Field == "" {
					bad(f+".field", "an operator needs a field")
				}
			}
		}
	case KindBundle:
		if r.Bundle == nil || len(r.Bundle.Steps) == 0 {
			bad("bundle.steps", "a bundle needs at least one step")
		} else {
			for i, s := range r.Bundle.Steps {
				if s.ItemID == "" {
					bad("bundle.steps["+strconv.Itoa(i)+"].item_id", "missing")
				}
			}
		}
	case KindTag:
		if r.Tag == nil || r.Tag.Field == "" {
			bad("tag.field", "missing")
		}
	}
	return errs
}

// parseLine decodes one record line. A type mismatch names the field.
func parseLine(b []byte, line int) (Record, []LineError) {
	var r Record
	if !utf8.Valid(b) {
		return r, []LineError{{Line: line, Field: "json", Reason: "not valid UTF-8"}}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Recover the id for the report when the rest of the line is fine.
			var idOnly struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(b, &idOnly)
			return r, []LineError{{Line: line, ID: idOnly.ID, Field: te.Field, Reason: "wrong type: expected " + te.Type.String()}}
		}
		return r, []LineError{{Line: line, Field: "json", Reason: err.Error()}}
	}
	return r, validateRecord(&r, line)
}

// snapshot is a parsed and validated snapshot, ready to write.
type snapshot struct {
	meta    Meta
	records []Record
	report  *ImportReport
}

func readSnapshot(ctx context.Context, r io.Reader) (*snapshot, error) {
	rep := &ImportReport{ByKind: map[string]int{}}
	s := &snapshot{report: rep}
	br := bufio.NewReaderSize(r, 1<<16)
	seen := map[string]int{}
	line := 0
	haveMeta := false
	handleLine := func(b []byte) error {
		b = bytes.TrimSpace(b)
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) == 0 {
			return nil
		}
		if !haveMeta {
			haveMeta = true
			if err := json.Unmarshal(b, &s.meta); err != nil {
				rep.Errors = append(rep.Errors, LineError{Line: line, Field: "json", Reason: "meta line: " + err.Error()})
				return fmt.Errorf("import: meta line %d is not JSON: %w", line, ErrBadSnapshot)
			}
			if errs := validateMeta(&s.meta, line); len(errs) > 0 {
				rep.Errors = append(rep.Errors, errs...)
				return fmt.Errorf("import: %v: %w", errs[0], ErrBadSnapshot)
			}
			rep.Meta = s.meta
			return nil
		}
		rec, errs := parseLine(b, line)
		if len(errs) == 0 {
			if first, dup := seen[rec.ID]; dup {
				errs = []LineError{{Line: line, ID: rec.ID, Field: "id", Reason: "duplicate of line " + strconv.Itoa(first)}}
			}
		}
		if len(errs) > 0 {
			rep.Errors = append(rep.Errors, errs...)
			return nil
		}
		seen[rec.ID] = line
		s.records = append(s.records, rec)
		return nil
	}
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if line%512 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if herr := handleLine(b); herr != nil {
				return s, herr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("import: read line %d: %w", line+1, err)
		}
	}
	if !haveMeta {
		return s, fmt.Errorf("import: empty snapshot: %w", ErrBadSnapshot)
	}
	if len(s.records) == 0 {
		return s, fmt.Errorf("import: no valid record in %d lines: %w", line, ErrBadSnapshot)
	}
	if s.meta.Records > 0 && s.meta.Records != len(s.records)+countRecordLines(rep.Errors) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("meta says %d records, the snapshot has %d record lines", s.meta.Records, len(s.records)+countRecordLines(rep.Errors)))
	}
	for _, rec := range s.records {
		if rec.Bundle == nil {
			continue
		}
		for _, st := range rec.Bundle.Steps {
			if _, ok := seen[st.ItemID]; !ok {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: bundle step names %s, which the snapshot lacks", rec.ID, st.ItemID))
			}
		}
	}
	return s, nil
}

func countRecordLines(errs []LineError) int {
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	return len(lines)
}

func importSnapshot(ctx context.Context, r io.Reader, dbPath string) (*ImportReport, error) {
	if err := checkFTS5(); err != nil {
		return nil, err
	}
	s, err := readSnapshot(ctx, r)
	if err != nil {
		if s != nil {
			return s.report, err
		}
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return s.report, fmt.Errorf("import: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+".new-*")
	if err != nil {
		return s.report, fmt.Errorf("import: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmpPath)
			os.Remove(tmpPath + "-journal")
		}
	}()
	if err := writeDB(ctx, tmpPath, s); err != nil {
		return s.report, fmt.Errorf("import: write: %w", err)
	}
	if err := fsyncPath(tmpPath); err != nil {
		return s.report, fmt.Errorf("import: sync: %w", err)
	}
	if beforeSwap != nil {
		if err := beforeSwap(tmpPath); err != nil {
			return s.report, fmt.Errorf("import: swap: %w", err)
		}
	}
	if err := os.Rename(tmpPath, dbPath); err != nil {
		return s.report, fmt.Errorf("import: swap: %w", err)
	}
	ok = true
	// The rename is durable only once the directory entry is.
	_ = fsyncPath(filepath.Dir(dbPath))
	s.report.Path = dbPath
	return s.report, nil
}

func fsyncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// mineSynonyms finds variant → canonical pairs the snapshot states itself:
// department aliases, and abbreviations written as "（以下简称XX）".
var shortNameRE = regexp.MustCompile(`([\p{Han}]{4,16})[（(](?:以下)?简称[“"「]?([\p{Han}]{2,6})[”"」]?[）)]`)

func mineSynonyms(recs []Record) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	add := func(variant, canonical string) {
		variant, canonical = normalize(variant), normalize(canonical)
		if variant == canonical || len([]rune(variant)) < 2 || seen[variant] {
			return
		}
		seen[variant] = true
		out = append(out, [2]string{variant, canonical})
	}
	for _, r := range recs {
		if r.Dept != nil {
			for _, a := range r.Dept.Aliases {
				if len([]rune(a)) < len([]rune(r.Title)) {
					add(r.Title, a) // index the short name everyone says
				}
			}
		}
		if !strings.Contains(r.Body, "简称") {
			continue
		}
		for _, m := range shortNameRE.FindAllStringSubmatch(r.Body, -1) {
			full, short := m[1], m[2]
			// The regexp grabs Han characters greedily to the left; keep
			// only the tail that starts with the abbreviation's first char.
			if i := strings.Index(full, string([]rune(short)[:1])); i >= 0 {
				add(full[i:], short)
			}
		}
	}
	return out
}

func writeDB(ctx context.Context, path string, s *snapshot) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	// The file is private until the swap, so bulk-load it as fast as SQLite
	// allows: a big page cache, no automatic FTS merges while loading (one
	// optimize at the end merges everything once).
	for _, pragma := range []string{
		`PRAGMA cache_size = -65536`, `PRAGMA temp_store = MEMORY`, `PRAGMA locking_mode = EXCLUSIVE`,
	} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			return fmt.Errorf("schema: %s: %w", pragma, err)
		}
	}
	mined := mineSynonyms(s.records)
	canon := newCanon(mined)
	// go-sqlite3 starts a goroutine per statement to watch a cancellable
	// context; over tens of thousands of inserts that costs more than the
	// inserts. The loop below checks the caller's ctx itself instead.
	callerCtx := ctx
	ctx = context.WithoutCancel(ctx)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insRec, err := tx.PrepareContext(ctx, `INSERT INTO records(rid, id, kind, title, department, title_tokens, head_tokens, body_tokens, data) VALUES(?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	insBi, err := tx.PrepareContext(ctx, `INSERT INTO fts_bi(rowid, title, alt, kw, dept, body) VALUES(?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	insTri, err := tx.PrepareContext(ctx, `INSERT INTO fts_tri(rowid, title, alt, body) VALUES(?,?,?,?)`)
	if err != nil {
		return err
	}
	insTopic, err := tx.PrepareContext(ctx, `INSERT INTO record_topics(topic, rid) VALUES(?,?)`)
	if err != nil {
		return err
	}
	// Turning records into JSON and index tokens is as much work as
	// SQLite's inserts; workers prepare records ahead while this goroutine
	// inserts them in order, so an import takes about the longer of the two.
	prep := make([]preparedRecord, len(s.records))
	ready := make([]chan struct{}, len(s.records))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	// One core is left to the kiosk's UI and searches during a sync.
	workers := runtime.NumCPU() - 1
	if workers > 4 {
		workers = 4
	}
	if workers < 1 {
		workers = 1
	}
	var next atomic.Int64
	dfs := make([]map[string]int, workers)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	defer func() { close(stop); wg.Wait() }()
	for w := 0; w < workers; w++ {
		dfs[w] = map[string]int{}
		wg.Add(1)
		go func(df map[string]int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(s.records) {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				prep[i] = prepareRecord(canon, &s.records[i], df)
				close(ready[i])
			}
		}(dfs[w])
	}
	for i := range s.records {
		if i%256 == 0 && callerCtx.Err() != nil {
			return callerCtx.Err()
		}
		<-ready[i]
		p := &prep[i]
		if p.err != nil {
			return fmt.Errorf("record %s: %w", s.records[i].ID, p.err)
		}
		rec := &s.records[i]
		rid := int64(i + 1)
		if _, err := insRec.ExecContext(ctx, rid, rec.ID, rec.Kind, rec.Title, recordDept(rec), p.ti, p.head, p.bo, p.data); err != nil {
			return fmt.Errorf("record %s: %w", rec.ID, err)
		}
		if _, err := insBi.ExecContext(ctx, rid, p.ti, p.al, p.kw, p.de, p.bo); err != nil {
			return fmt.Errorf("record %s: %w", rec.ID, err)
		}
		if _, err := insTri.ExecContext(ctx, rid, p.triTitle, p.triAlt, p.triBody); err != nil {
			return fmt.Errorf("record %s: %w", rec.ID, err)
		}
		for _, t := range rec.Topics {
			if _, err := insTopic.ExecContext(ctx, t, rid); err != nil {
				return err
			}
		}
		prep[i] = preparedRecord{} // let the strings go
		s.report.Imported++
		s.report.ByKind[rec.Kind]++
	}
	wg.Wait()
	df := dfs[0]
	for _, m := range dfs[1:] {
		for t, n := range m {
			df[t] += n
		}
	}
	insDF, err := tx.PrepareContext(ctx, `INSERT INTO df(term, n) VALUES(?,?)`)
	if err != nil {
		return err
	}
	for t, n := range df {
		if _, err := insDF.ExecContext(ctx, t, n); err != nil {
			return err
		}
	}
	for _, p := range mined {
		if _, err := tx.ExecContext(ctx, `INSERT INTO synonyms(variant, canonical) VALUES(?,?)`, p[0], p[1]); err != nil {
			return err
		}
	}
	metaJSON, _ := json.Marshal(s.meta)
	for k, v := range map[string]string{
		"meta": string(metaJSON), "records": strconv.Itoa(len(s.records)),
		"index_version": indexVersion, "imported": time.Now().UTC().Format(time.RFC3339),
	} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_meta(key, value) VALUES(?,?)`, k, v); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO fts_bi(fts_bi) VALUES('optimize')`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO fts_tri(fts_tri) VALUES('optimize')`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `ANALYZE`)
	return err
}

// preparedRecord is a record turned into what the tables store.
type preparedRecord struct {
	data, head                string
	ti, al, kw, de, bo        string
	triTitle, triAlt, triBody string
	err                       error
}

// prepareRecord encodes a record and its index text, counting each token
// once into df (the worker's own map).
func prepareRecord(canon *Canon, rec *Record, df map[string]int) preparedRecord {
	var p preparedRecord
	data, err := json.Marshal(rec)
	if err != nil {
		p.err = err
		return p
	}
	p.data = string(data)
	f := recordFields(rec)
	p.ti, p.al, p.kw, p.de, p.bo = canon.indexText(f.title), canon.indexText(f.alt), canon.indexText(f.kw), canon.indexText(f.dept), canon.indexText(f.body)
	p.head = strings.Join(nonEmpty(p.ti, p.al, p.kw), " ")
	p.triTitle, p.triAlt, p.triBody = normalize(f.title), normalize(f.alt), normalize(truncRunes(f.body, triBodyRunes))
	seen := map[string]bool{}
	for _, field := range []string{p.ti, p.al, p.kw, p.de, p.bo} {
		for _, t := range strings.Fields(field) {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	return p
}

// triBodyRunes caps the body text in the trigram index. The trigram index
// serves the baseline and phrase lookups over titles and alternates; the
// trigrams of bodies took over half of an import's time, which the
// 3-second swap budget cannot spare, and the bigram index covers bodies.
const triBodyRunes = 0

func truncRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fields is the text of a record as the indexes see it.
type fields struct{ title, alt, kw, dept, body string }

func recordDept(r *Record) string {
	if r.Department != "" {
		return r.Department
	}
	if r.Kind == KindDepartment {
		return r.Title
	}
	return ""
}

// bodyIndexRunes caps how much of a long text is indexed: the opening of an
// answer or guide says what it is about; the rest adds noise and time.
const bodyIndexRunes = 400

func recordFields(r *Record) fields {
	f := fields{title: r.Title, alt: strings.Join(r.Alt, " ")}
	kw := append([]string(nil), r.Keywords...)
	kw = append(kw, r.Topics...)
	body := []string{r.Body}
	switch {
	case r.Guide != nil:
		kw = append(kw, r.Guide.Type)
		body = append(body, r.Guide.Conditions)
	case r.Dept != nil:
		f.alt = strings.Join(append(append([]string(nil), r.Alt...), r.Dept.Aliases...), " ")
		body = append(body, r.Dept.Duties, strings.Join(r.Dept.Windows, " "))
	case r.Doc != nil:
		kw = append(kw, r.Doc.Number)
		body = append(body, strings.Join(r.Doc.Clauses, " "))
	case r.Policy != nil:
		body = append(body, r.Policy.Benefit)
		for _, c := range r.Policy.Conditions {
			body = append(body, c.Text)
		}
	case r.Bundle != nil:
		f.alt += " " + r.Bundle.Event
	case r.Tag != nil:
		kw = append(kw, r.Tag.Ask)
	}
	f.kw = strings.Join(kw, " ")
	f.dept = strings.Join(nonEmpty(recordDept(r), r.Issuer), " ")
	b := []rune(strings.Join(nonEmpty(body...), " "))
	if len(b) > bodyIndexRunes {
		b = b[:bodyIndexRunes]
	}
	f.body = string(b)
	return f
}
