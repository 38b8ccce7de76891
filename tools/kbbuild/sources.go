package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"xiaofu/localkb"
)

// Source files, relative to the data directory.
const (
	srcGovQA    = "msgabench-beijing-gov-qa/gov_qa_2081.jsonl"
	srcNLU      = "msgabench-beijing-gov-qa/nlu_qa_233.jsonl"
	srcGD       = "guangdong-service-items/gd_service_items.jsonl"
	srcJiawang  = "jiawang-district-hall-windows/jiawang_windows.json"
	srcTianheKE = "tianhe-district-policy-kb/knowledge_entries.csv"
	srcTianheOD = "tianhe-district-policy-kb/official_documents.csv"
)

// beijingDepartments gives the full name of each department the Beijing Q&A
// data names by a short form, so that a citation says who answered.
var beijingDepartments = map[string]string{
	"应急局":           "北京市应急管理局",
	"规划自然资源委":       "北京市规划和自然资源委员会",
	"体育局":           "北京市体育局",
	"人力资源社会保障局":     "北京市人力资源和社会保障局",
	"北京市人力资源和社会保障局": "北京市人力资源和社会保障局",
	"科委":  "北京市科学技术委员会",
	"医保局": "北京市医疗保障局",
	"北京市医疗保障局、首都之窗": "北京市医疗保障局",
	"交通委":      "北京市交通委员会",
	"首都之窗":     "首都之窗",
	"首都之窗综合整理": "首都之窗",
	"交管局":      "北京市公安局公安交通管理局",
	"北京市公安局公安交通管理局":  "北京市公安局公安交通管理局",
	"北京公安局公安交通管理局":   "北京市公安局公安交通管理局",
	"住房公积金管理中心":      "北京住房公积金管理中心",
	"北京住房公积金管理中心":    "北京住房公积金管理中心",
	"文物局":            "北京市文物局",
	"药监局":            "北京市药品监督管理局",
	"城市管理委":          "北京市城市管理委员会",
	"城管执法局":          "北京市城市管理综合行政执法局",
	"金融监管局":          "北京市地方金融监督管理局",
	"民政局":            "北京市民政局",
	"北京市民政局":         "北京市民政局",
	"北京市经济和信息化局":     "北京市经济和信息化局",
	"北京市计划生育服务指导中心":  "北京市计划生育服务指导中心",
	"北京市卫生和健康委员会":    "北京市卫生健康委员会",
	"北京市人力资源和社会保障局 ": "北京市人力资源和社会保障局",
	"北京市公安局公安交通管理局 ": "北京市公安局公安交通管理局",
}

// jiawangAliases are the full names of the hall's departments, which
// visitors may say instead of the short names on the window signs.
var jiawangAliases = map[string][]string{
	"人社局":      {"人力资源和社会保障局", "社保"},
	"医保局":      {"医疗保障局"},
	"市场监管局":    {"市场监督管理局", "工商"},
	"住建局":      {"住房和城乡建设局"},
	"卫健委":      {"卫生健康委员会"},
	"城管局":      {"城市管理局"},
	"税务局":      {"税务"},
	"公安局":      {"印章备案", "刻章"},
	"自然资源和规划局": {"自然资源局", "规划局"},
	"应急管理局":    {"应急局", "安监"},
	"消防大队":     {"消防"},
}

// builder accumulates records from every source.
type builder struct {
	dataDir string
	records map[string]*localkb.Record
	reports []*sourceReport
	// beijingDepts counts FAQ rows per Beijing department, with the short
	// names seen, for the department records.
	beijingDepts map[string]*deptAgg
}

// deptAgg aggregates what the items of one department say about it.
type deptAgg struct {
	name    string
	code    string
	aliases []string
	items   []string
	phones  map[string]int
	places  map[string]int
	topics  map[string]int
	count   int
}

func newDeptAgg(name string) *deptAgg {
	return &deptAgg{name: name, phones: map[string]int{}, places: map[string]int{}, topics: map[string]int{}}
}

func newBuilder(dataDir string) *builder {
	return &builder{dataDir: dataDir, records: map[string]*localkb.Record{}, beijingDepts: map[string]*deptAgg{}}
}

func (b *builder) report(name string) *sourceReport {
	r := &sourceReport{Name: name}
	b.reports = append(b.reports, r)
	return r
}

// add stores a record unless its id is taken; it reports the clash.
func (b *builder) add(r *localkb.Record, rep *sourceReport) bool {
	if old, ok := b.records[r.ID]; ok {
		rep.skip(r.ID, "duplicate id: already used by a %s record from %s", old.Kind, old.Source)
		return false
	}
	b.records[r.ID] = r
	return true
}

