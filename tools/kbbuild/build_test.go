package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"xiaofu/localkb"
)

var fixedTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// buildFixture builds the snapshot from testdata with a fixed stamp.
func buildFixture(t *testing.T) *result {
	t.Helper()
	res, err := build(config{DataDir: "testdata/data", AuthoredDir: "testdata/authored", Generated: fixedTime})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return res
}

// parseSnapshot splits a snapshot into its meta line and records by id,
// failing on any line that is not one JSON object.
func parseSnapshot(t *testing.T, snap []byte) (localkb.Meta, []localkb.Record, map[string]localkb.Record) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(snap))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var meta localkb.Meta
	var recs []localkb.Record
	byID := map[string]localkb.Record{}
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			if err := json.Unmarshal(sc.Bytes(), &meta); err != nil {
				t.Fatalf("meta line: %v", err)
			}
			continue
		}
		var r localkb.Record
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if _, dup := byID[r.ID]; dup {
			t.Fatalf("line %d: duplicate id %s", line, r.ID)
		}
		recs = append(recs, r)
		byID[r.ID] = r
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return meta, recs, byID
}

func reportFor(t *testing.T, res *result, name string) *sourceReport {
	t.Helper()
	for _, r := range res.Reports {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no report for %s", name)
	return nil
}

func hasNote(r *sourceReport, id, action, reasonPart string) bool {
	for _, n := range r.notes {
		if n.ID == id && n.Action == action && strings.Contains(n.Reason, reasonPart) {
			return true
		}
	}
	return false
}

func TestBuildFixtureMeta(t *testing.T) {
	res := buildFixture(t)
	meta, recs, _ := parseSnapshot(t, res.Snapshot)
	if meta.Kind != "meta" || meta.Hall != hallName || meta.Region == "" {
		t.Errorf("meta = %+v", meta)
	}
	if meta.Generated != "2026-03-04T05:06:07Z" || meta.Version != "2026.03.04.050607" {
		t.Errorf("stamp = %q %q", meta.Version, meta.Generated)
	}
	if meta.Records != len(recs) {
		t.Errorf("meta says %d records, snapshot has %d", meta.Records, len(recs))
	}
	if len(meta.Sources) != 4 || !strings.Contains(meta.Sources[0], "github.com/example/msgabench-beijing-gov-qa@0123456") {
		t.Errorf("sources = %q", meta.Sources)
	}
	if !slices.Contains(meta.Topics, topicStartup) || slices.Contains(meta.Topics, topicFarming) {
		t.Errorf("topics should list only topics in use: %q", meta.Topics)
	}
	// Kinds come in kindOrder, so references point backwards.
	last := -1
	for _, r := range recs {
		k := slices.Index(kindOrder, r.Kind)
		if k < last {
			t.Fatalf("record %s (%s) out of kind order", r.ID, r.Kind)
		}
		last = k
	}
	if !strings.Contains(string(res.Notice), "commit:  0123456789abcdef0123456789abcdef01234567") {
		t.Errorf("NOTICE lacks the commit:\n%s", res.Notice)
	}
}

func TestBuildFixtureFAQ(t *testing.T) {
	res := buildFixture(t)
	_, _, byID := parseSnapshot(t, res.Snapshot)

	if r := byID["政务问答-2"]; r.Body != "我要申报->选择具体的办理事项->点击“编辑”按钮。注意：保存后提交。" || r.Department != "北京市药品监督管理局" {
		t.Errorf("HTML entities and spaces not cleaned: %+v", r)
	}
	if _, ok := byID["政务问答-3"]; ok {
		t.Error("row with an empty answer was written")
	}
	r4 := byID["政务问答-4"]
	if r4.Title != "泥石流灾害防御的非工程措施包括什么？" || !strings.HasPrefix(r4.Body, "（1）建立") || !strings.HasSuffix(r4.Body, "（出处：北京市防汛手册）") {
		t.Errorf("answer not recovered from the question column: %+v", r4)
	}
	if r := byID["政务问答-5"]; r.Body != "可以。" {
		t.Errorf("short answer not kept: %+v", r)
	}
	swapped := byID["自然语言理解-2"]
	if swapped.Title != "什么是有害垃圾？" || !strings.HasPrefix(swapped.Body, "《北京市生活垃圾管理条例》") {
		t.Errorf("swapped row not swapped back: %+v", swapped)
	}
	if !slices.Equal(swapped.Keywords, []string{"有害垃圾"}) || !slices.Contains(swapped.Topics, topicCity) {
		t.Errorf("keywords/topics = %q %q", swapped.Keywords, swapped.Topics)
	}
	if _, ok := byID["自然语言理解-3"]; ok {
		t.Error("duplicate of 自然语言理解-2 was written")
	}
	if _, ok := byID["自然语言理解-4"]; ok {
		t.Error("duplicate of 政务问答-1 across files was written")
	}

	gov := reportFor(t, res, srcGovQA)
	if gov.Read != 7 || gov.Written != 5 || gov.Skipped != 2 {
		t.Errorf("gov_qa report read/written/skipped = %d/%d/%d, want 7/5/2", gov.Read, gov.Written, gov.Skipped)
	}
	r6 := byID["政务问答-6"]
	if r6.Title != "什么情况下要进行驾驶证考试预约？" || r6.Body != "初次申领机动车驾驶证的，需通过互联网平台办理考试预约。\n如何办理考试预约或取消考试预约呢？\n第一步：登录“交管12123”APP。第二步：点击【考试预约】。" ||
		!slices.Equal(r6.Alt, []string{"如何办理考试预约或取消考试预约呢？"}) {
		t.Errorf("embedded answer not recovered: %+v", r6)
	}
	if !hasNote(gov, "政务问答-3", "skipped", "empty answer") || !hasNote(gov, "line 7", "skipped", "not JSON") {
		t.Errorf("gov_qa notes = %+v", gov.notes)
	}
	if !hasNote(gov, "政务问答-4", "warning", "蓄滞洪区所采取的安全措施包括哪些？") {
		t.Error("dropped trailing question fragment not reported")
	}
	nlu := reportFor(t, res, srcNLU)
	if nlu.Detected["question and answer columns swapped"] != 2 {
		t.Errorf("swaps detected = %v, want 2 (one later skipped as duplicate)", nlu.Detected)
	}
	if !hasNote(nlu, "自然语言理解-3", "skipped", "same question and answer as 自然语言理解-2 (after swapping") ||
		!hasNote(nlu, "自然语言理解-4", "skipped", "same question and answer as 政务问答-1") {
		t.Errorf("nlu notes = %+v", nlu.notes)
	}
}

func TestBuildFixtureGuides(t *testing.T) {
	res := buildFixture(t)
	_, _, byID := parseSnapshot(t, res.Snapshot)

	r := byID["11440000MB2D0234372440125017008"]
	g := r.Guide
	if r.Kind != localkb.KindGuide || r.Title != "内资有限责任公司设立登记" || r.Department != "广东省市场监督管理局" || g == nil {
		t.Fatalf("guide = %+v", r)
	}
	if g.LegalDays != 20 || g.PromisedDays != 3 || g.Place != "广州市天河区天河北路" || g.Type != "行政许可" {
		t.Errorf("guide fields = %+v", g)
	}
	if g.Phone != "020-12345、020-38835000" || g.OnlineURL != "https://www.gdzwfw.gov.cn/item/1" || g.Conditions != "" {
		t.Errorf("guide phone/url/conditions = %q %q %q", g.Phone, g.OnlineURL, g.Conditions)
	}
	if !slices.Equal(g.Objects, []string{"企业法人", "非法人企业"}) || len(g.Materials) != 3 {
		t.Errorf("objects/materials = %q %q", g.Objects, g.Materials)
	}
	if r.Topics[0] != topicStartup {
		t.Errorf("topics = %q", r.Topics)
	}
	if !slices.Equal(r.Alt, []string{"内资公司设立登记", "公司设立"}) {
		t.Errorf("alt = %q, want the catalogue and short names", r.Alt)
	}
	for _, want := range []string{"由广东省市场监督管理局办理", "承诺3个工作日内办结（法定20个工作日）", "办理地点：广州市天河区天河北路"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("summary %q lacks %q", r.Body, want)
		}
	}

	nat := byID["11440000MB2D0234372440125017099"]
	if !slices.Equal(nat.Alt, []string{"登记档案查询"}) {
		t.Errorf("alt = %q", nat.Alt)
	}
	if nat.Guide.LegalDays != 0 || !strings.Contains(nat.Body, "法定办理时限90个自然日") {
		t.Errorf("natural days: legal=%d body=%q", nat.Guide.LegalDays, nat.Body)
	}
	if nat.Guide.Conditions != "持有效身份证件" || nat.Guide.Materials != nil || nat.Guide.Phone != "" || nat.Link != "" {
		t.Errorf("placeholders not dropped: %+v", nat.Guide)
	}
	online := byID["11440100006940000X3440100000001"]
	if online.Guide.Place != "无线下办理窗口" || !strings.Contains(online.Body, "可在网上办理") || !slices.Equal(online.Keywords, []string{"广东省广州市"}) {
		t.Errorf("online-only item = %+v", online)
	}

	dept := byID["dept-gd-MB2D02343"]
	if dept.Kind != localkb.KindDepartment || dept.Title != "广东省市场监督管理局" || dept.Dept == nil {
		t.Fatalf("Guangdong department = %+v", dept)
	}
	if !slices.Equal(dept.Dept.Aliases, []string{"市场监督管理局"}) {
		t.Errorf("aliases = %q", dept.Dept.Aliases)
	}
	if dept.Dept.Address != "广州市天河区天河北路" || !slices.Contains(dept.Dept.Phones, "020-12345") || !strings.Contains(dept.Dept.Duties, "2项") {
		t.Errorf("department aggregate = %+v", dept.Dept)
	}
	if post := byID["dept-gd-006940000"]; post.Dept == nil || post.Dept.Address != "" {
		t.Errorf("online-only department should have no address: %+v", post.Dept)
	}
}

