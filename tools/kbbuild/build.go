package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"xiaofu/localkb"
)

// Demo hall identity written into the meta line.
const (
	hallName   = "企业综合服务中心"
	regionName = "演示数据（北京市、广东省、广州市天河区、徐州市贾汪区公开政务数据）"
)

// hotQuestions are the buttons on the home screen. Each is the exact title
// of a record in the snapshot (a test checks this), so that tapping one
// always finds its answer; they are the enterprise questions the data
// answers best.
var hotQuestions = []string{
	"企业要想申请成为高新技术企业，该如何操作？",
	"对企业享受研发费用加计扣除的比例有何具体规定？",
	"享受研发费用加计扣除政策是否需要到税务机关备案？",
	"企业获得高新技术企业资格后有什么优惠政策？",
	"单位办理公积金开户有几种途径？",
	"单位缴存住房公积金有几种方式？",
	"参加失业保险的单位范围有哪些？",
	"企业年金的缴费比例是多少？",
	"存在劳动关系未签订劳动合同应当如何处理？",
	"一次性创业补贴的补贴条件是什么？",
	"个体工商户营业执照办理",
	"创业担保贷款",
}

// kindOrder is the order of kinds in the snapshot: a record only refers to
// kinds written before it (guides to departments and documents, policies to
// tags, bundles to guides), so a streaming reader meets targets first.
var kindOrder = []string{
	localkb.KindDepartment, localkb.KindDoc, localkb.KindFAQ, localkb.KindGuide,
	localkb.KindTag, localkb.KindPolicy, localkb.KindBundle,
}

// knownSources are the data sets a snapshot may draw on, with the label the
// attribution uses and what was taken. A data set is attributed when a
// record's Source names it (authored policies name theirs too).
var knownSources = []struct {
	dir, label, use string
}{
	{"msgabench-beijing-gov-qa", "北京市政务问答", "gov_qa_2081.jsonl and nlu_qa_233.jsonl as FAQ records; their departments as department records"},
	{"guangdong-service-items", "广东省政务服务事项", "gd_service_items.jsonl as guide records (id = TASK_CODE); their departments as department records"},
	{"jiawang-district-hall-windows", "徐州市贾汪区政务服务中心窗口", "jiawang_windows.json as department records with windows and phones"},
	{"tianhe-district-policy-kb", "广州市天河区政策知识库", "official_documents.csv as doc records; knowledge_entries.csv as guide records citing them; hand-authored policy records paraphrase some entries"},
	{"hangzhou-tech-policy-conditions", "杭州科技企业政策条件", "hand-authored policy records paraphrase its programmes and thresholds"},
	{"xuhui-district-policies", "上海市徐汇区企业扶持政策", "hand-authored policy records paraphrase its policy texts"},
	{"guangan-district-item-catalog", "广安市广安区事项目录", "hand-authored records drawing on its catalogue"},
	{"taipei-gov-faq", "臺北市政府常見問答", "hand-authored records drawing on it"},
}

// sourcesUsed returns the directories of the known data sets that some
// record names as its source, in knownSources order.
func sourcesUsed(recs []*localkb.Record) []string {
	var out []string
	for _, s := range knownSources {
		for _, r := range recs {
			if r.Source == s.dir || strings.HasPrefix(r.Source, s.dir+"/") || strings.HasPrefix(r.Source, s.dir+" ") {
				out = append(out, s.dir)
				break
			}
		}
	}
	return out
}

// config is what one build needs.
type config struct {
	DataDir     string
	AuthoredDir string
	// Generated, when set, is stamped into the meta line. When zero, the
	// meta of Previous is kept if its records are unchanged, else Now().
	Generated time.Time
	Previous  string // path of the snapshot this build replaces; may not exist
	Now       func() time.Time
	// Verify runs the snapshot through the kiosk's importer (localkb.Import
	// into a temporary database) and drops, with a report line each, the
	// records it rejects, so the demo always imports cleanly.
	Verify bool
}

// importCheck imports the rendered records into a throw-away database with
// the kiosk's own importer and returns a report of the lines it rejects and
// the records it accepts.
func importCheck(recs []*localkb.Record, body []byte) (*sourceReport, []*localkb.Record, error) {
	rep := &sourceReport{Name: "import check (localkb.Import)", Read: len(recs)}
	if err := localkb.CheckFTS5(); err != nil {
		rep.note("-", "warning", "not run: %v", err)
		rep.Written = len(recs)
		return rep, recs, nil
	}
	dir, err := os.MkdirTemp("", "kbbuild-check-")
	if err != nil {
		return nil, nil, fmt.Errorf("import check: %w", err)
	}
	defer os.RemoveAll(dir)
	var in bytes.Buffer
	if err := encodeLine(&in, localkb.Meta{Kind: "meta", Version: "check", Records: len(recs)}); err != nil {
		return nil, nil, err
	}
	in.Write(body)
	ir, err := localkb.Import(context.Background(), &in, filepath.Join(dir, "kb.sqlite"))
	if err != nil {
		return nil, nil, fmt.Errorf("import check: %w", err)
	}
	bad := map[int]bool{}
	for _, e := range ir.Errors {
		i := e.Line - 2 // line 1 is the meta line
		if i < 0 || i >= len(recs) {
			continue
		}
		bad[i] = true
		what := e.Field + ": " + e.Reason
		rep.note(recs[i].ID, "warning", "rejected by the importer: %s", what)
	}
	var kept []*localkb.Record
	for i, r := range recs {
		if bad[i] {
			rep.skip(r.ID, "rejected by the importer: see warnings")
			continue
		}
		kept = append(kept, r)
	}
	rep.Written = len(kept)
	return rep, kept, nil
}