// readJSONL calls fn with each non-blank line of a JSON Lines file.
func readJSONL(path string, fn func(line int, raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// qaRow is a row of the Beijing Q&A files.
type qaRow struct {
	ID           string `json:"id"`
	Question     string `json:"question"`
	Answer       string `json:"answer"`
	Department   string `json:"department"`
	Keywords     string `json:"keywords"`
	QuestionType string `json:"question_type"`
}

// sourceNoteRe matches an answer that is only a citation of where the
// answer came from, e.g. "（出处：北京市防汛手册）".
var sourceNoteRe = regexp.MustCompile(`^[（(]\s*出处[:：].*[)）]$`)

// minAnswerRunes is the length under which an answer is reported as short.
// Short answers are kept: in this data they are real answers to yes/no
// questions ("可以。", "不需要。") and read well with their question.
const minAnswerRunes = 6

// loadGovQA turns every row of gov_qa_2081 into a FAQ record.
func (b *builder) loadGovQA() error {
	rep := b.report(srcGovQA)
	return readJSONL(filepath.Join(b.dataDir, srcGovQA), func(line int, raw []byte) error {
		rep.Read++
		var row qaRow
		if err := json.Unmarshal(raw, &row); err != nil {
			rep.skip(fmt.Sprintf("line %d", line), "not JSON: %v", err)
			return nil
		}
		b.addQA(row, srcGovQA, rep, false)
		return nil
	})
}

// loadNLU turns nlu_qa_233 into FAQ records, swapping back the rows whose
// columns are swapped and skipping rows that repeat an earlier record.
func (b *builder) loadNLU() error {
	rep := b.report(srcNLU)
	return readJSONL(filepath.Join(b.dataDir, srcNLU), func(line int, raw []byte) error {
		rep.Read++
		var row qaRow
		if err := json.Unmarshal(raw, &row); err != nil {
			rep.skip(fmt.Sprintf("line %d", line), "not JSON: %v", err)
			return nil
		}
		b.addQA(row, srcNLU, rep, true)
		return nil
	})
}

// addQA cleans one Q&A row and adds it as a FAQ record.
func (b *builder) addQA(row qaRow, source string, rep *sourceReport, dedupe bool) {
	id := strings.TrimSpace(row.ID)
	if id == "" {
		rep.skip("(no id)", "missing id")
		return
	}
	q, a := cleanLine(row.Question), cleanText(row.Answer)
	repaired := q != strings.TrimSpace(row.Question) || a != strings.TrimSpace(row.Answer)
	if repaired && squeezeSpaces(row.Question) == q && squeezeSpaces(row.Answer) == a {
		repaired = false // only outer whitespace changed
	}
	var why []string
	if repaired {
		why = append(why, "text cleaned (HTML entities, tags or stray spaces)")
	}
	var followUps []string
	swapped := swappedQA(q, a)
	if swapped {
		rep.detect("question and answer columns swapped")
		q, a = cleanLine(a), cleanText(q)
		repaired = true
		why = append(why, "question and answer swapped back")
	}
	if dq, ok := dedupeQuestion(q); ok {
		q = dq
		repaired = true
		why = append(why, "question written twice")
	}
	if t := strings.TrimLeft(q, ".,，、;；:： "); t != q {
		q = t
		repaired = true
		why = append(why, "stray punctuation before the question")
	}
	if a != "" && !sourceNoteRe.MatchString(a) {
		if sq, emb, follow, ok := splitEmbeddedAnswer(q); ok {
			// The answer column then belongs to the same topic block of the
			// source (often the follow-up question's answer); it is kept
			// after the recovered answer rather than lost.
			body := emb
			if follow != "" {
				body += "\n" + follow
			}
			q, a = sq, body+"\n"+a
			repaired = true
			why = append(why, "answer found in the question column, the answer column's text kept after it")
			if follow != "" {
				followUps = append(followUps, follow)
			}
		}
	}
	if a == "" || sourceNoteRe.MatchString(a) {
		// The answer column is empty or only says where the answer came
		// from: the answer may have slipped into the question column.
		if sq, sa, trailing, ok := splitQuestionAnswer(q); ok {
			if a != "" {
				sa += a // keep the source note the answer column held
			}
			q, a = sq, sa
			repaired = true
			why = append(why, "answer recovered from the question column")
			if trailing != "" {
				rep.note(id, "warning", "dropped trailing fragment of another question: %s", trailing)
			}
		}
	}
	if a == "" || sourceNoteRe.MatchString(a) {
		rep.skip(id, "empty answer: %s", truncate(q, 40))
		return
	}
	if q == "" {
		rep.skip(id, "empty question")
		return
	}
	if runeLen(a) < minAnswerRunes {
		rep.note(id, "kept", "short answer, read with its question: %s %s", truncate(q, 30), a)
	}
	if dedupe {
		for _, old := range b.records {
			if old.Kind == localkb.KindFAQ && old.Title == q && old.Body == a {
				how := ""
				if swapped {
					how = " (after swapping its question and answer back)"
				}
				rep.skip(id, "duplicate: same question and answer as %s%s", old.ID, how)
				return
			}
		}
	}
	dept := cleanLine(row.Department)
	full := beijingDepartments[dept]
	if full == "" && dept != "" {
		full = dept
		rep.note(id, "warning", "department without a full name, kept as is: %s", dept)
	}
	keywords := splitList(row.Keywords)
	rec := &localkb.Record{
		ID:         id,
		Kind:       localkb.KindFAQ,
		Title:      q,
		Body:       a,
		Alt:        followUps,
		Keywords:   keywords,
		Topics:     assignTopics(nil, q, keywords, full),
		Department: full,
		Source:     source,
	}
	if !b.add(rec, rep) {
		return
	}
	rep.Written++
	if repaired {
		rep.Repaired++
		rep.note(id, "repaired", "%s", strings.Join(why, "; "))
	}
	if full != "" {
		agg := b.beijingDepts[full]
		if agg == nil {
			agg = newDeptAgg(full)
			b.beijingDepts[full] = agg
		}
		agg.count++
		if dept != full {
			agg.aliases = appendUnique(agg.aliases, dept)
		}
		for _, t := range rec.Topics {
			agg.topics[t]++
		}
	}
}

// noCounter is how the Guangdong portal says an item is handled online
// only.
const noCounter = "无线下办理窗口"

// gdItem is a Guangdong service item as the portal crawl stores it. Fields
// that are sometimes a string and sometimes a list are read as raw JSON.
type gdItem struct {
	TaskCode       string          `json:"TASK_CODE"`
	OrgCode        string          `json:"ORGCODE"`
	TaskName       string          `json:"TASK_NAME"`
	DeptName       string          `json:"DEPT_NAME"`
	TaskType       string          `json:"TASK_TYPE_TEXT"`
	MatterType     string          `json:"matter_type"`
	Area           string          `json:"AREA_CODE_TEXT"`
	URL            string          `json:"URL"`
	Location       string          `json:"handle_location"`
	HandleTime     string          `json:"handle_time"`
	HandleLimit    string          `json:"handle_time_limit"`
	AcceptStandard string          `json:"accept_standard"`
	ConsultPhone   string          `json:"consult_phone"`
	ComplainPhone  string          `json:"complain_phone"`
	Themes         json.RawMessage `json:"theme_category"`
	Objects        json.RawMessage `json:"service_object_name"`
	Materials      json.RawMessage `json:"material_intro"`
	CatalogName    string          `json:"CATANAME"`
	ShortName      string          `json:"matter_short"`
	CoDepartment   string          `json:"co_department"`
	Platform       string          `json:"bear_paltform"`
}

// stringsOf reads a JSON value that may be a list of strings, one string or
// null, dropping placeholders.
func stringsOf(raw json.RawMessage) []string {
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			list = []string{one}
		}
	}
	var out []string
	for _, s := range list {
		if s = cleanLine(s); !isNone(s) {
			out = appendUnique(out, s)
		}
	}
	return out
}