func TestBuildFixtureTianheAndWindows(t *testing.T) {
	res := buildFixture(t)
	_, _, byID := parseSnapshot(t, res.Snapshot)

	doc := byID["天河文件-1"]
	if doc.Kind != localkb.KindDoc || doc.Issuer != "广州市人力资源和社会保障局" || doc.Date != "2025-11-18" || doc.Doc == nil {
		t.Fatalf("doc = %+v", doc)
	}
	if doc.Doc.Number != "" || len(doc.Doc.Clauses) != 2 || doc.Doc.Clauses[0] != "第一条 个人创业担保贷款额度最高30万元。" {
		t.Errorf("doc number/clauses = %q %q", doc.Doc.Number, doc.Doc.Clauses)
	}
	if n := byID["天河文件-2"].Doc.Number; n != "国务院令第746号" {
		t.Errorf("文号 = %q", n)
	}
	entry := byID["天河-15"]
	if entry.Kind != localkb.KindGuide || !slices.Equal(entry.Refs, []string{"天河文件-1"}) || entry.Link != "https://rsj.gz.gov.cn/post_1.html" {
		t.Fatalf("entry = %+v", entry)
	}
	g := entry.Guide
	if !slices.Equal(g.Steps, []string{"线上申请", "银行审核", "放款"}) || len(g.Materials) != 3 || g.Phone != "020-12333/020-12345" {
		t.Errorf("entry guide = %+v", g)
	}
	if !strings.Contains(entry.Body, "\n注意：个人最高30万元。") || entry.Topics[0] != topicJobs {
		t.Errorf("entry body/topics = %q %q", entry.Body, entry.Topics)
	}
	if !hasNote(reportFor(t, res, srcTianheKE), "天河-15", "warning", "不存在的文件") {
		t.Error("uncited document not reported")
	}

	hr := byID[deptID("jw", "人社局")]
	if hr.Dept == nil || !slices.Equal(hr.Dept.Windows, []string{"人社窗口 A5–A7号"}) || !slices.Contains(hr.Dept.Aliases, "人力资源和社会保障局") {
		t.Fatalf("hall department = %+v", hr)
	}
	tax := byID[deptID("jw", "税务分中心")]
	if tax.Dept == nil || len(tax.Dept.Windows) != 2 || !slices.Equal(tax.Dept.Phones, []string{"96888725"}) || tax.Dept.Address != "贾汪区山水大道7号" {
		t.Errorf("windows not aggregated: %+v", tax.Dept)
	}
	if !strings.Contains(tax.Dept.Duties, "发票代开窗口：发票代开") {
		t.Errorf("duties = %q", tax.Dept.Duties)
	}
	if bj := byID[deptID("bj", "北京市人力资源和社会保障局")]; bj.Dept == nil || !slices.Contains(bj.Dept.Aliases, "人力资源社会保障局") {
		t.Errorf("Beijing department = %+v", bj)
	}
}