// result is a finished build.
type result struct {
	Snapshot []byte
	Notice   []byte
	Meta     localkb.Meta
	ByKind   map[string]int
	Reports  []*sourceReport
}

// build reads every source, merges the authored records and renders the
// snapshot and the NOTICE.
func build(cfg config) (*result, error) {
	b := newBuilder(cfg.DataDir)
	if err := b.loadGovQA(); err != nil {
		return nil, fmt.Errorf("gov_qa: %w", err)
	}
	if err := b.loadNLU(); err != nil {
		return nil, fmt.Errorf("nlu_qa: %w", err)
	}
	gdDepts, err := b.loadGuangdong()
	if err != nil {
		return nil, fmt.Errorf("guangdong: %w", err)
	}
	if err := b.loadTianhe(); err != nil {
		return nil, fmt.Errorf("tianhe: %w", err)
	}
	if err := b.loadJiawang(); err != nil {
		return nil, fmt.Errorf("jiawang: %w", err)
	}
	b.gdDepartments(gdDepts)
	b.beijingDepartmentRecords()
	if cfg.AuthoredDir != "" {
		if err := b.loadAuthored(cfg.AuthoredDir); err != nil {
			return nil, err
		}
	}
	b.reports = append(b.reports, b.checkReferences())

	recs := make([]*localkb.Record, 0, len(b.records))
	for _, r := range b.records {
		recs = append(recs, r)
	}
	sortRecords(recs)
	body, byKind, err := renderRecords(recs)
	if err != nil {
		return nil, err
	}
	if cfg.Verify {
		rep, kept, err := importCheck(recs, body)
		if err != nil {
			return nil, err
		}
		b.reports = append(b.reports, rep)
		if len(kept) != len(recs) {
			recs = kept
			if body, byKind, err = renderRecords(recs); err != nil {
				return nil, err
			}
		}
	}

	attributions, notice, err := attribution(cfg.DataDir, sourcesUsed(recs))
	if err != nil {
		return nil, err
	}
	meta := localkb.Meta{
		Kind:    "meta",
		Region:  regionName,
		Hall:    hallName,
		Hot:     hotQuestions,
		Topics:  usedTopics(recs),
		Sources: attributions,
		Records: len(recs),
	}
	sum := sha256.Sum256(body)
	contentHash := hex.EncodeToString(sum[:])
	meta.Version, meta.Generated = stampFor(cfg, meta, contentHash)

	var out bytes.Buffer
	if err := encodeLine(&out, meta); err != nil {
		return nil, err
	}
	out.Write(body)
	return &result{Snapshot: out.Bytes(), Notice: notice, Meta: meta, ByKind: byKind, Reports: b.reports}, nil
}

// stampFor decides the version and generated time. The version is the
// generation time in UTC as "YYYY.MM.DD.HHMMSS": date-based and ordered as a
// string, which is how the kiosk tells a newer snapshot. A rebuild whose
// meta and records equal the previous output's keeps its stamp, so
// re-running the converter changes nothing.
func stampFor(cfg config, meta localkb.Meta, contentHash string) (version, generated string) {
	format := func(t time.Time) (string, string) {
		t = t.UTC().Truncate(time.Second)
		return t.Format("2006.01.02.150405"), t.Format(time.RFC3339)
	}
	if !cfg.Generated.IsZero() {
		return format(cfg.Generated)
	}
	if prev, ok := previousStamp(cfg.Previous, meta, contentHash); ok {
		return prev.Version, prev.Generated
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	return format(now())
}

// previousStamp returns the meta of the previous output when everything
// but its stamp equals what this build would write.
func previousStamp(path string, meta localkb.Meta, contentHash string) (localkb.Meta, bool) {
	if path == "" {
		return localkb.Meta{}, false
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return localkb.Meta{}, false
	}
	first, rest, ok := bytes.Cut(raw, []byte("\n"))
	if !ok {
		return localkb.Meta{}, false
	}
	var prev localkb.Meta
	if err := json.Unmarshal(first, &prev); err != nil {
		return localkb.Meta{}, false
	}
	sum := sha256.Sum256(rest)
	if hex.EncodeToString(sum[:]) != contentHash {
		return localkb.Meta{}, false
	}
	meta.Version, meta.Generated = prev.Version, prev.Generated
	a, _ := json.Marshal(meta)
	b, _ := json.Marshal(prev)
	if !bytes.Equal(a, b) {
		return localkb.Meta{}, false
	}
	return prev, true
}

// sortRecords orders records by kind (kindOrder) and then by id, comparing
// numeric suffixes as numbers so that 政务问答-2 precedes 政务问答-10.
func sortRecords(recs []*localkb.Record) {
	rank := map[string]int{}
	for i, k := range kindOrder {
		rank[k] = i
	}
	sort.Slice(recs, func(i, j int) bool {
		ri, rj := rank[recs[i].Kind], rank[recs[j].Kind]
		if ri != rj {
			return ri < rj
		}
		return naturalLess(recs[i].ID, recs[j].ID)
	})
}

// naturalLess compares ids by their text before a trailing number, then by
// that number.
func naturalLess(a, b string) bool {
	pa, na, oka := splitNumSuffix(a)
	pb, nb, okb := splitNumSuffix(b)
	if oka && okb && pa == pb {
		if na != nb {
			return na < nb
		}
	}
	return a < b
}

func splitNumSuffix(s string) (string, int, bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || len(s)-i > 9 {
		return s, 0, false
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return s, 0, false
	}
	return s[:i], n, true
}

// renderRecords writes one JSON line per record.
func renderRecords(recs []*localkb.Record) ([]byte, map[string]int, error) {
	var buf bytes.Buffer
	byKind := map[string]int{}
	for _, r := range recs {
		if err := encodeLine(&buf, r); err != nil {
			return nil, nil, fmt.Errorf("encode %s: %w", r.ID, err)
		}
		byKind[r.Kind]++
	}
	return buf.Bytes(), byKind, nil
}

// encodeLine writes v as one line of JSON. HTML escaping is off so that
// "<", ">" and "&" in Chinese text stay readable in the file.
func encodeLine(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v) // Encode ends the line with "\n"
}