// loadGuangdong turns every service item into a guide record and collects
// their departments.
func (b *builder) loadGuangdong() (map[string]*deptAgg, error) {
	rep := b.report(srcGD)
	depts := map[string]*deptAgg{}
	// A catalogue name shared by many sub-items would tie them all in
	// search, so it becomes an alternate name only where it is nearly
	// unique.
	catalogUse := map[string]int{}
	err := readJSONL(filepath.Join(b.dataDir, srcGD), func(_ int, raw []byte) error {
		var it gdItem
		if json.Unmarshal(raw, &it) == nil {
			catalogUse[cleanLine(it.CatalogName)]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(b.dataDir, srcGD), func(line int, raw []byte) error {
		rep.Read++
		var it gdItem
		if err := json.Unmarshal(raw, &it); err != nil {
			rep.skip(fmt.Sprintf("line %d", line), "not JSON: %v", err)
			return nil
		}
		id := strings.TrimSpace(it.TaskCode)
		name := cleanLine(it.TaskName)
		if id == "" || name == "" {
			rep.skip(fmt.Sprintf("line %d", line), "missing TASK_CODE or TASK_NAME")
			return nil
		}
		g := &localkb.Guide{
			Type:          cleanLine(firstNonNone(it.TaskType, it.MatterType)),
			Objects:       stringsOf(it.Objects),
			Materials:     stringsOf(it.Materials),
			Place:         cleanPlace(it.Location),
			ComplainPhone: strings.Join(splitPhones(it.ComplainPhone), "、"),
			Phone:         strings.Join(splitPhones(it.ConsultPhone), "、"),
			OnlineURL:     cleanURL(it.URL),
		}
		if c := cleanText(it.AcceptStandard); !isNone(c) {
			g.Conditions = c
		}
		var repaired []string
		// Working days go into the guide's fields; a limit in natural days
		// has no honest working-day equivalent, so it stays in the summary
		// text only.
		var naturalNote string
		if d, natural, ok := parseDays(it.HandleTime); ok && !natural {
			g.LegalDays = d
		} else if ok {
			naturalNote = fmt.Sprintf("法定办理时限%d个自然日。", d)
			rep.note(id, "kept", "legal time limit in natural days: kept in the summary only (%s)", it.HandleTime)
		} else if !isNone(it.HandleTime) {
			rep.note(id, "warning", "unreadable legal time limit: %q", it.HandleTime)
		}
		if d, natural, ok := parseDays(it.HandleLimit); ok && !natural {
			g.PromisedDays = d
		} else if ok {
			naturalNote = fmt.Sprintf("承诺%d个自然日内办结。", d) + naturalNote
			rep.note(id, "kept", "promised time limit in natural days: kept in the summary only (%s)", it.HandleLimit)
		} else if !isNone(it.HandleLimit) {
			rep.note(id, "warning", "unreadable promised time limit: %q", it.HandleLimit)
		}
		dept := cleanLine(it.DeptName)
		var themes []string
		for _, t := range stringsOf(it.Themes) {
			themes = append(themes, gdThemes[t])
		}
		rec := &localkb.Record{
			ID:         id,
			Kind:       localkb.KindGuide,
			Title:      name,
			Body:       guideSummary(name, dept, g, naturalNote),
			Topics:     assignTopics(themes, name, nil, dept),
			Department: dept,
			Link:       g.OnlineURL,
			Source:     srcGD,
			Guide:      g,
		}
		if c := cleanLine(it.CatalogName); c != "" && c != name && !isNone(c) && catalogUse[c] <= 2 {
			rec.Alt = append(rec.Alt, c)
		}
		if short := cleanLine(it.ShortName); !isNone(short) && short != name {
			rec.Alt = appendUnique(rec.Alt, short)
		}
		if it.Area != "" && it.Area != "广东省" {
			rec.Keywords = []string{cleanLine(it.Area)}
		}
		if !b.add(rec, rep) {
			return nil
		}
		rep.Written++
		if len(repaired) > 0 {
			rep.Repaired++
			rep.note(id, "repaired", "%s", strings.Join(repaired, "; "))
		}
		if dept != "" {
			agg := depts[dept]
			if agg == nil {
				agg = newDeptAgg(dept)
				agg.code = strings.TrimSpace(it.OrgCode)
				depts[dept] = agg
			}
			agg.count++
			agg.items = append(agg.items, name)
			for _, p := range splitPhones(it.ConsultPhone) {
				agg.phones[p]++
			}
			if g.Place != "" && g.Place != noCounter {
				agg.places[g.Place]++
			}
			for _, t := range rec.Topics {
				agg.topics[t]++
			}
		}
		return nil
	})
	return depts, err
}

// regionPrefixes are stripped from a department's name to give the short
// name visitors say ("广东省市场监督管理局" → "市场监督管理局").
var regionPrefixes = []string{"广东省", "广州市", "中华人民共和国"}

// shortDeptName returns the name without its region prefix, or "".
func shortDeptName(name string) string {
	for _, p := range regionPrefixes {
		if rest := strings.TrimPrefix(name, p); rest != name && runeLen(rest) >= 3 {
			return rest
		}
	}
	return ""
}

func firstNonNone(vs ...string) string {
	for _, v := range vs {
		if !isNone(v) {
			return v
		}
	}
	return ""
}

// cleanURL keeps http(s) links only.
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return ""
}

// guideSummary is the few sentences the kiosk reads out for a service item
// when no language model is available: what it is, who handles it, who may
// apply, how long it takes and where to go.
func guideSummary(name, dept string, g *localkb.Guide, timeNote string) string {
	var b strings.Builder
	b.WriteString(name)
	if g.Type != "" {
		fmt.Fprintf(&b, "（%s）", g.Type)
	}
	if dept != "" {
		fmt.Fprintf(&b, "由%s办理", dept)
	}
	b.WriteString("。")
	if len(g.Objects) > 0 {
		objs := g.Objects
		more := ""
		if len(objs) > 3 {
			objs, more = objs[:3], "等"
		}
		fmt.Fprintf(&b, "可申请对象：%s%s。", strings.Join(objs, "、"), more)
	}
	switch {
	case g.PromisedDays > 0 && g.LegalDays > 0 && g.PromisedDays < g.LegalDays:
		fmt.Fprintf(&b, "承诺%d个工作日内办结（法定%d个工作日）。", g.PromisedDays, g.LegalDays)
	case g.PromisedDays > 0:
		fmt.Fprintf(&b, "承诺%d个工作日内办结。", g.PromisedDays)
	case g.LegalDays > 0:
		fmt.Fprintf(&b, "法定办理时限%d个工作日。", g.LegalDays)
	}
	b.WriteString(timeNote)
	if n := len(g.Materials); n > 0 {
		fmt.Fprintf(&b, "需提交材料%d项，主要有%s。", n, strings.Join(firstN(g.Materials, 2), "、"))
	}
	if g.Place != "" && g.Place != noCounter {
		fmt.Fprintf(&b, "办理地点：%s。", strings.TrimRight(g.Place, "。"))
	} else if g.OnlineURL != "" {
		b.WriteString("可在网上办理。")
	}
	if g.Phone != "" {
		fmt.Fprintf(&b, "咨询电话：%s。", g.Phone)
	}
	return b.String()
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}

// gdDepartments turns the collected Guangdong departments into records.
// Their ids are "dept-gd-" plus the department's organisation code.
func (b *builder) gdDepartments(depts map[string]*deptAgg) {
	rep := b.report(srcGD + " (departments)")
	names := sortedKeys(depts)
	for _, name := range names {
		agg := depts[name]
		id := "dept-gd-" + agg.code
		if agg.code == "" {
			id = deptID("gd", name)
		}
		d := &localkb.Department{
			Phones:  topCounts(agg.phones, 3),
			Address: majority(agg.places, agg.count),
		}
		if short := shortDeptName(name); short != "" {
			d.Aliases = []string{short}
		}
		d.Duties = fmt.Sprintf("承办政务服务事项%d项，例如：%s。", agg.count, strings.Join(firstN(agg.items, 5), "、"))
		rec := &localkb.Record{
			ID:     id,
			Kind:   localkb.KindDepartment,
			Title:  name,
			Body:   deptSummary(name, d),
			Topics: topCounts(agg.topics, maxTopicsPerRec),
			Source: srcGD,
			Dept:   d,
		}
		if b.add(rec, rep) {
			rep.Extra++
		}
	}
}

// beijingDepartmentRecords adds a department record for each Beijing
// department that answers FAQ records, so that FAQs can be browsed by
// department too.
func (b *builder) beijingDepartmentRecords() {
	rep := b.report("msgabench-beijing-gov-qa (departments)")
	for _, name := range sortedKeys(b.beijingDepts) {
		agg := b.beijingDepts[name]
		sort.Strings(agg.aliases)
		d := &localkb.Department{
			Duties:  fmt.Sprintf("答复本库常见问题%d条。", agg.count),
			Aliases: agg.aliases,
		}
		rec := &localkb.Record{
			ID:     deptID("bj", name),
			Kind:   localkb.KindDepartment,
			Title:  name,
			Body:   deptSummary(name, d),
			Topics: topCounts(agg.topics, maxTopicsPerRec),
			Source: "msgabench-beijing-gov-qa",
			Dept:   d,
		}
		if b.add(rec, rep) {
			rep.Extra++
		}
	}
}

// deptID is the id of a department that has no official code: "dept-", a
// scope naming the data set, and the first 8 hex digits of the SHA-256 of
// the scope and the department's name. It is stable as long as the name is.
func deptID(scope, name string) string {
	sum := sha256.Sum256([]byte(scope + "/" + name))
	return "dept-" + scope + "-" + hex.EncodeToString(sum[:4])
}

// deptSummary is what the kiosk says about a department.
func deptSummary(name string, d *localkb.Department) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString("。")
	if len(d.Windows) > 0 {
		fmt.Fprintf(&b, "窗口：%s。", strings.Join(d.Windows, "；"))
	}
	if d.Duties != "" {
		b.WriteString(d.Duties)
		if !strings.HasSuffix(d.Duties, "。") {
			b.WriteString("。")
		}
	}
	if d.Address != "" {
		fmt.Fprintf(&b, "地址：%s。", strings.TrimRight(d.Address, "。"))
	}
	if len(d.Phones) > 0 {
		fmt.Fprintf(&b, "电话：%s。", strings.Join(d.Phones, "、"))
	}
	return b.String()
}