func TestBuildFixtureAuthored(t *testing.T) {
	res := buildFixture(t)
	_, _, byID := parseSnapshot(t, res.Snapshot)
	p := byID["policy-test-1"]
	if p.Kind != localkb.KindPolicy || p.Policy == nil || p.Policy.Conditions[0].Op != "gte" || p.Source != "authored/policies.jsonl" {
		t.Errorf("authored policy = %+v", p)
	}
	if _, ok := byID["policy-test-2"]; ok {
		t.Error("record with a misspelt field was merged")
	}
	if r := byID["政务问答-1"]; r.Title != "企业年金的缴费比例是多少？" {
		t.Errorf("authored record replaced a generated one: %+v", r)
	}
	rep := reportFor(t, res, "authored/policies.jsonl")
	if rep.Read != 7 || rep.Written != 3 || rep.Skipped != 4 {
		t.Errorf("authored read/written/skipped = %d/%d/%d, want 7/3/4", rep.Read, rep.Written, rep.Skipped)
	}
	for _, want := range [][3]string{
		{"line 3", "skipped", "meta line ignored"},
		{"line 4", "skipped", `unknown field "polcy"`},
		{"政务问答-1", "skipped", "duplicate id"},
		{"line 6", "skipped", "missing id"},
	} {
		if !hasNote(rep, want[0], want[1], want[2]) {
			t.Errorf("no %s note %q for %s in %+v", want[1], want[2], want[0], rep.notes)
		}
	}
	refs := reportFor(t, res, "references")
	if !hasNote(refs, "bundle-test-1", "warning", "no-such-guide") || hasNote(refs, "bundle-test-1", "warning", "11440000MB2D0234372440125017008") {
		t.Errorf("reference notes = %+v", refs.notes)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	a, b := buildFixture(t), buildFixture(t)
	if !bytes.Equal(a.Snapshot, b.Snapshot) || !bytes.Equal(a.Notice, b.Notice) {
		t.Fatal("two builds of the same input differ")
	}

	// A rebuild without a stamp keeps the previous output's stamp when
	// nothing changed, whatever the clock says.
	prev := filepath.Join(t.TempDir(), "demo.jsonl")
	if err := os.WriteFile(prev, a.Snapshot, 0o644); err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return fixedTime.Add(48 * time.Hour) }
	c, err := build(config{DataDir: "testdata/data", AuthoredDir: "testdata/authored", Previous: prev, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Snapshot, c.Snapshot) {
		t.Error("rebuild of unchanged input changed the snapshot")
	}

	// Changed records move the version forward.
	d, err := build(config{DataDir: "testdata/data", AuthoredDir: "", Previous: prev, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if d.Meta.Version != "2026.03.06.050607" || d.Meta.Version <= a.Meta.Version {
		t.Errorf("changed build version = %q, previous %q", d.Meta.Version, a.Meta.Version)
	}
}

func TestRunWritesSnapshotNoticeAndReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "kb", "demo.jsonl")
	var stdout, stderr bytes.Buffer
	err := run([]string{"-data", "testdata/data", "-authored", "testdata/authored", "-out", out, "-generated", "2026-03-04T05:06:07Z", "-v"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, stderr.String())
	}
	snap, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := build(config{DataDir: "testdata/data", AuthoredDir: "testdata/authored", Generated: fixedTime, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap, want.Snapshot) {
		t.Error("written snapshot differs from build()")
	}
	if _, err := os.Stat(filepath.Join(dir, "kb", "NOTICE")); err != nil {
		t.Errorf("NOTICE not written: %v", err)
	}
	report := stdout.String()
	for _, want := range []string{
		"msgabench-beijing-gov-qa/gov_qa_2081.jsonl                      7       5",
		"skipped 政务问答-3: empty answer",
		"found       2× question and answer columns swapped",
		"wrote " + out,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if err := run([]string{"-generated", "yesterday"}, &stdout, &stderr); err == nil {
		t.Error("bad -generated accepted")
	}
}

func TestBuildDropsWhatTheImporterRejects(t *testing.T) {
	if err := localkb.CheckFTS5(); err != nil {
		t.Skip(err)
	}
	res, err := build(config{DataDir: "testdata/data", AuthoredDir: "testdata/authored", Generated: fixedTime, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	meta, recs, byID := parseSnapshot(t, res.Snapshot)
	if _, ok := byID["policy-test-3"]; ok {
		t.Error("policy with an unknown operator kept")
	}
	if _, ok := byID["policy-test-1"]; !ok {
		t.Error("valid policy dropped")
	}
	if meta.Records != len(recs) || len(recs) != buildFixture(t).Meta.Records-1 {
		t.Errorf("records = %d (meta %d), want one fewer than without the check", len(recs), meta.Records)
	}
	rep := reportFor(t, res, "import check (localkb.Import)")
	if rep.Skipped != 1 || !hasNote(rep, "policy-test-3", "warning", `policy.conditions[0].op: unknown operator "about"`) {
		t.Errorf("import check report = %+v", rep)
	}
}