// usedTopics lists the browse topics that at least one record other than a
// tag carries, in display order.
func usedTopics(recs []*localkb.Record) []string {
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Kind == localkb.KindTag {
			continue // the profile vocabulary is not browsed
		}
		for _, t := range r.Topics {
			seen[t] = true
		}
	}
	var out []string
	for _, t := range allTopics {
		if seen[t] && t != topicOther {
			out = append(out, t)
		}
	}
	// Topics of authored records that the vocabulary does not know come
	// next, and "other" always last.
	var extra []string
	for t := range seen {
		if !containsString(allTopics, t) {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	out = append(out, extra...)
	if seen[topicOther] {
		out = append(out, topicOther)
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sourceInfo is what a SOURCE.txt says about a data set.
type sourceInfo struct {
	Repo, Path, Commit, Licence string
}

// readSourceInfo parses the "key: value" lines of a SOURCE.txt.
func readSourceInfo(path string) (sourceInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return sourceInfo{}, err
	}
	defer f.Close()
	var si sourceInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "repo":
			si.Repo = v
		case "path", "paths":
			si.Path = v
		case "commit":
			si.Commit = v
		case "licence", "license":
			si.Licence = v
		}
	}
	if err := sc.Err(); err != nil {
		return si, err
	}
	if si.Repo == "" || si.Commit == "" {
		return si, fmt.Errorf("%s: no repo or commit line", path)
	}
	return si, nil
}

// attribution builds the meta line's source lines and the NOTICE text from
// the SOURCE.txt of every data set used.
func attribution(dataDir string, dirs []string) ([]string, []byte, error) {
	var lines []string
	var n bytes.Buffer
	n.WriteString("NOTICE: sources of the demo knowledge base (assets/kb/demo.jsonl)\n\n")
	n.WriteString("The demo snapshot is generated by tools/kbbuild from public government-service data.\n")
	n.WriteString("None of it comes from the hall the kiosk is first built for; it stands in for the\n")
	n.WriteString("hall's own knowledge base until the hall syncs its own. Text was cleaned (HTML\n")
	n.WriteString("remnants, whitespace, swapped columns) but not otherwise changed. Records keep the\n")
	n.WriteString("source ids where the source has them. Hand-authored records (tools/kbbuild/authored)\n")
	n.WriteString("are the project's own work.\n")
	for _, s := range knownSources {
		if !containsString(dirs, s.dir) {
			continue
		}
		si, err := readSourceInfo(filepath.Join(dataDir, s.dir, "SOURCE.txt"))
		if err != nil {
			return nil, nil, fmt.Errorf("attribution: %w", err)
		}
		short := si.Commit
		if len(short) > 7 {
			short = short[:7]
		}
		lic := si.Licence
		if i := strings.IndexAny(lic, ".;"); i > 0 {
			lic = lic[:i]
		}
		lines = append(lines, fmt.Sprintf("%s：github.com/%s@%s（%s）", s.label, si.Repo, short, lic))
		fmt.Fprintf(&n, "\n%s (%s)\n", s.label, s.dir)
		fmt.Fprintf(&n, "  repo:    https://github.com/%s\n", si.Repo)
		fmt.Fprintf(&n, "  path:    %s\n", si.Path)
		fmt.Fprintf(&n, "  commit:  %s\n", si.Commit)
		fmt.Fprintf(&n, "  licence: %s\n", si.Licence)
		fmt.Fprintf(&n, "  used:    %s\n", s.use)
	}
	return lines, n.Bytes(), nil
}