// jiawangWindow is one window of the hall.
type jiawangWindow struct {
	Department string   `json:"department"`
	Address    string   `json:"department_address"`
	WindowName string   `json:"window_name"`
	Business   string   `json:"business"`
	Numbers    []string `json:"window_numbers"`
	Phones     []string `json:"phones"`
}

// loadJiawang turns the hall's windows into one department record per
// department, with its windows, phones and duties aggregated.
func (b *builder) loadJiawang() error {
	rep := b.report(srcJiawang)
	raw, err := os.ReadFile(filepath.Join(b.dataDir, srcJiawang))
	if err != nil {
		return err
	}
	var windows []jiawangWindow
	if err := json.Unmarshal(raw, &windows); err != nil {
		return fmt.Errorf("%s: %w", srcJiawang, err)
	}
	type agg struct {
		d     *localkb.Department
		order int
	}
	byDept := map[string]*agg{}
	for i, w := range windows {
		rep.Read++
		name := cleanLine(w.Department)
		if name == "" {
			rep.skip(fmt.Sprintf("window %d", i+1), "no department")
			continue
		}
		a := byDept[name]
		if a == nil {
			a = &agg{d: &localkb.Department{Aliases: jiawangAliases[name]}, order: i}
			byDept[name] = a
		}
		win := cleanLine(w.WindowName)
		if len(w.Numbers) > 0 {
			win += " " + windowRange(w.Numbers)
		}
		a.d.Windows = appendUnique(a.d.Windows, win)
		for _, p := range w.Phones {
			a.d.Phones = appendUnique(a.d.Phones, splitPhones(p)...)
		}
		if addr := cleanLine(w.Address); addr != "" {
			a.d.Address = addr
		}
		// "综合业务" (general business) says nothing a visitor can use.
		if bus := cleanLine(w.Business); bus != "" && bus != "综合业务" {
			duty := cleanLine(w.WindowName) + "：" + bus
			if a.d.Duties == "" {
				a.d.Duties = duty
			} else {
				a.d.Duties += "；" + duty
			}
		}
		if alias := strings.TrimSuffix(cleanLine(w.WindowName), "窗口"); alias != "" && alias != name && !strings.Contains(alias, "综合") {
			a.d.Aliases = appendUnique(a.d.Aliases, alias)
		}
		rep.Written++ // each window lands in its department's record
	}
	for _, name := range sortedKeys(byDept) {
		d := byDept[name].d
		topic := deptTopic(name + " " + strings.Join(d.Aliases, " ") + " " + d.Duties)
		if topic == "" {
			topic = topicOther
		}
		rec := &localkb.Record{
			ID:     deptID("jw", name),
			Kind:   localkb.KindDepartment,
			Title:  name,
			Body:   deptSummary(name, d),
			Topics: []string{topic},
			Source: srcJiawang,
			Dept:   d,
		}
		if !b.add(rec, rep) {
			continue
		}
		rep.Extra++
	}
	return nil
}

// windowRange writes window numbers compactly: "A5–A9" for a run, else a
// list.
func windowRange(nums []string) string {
	if len(nums) > 2 {
		first, last := splitWindowNo(nums[0]), splitWindowNo(nums[len(nums)-1])
		if first.ok && last.ok && first.prefix == last.prefix && last.n-first.n == len(nums)-1 {
			contiguous := true
			for i, s := range nums {
				w := splitWindowNo(s)
				if !w.ok || w.prefix != first.prefix || w.n != first.n+i {
					contiguous = false
					break
				}
			}
			if contiguous {
				return fmt.Sprintf("%s–%s号", nums[0], nums[len(nums)-1])
			}
		}
	}
	return strings.Join(nums, "、") + "号"
}

type windowNo struct {
	prefix string
	n      int
	ok     bool
}

func splitWindowNo(s string) windowNo {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return windowNo{}
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return windowNo{}
	}
	return windowNo{prefix: s[:i], n: n, ok: true}
}

// readCSV reads a CSV file with a header into maps keyed by column name,
// dropping the byte-order mark the Tianhe files start with.
func readCSV(path string) ([]map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	rd := csv.NewReader(bytes.NewReader(raw))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	head := rows[0]
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range head {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// docNumberRe matches a real 文号 such as "穗府办规〔2024〕13号" or
// "国务院令第746号".
var docNumberRe = regexp.MustCompile(`^[\p{Han}A-Za-z]+(?:〔\d{4}〕\d+号|\[\d{4}\]\d+号|令第\d+号)$`)

// dateRe matches the date forms a Record may carry.
var dateRe = regexp.MustCompile(`^\d{4}(?:-\d{2}(?:-\d{2})?)?$`)

// loadTianhe adds the Tianhe official documents as doc records and the
// knowledge entries as guide records that cite them.
func (b *builder) loadTianhe() error {
	docs, err := readCSV(filepath.Join(b.dataDir, srcTianheOD))
	if err != nil {
		return err
	}
	entries, err := readCSV(filepath.Join(b.dataDir, srcTianheKE))
	if err != nil {
		return err
	}
	drep := b.report(srcTianheOD)
	type docRef struct {
		id, title, key, link, entry string
	}
	var refs []docRef
	for _, row := range docs {
		drep.Read++
		n := strings.TrimSpace(row["序号"])
		title := cleanLine(row["文档标题"])
		if n == "" || title == "" {
			drep.skip("row "+n, "missing 序号 or 文档标题")
			continue
		}
		id := "天河文件-" + n
		d := &localkb.Doc{}
		num := cleanLine(row["文号"])
		if docNumberRe.MatchString(num) {
			d.Number = num
		} else if num != "" {
			drep.note(id, "kept", "文号 field is a note, not a document number: %s", num)
		}
		for _, c := range strings.Split(cleanText(row["原文关键条款(逐字摘录)"]), "\n") {
			if c = strings.TrimSpace(c); c != "" {
				d.Clauses = append(d.Clauses, c)
			}
		}
		date := strings.TrimSpace(row["发布日期"])
		if date != "" && !dateRe.MatchString(date) {
			drep.note(id, "warning", "unreadable date dropped: %q", date)
			date = ""
		}
		entry := cleanLine(row["关联条目"])
		rec := &localkb.Record{
			ID:     id,
			Kind:   localkb.KindDoc,
			Title:  title,
			Body:   strings.Join(d.Clauses, "\n"),
			Issuer: cleanLine(row["发文机关"]),
			Date:   date,
			Link:   cleanURL(row["出处链接"]),
			Source: "tianhe-district-policy-kb/official_documents.csv",
			Doc:    d,
		}
		if len(d.Clauses) == 0 {
			drep.skip(id, "no clauses")
			continue
		}
		if !b.add(rec, drep) {
			continue
		}
		drep.Written++
		refs = append(refs, docRef{id: id, title: title, key: titleKey(title), link: rec.Link, entry: entry})
	}

	erep := b.report(srcTianheKE)
	for _, row := range entries {
		erep.Read++
		n := strings.TrimSpace(row["序号"])
		title := cleanLine(row["标题"])
		if n == "" || title == "" {
			erep.skip("row "+n, "missing 序号 or 标题")
			continue
		}
		id := "天河-" + n
		text := cleanText(row["通俗解答(5段标准)"])
		sec := splitSections(text)
		g := &localkb.Guide{
			Conditions: sec["要什么条件"],
			Phone:      cleanLine(row["咨询电话"]),
			Place:      cleanPlace(row["办理地点"]),
		}
		if who := sec["谁能办"]; who != "" {
			g.Objects = []string{who}
		}
		if how := sec["怎么办"]; how != "" {
			g.Steps = splitTopLevel(how, '；')
		}
		if mat := sec["交什么材料"]; mat != "" {
			g.Materials = splitTopLevel(mat, '；', '、')
		}
		body := strings.Join(sectionLines(text), "\n")
		keywords := splitList(row["关键词"])
		rec := &localkb.Record{
			ID:       id,
			Kind:     localkb.KindGuide,
			Title:    title,
			Body:     body,
			Keywords: keywords,
			Topics:   assignTopics([]string{tianheCategories[strings.TrimSpace(row["分类"])]}, title, keywords, ""),
			Source:   "tianhe-district-policy-kb/knowledge_entries.csv",
			Guide:    g,
		}
		// Cite the documents the entry names, and those that name the entry.
		var cited []string
		for _, name := range strings.Split(row["关联文档(分号分隔)"], ";") {
			name = cleanLine(name)
			if name == "" {
				continue
			}
			found := false
			k := titleKey(name)
			for _, r := range refs {
				if r.key == k || strings.HasPrefix(r.key, k) || strings.HasPrefix(k, r.key) {
					cited = appendUnique(cited, r.id)
					found = true
				}
			}
			if !found {
				erep.note(id, "warning", "cited document not in official_documents.csv: %s", name)
			}
		}
		for _, r := range refs {
			if r.entry == title {
				cited = appendUnique(cited, r.id)
			}
		}
		sort.Slice(cited, func(i, j int) bool { return naturalLess(cited[i], cited[j]) })
		rec.Refs = cited
		for _, r := range refs {
			if len(cited) > 0 && r.id == cited[0] {
				rec.Link = r.link
			}
		}
		if !b.add(rec, erep) {
			continue
		}
		erep.Written++
		for _, ref := range cited {
			if d := b.records[ref]; d != nil {
				for _, t := range rec.Topics {
					if len(d.Topics) < maxTopicsPerRec {
						d.Topics = appendUnique(d.Topics, t)
					}
				}
			}
		}
	}
	// A document no entry cites is browsed by its own words and issuer.
	for _, r := range refs {
		if d := b.records[r.id]; d != nil && len(d.Topics) == 0 {
			d.Topics = assignTopics(nil, d.Title, nil, d.Issuer)
		}
	}
	return nil
}

// titleKey normalises a document title for matching: bracketed asides,
// quotes, punctuation and spaces removed.
func titleKey(s string) string {
	s = bracketRe.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '"', '“', '”', '\'', '‘', '’', '《', '》', '！', '!', '，', ',', '。', '：', ':', '？', '?':
			return -1
		}
		return r
	}, s)
}

var bracketRe = regexp.MustCompile(`[（(][^（()）]*[)）]`)

// tianheSections are the five parts every Tianhe answer is written in.
var tianheSections = []string{"谁能办", "要什么条件", "怎么办", "交什么材料", "注意"}

// splitSections splits a Tianhe answer into its labelled parts.
func splitSections(text string) map[string]string {
	out := map[string]string{}
	type pos struct {
		label      string
		start, end int
	}
	var ps []pos
	for _, l := range tianheSections {
		if i := strings.Index(text, l+"："); i >= 0 {
			ps = append(ps, pos{l, i, i + len(l+"：")})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].start < ps[j].start })
	for i, p := range ps {
		end := len(text)
		if i+1 < len(ps) {
			end = ps[i+1].start
		}
		out[p.label] = strings.TrimRight(strings.TrimSpace(text[p.end:end]), "。；;") + "。"
	}
	return out
}

// sectionLines puts each labelled part of a Tianhe answer on its own line,
// so that the answer card shows them as paragraphs.
func sectionLines(text string) []string {
	for _, l := range tianheSections[1:] {
		text = strings.Replace(text, "。"+l+"：", "。\n"+l+"：", 1)
	}
	return strings.Split(text, "\n")
}

// splitTopLevel splits s on any of seps that are not inside brackets or
// quotes, trimming the pieces and dropping empties.
func splitTopLevel(s string, seps ...rune) []string {
	var out []string
	depth := 0
	var cur strings.Builder
	flush := func() {
		p := strings.TrimRight(strings.TrimSpace(cur.String()), "。")
		if p != "" {
			out = append(out, p)
		}
		cur.Reset()
	}
	for _, r := range s {
		switch r {
		case '（', '(', '《', '“', '【', '[':
			depth++
		case '）', ')', '》', '”', '】', ']':
			if depth > 0 {
				depth--
			}
		}
		sep := false
		for _, x := range seps {
			if r == x && depth == 0 {
				sep = true
			}
		}
		if sep {
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// loadAuthored merges the hand-authored records (policies, bundles, tags)
// from every *.jsonl file of dir, in file-name order. A line that does not
// decode into a Record, or that lacks an id, kind or title, is reported and
// skipped.
func (b *builder) loadAuthored(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		rep := b.report("authored/" + filepath.Base(f))
		err := readJSONL(f, func(line int, raw []byte) error {
			rep.Read++
			where := fmt.Sprintf("line %d", line)
			var probe struct {
				Kind string `json:"kind"`
			}
			if err := json.Unmarshal(raw, &probe); err != nil {
				rep.skip(where, "not JSON: %v", err)
				return nil
			}
			if probe.Kind == "meta" {
				rep.skip(where, "meta line ignored: the converter writes its own")
				return nil
			}
			var rec localkb.Record
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rec); err != nil {
				rep.skip(where, "does not match the record format: %v", err)
				return nil
			}
			if rec.ID == "" || rec.Kind == "" || rec.Title == "" {
				rep.skip(where, "missing id, kind or title")
				return nil
			}
			if rec.Source == "" {
				rec.Source = "authored/" + filepath.Base(f)
			}
			if !b.add(&rec, rep) {
				return nil
			}
			rep.Written++
			return nil
		})
		if err != nil {
			return fmt.Errorf("authored %s: %w", f, err)
		}
	}
	return nil
}

// checkReferences reports references to records the snapshot does not hold:
// bundle steps, cited documents and departments of guides and FAQs.
func (b *builder) checkReferences() *sourceReport {
	rep := &sourceReport{Name: "references"}
	deptNames := map[string]bool{}
	for _, r := range b.records {
		if r.Kind == localkb.KindDepartment {
			deptNames[r.Title] = true
			if r.Dept != nil {
				for _, a := range r.Dept.Aliases {
					deptNames[a] = true
				}
			}
		}
	}
	for _, id := range sortedKeys(b.records) {
		r := b.records[id]
		for _, ref := range r.Refs {
			if b.records[ref] == nil {
				rep.note(id, "warning", "refers to a missing record: %s", ref)
			}
		}
		if r.Bundle != nil {
			for _, s := range r.Bundle.Steps {
				if b.records[s.ItemID] == nil {
					rep.note(id, "warning", "bundle step names a missing guide: %s", s.ItemID)
				}
			}
		}
		if r.Department != "" && !deptNames[r.Department] {
			rep.note(id, "warning", "department without a department record: %s", r.Department)
		}
	}
	return rep
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// topCounts returns up to n keys with the highest counts, ties broken by
// key, for deterministic output.
func topCounts(m map[string]int, n int) []string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	if n > 0 && len(keys) > n {
		keys = keys[:n]
	}
	if len(keys) > 1 {
		// A department whose items are mostly "other" should still list
		// its real topics first.
		var real []string
		for _, k := range keys {
			if k != topicOther {
				real = append(real, k)
			}
		}
		if len(real) > 0 {
			keys = real
		}
	}
	return keys
}

// majority returns the key that accounts for at least half of total, or "".
func majority(m map[string]int, total int) string {
	for _, k := range topCounts(m, 1) {
		if m[k]*2 >= total {
			return k
		}
	}
	return ""
}
