package profile

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"xiaofu/app/policy"
)

// Heard is one fact the spoken-profile parser recognised, for the "我听到的"
// line the visitor checks before matching.
type Heard struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Phrase string `json:"phrase"` // the words it came from
	Approx bool   `json:"approx"` // 来/多/左右/上下/余: a round figure
}

// ParseNumber reads a number written in digits, Chinese numerals or a mix
// ("30", "三十", "两千五百", "1.5亿", "3千", "一个亿"), with 万 and 亿 scaling it.
// approx is true for 来/多/余/左右/上下/几. ok is false when s holds no number.
func ParseNumber(s string) (v float64, approx bool, ok bool) {
	m := numberRe.FindStringSubmatch(normalizeNumerals(s))
	if m == nil {
		return 0, false, false
	}
	return numberValue(m)
}

var digitOf = map[rune]float64{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
var unitOf = map[rune]float64{'十': 10, '百': 100, '千': 1000}

// numberRe matches a numeral with its approximation words and its 万/亿
// scale: 三十 | 来 | 个人, 两千 | 多 | 万, 1.5 | 亿.
var numberRe = regexp.MustCompile(`((?:[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千])+)(来|多|余|几)?(万亿|万|亿)?(左右|上下|来|多|余)?`)

func normalizeNumerals(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == '．':
			r = '.'
		case r == '％':
			r = '%'
		case r == '，':
			r = '，'
		}
		b.WriteRune(r)
	}
	out := b.String()
	out = geYiRe.ReplaceAllString(out, "${1}亿") // 一个亿 → 一亿
	out = percentRe.ReplaceAllString(out, "$1%")
	return out
}

var geYiRe = regexp.MustCompile(`([零一二两三四五六七八九十0-9]+)个亿`)
var percentRe = regexp.MustCompile(`百分之([零〇一二两三四五六七八九十百0-9.]+)`)

func numberValue(m []string) (float64, bool, bool) {
	body := m[1]
	var total, section, cur float64
	seen := false
	rs := []rune(body)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= '0' && r <= '9' || r == '.':
			j := i
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == '.') {
				j++
			}
			f, err := strconv.ParseFloat(string(rs[i:j]), 64)
			if err != nil {
				return 0, false, false
			}
			cur, seen = f, true
			i = j - 1
		case digitOf[r] != 0 || r == '零' || r == '〇':
			cur, seen = digitOf[r], true
		case unitOf[r] != 0:
			if cur == 0 && !seen {
				cur = 1 // 十五: an implicit one before 十
			}
			section += cur * unitOf[r]
			cur, seen = 0, true
		}
	}
	if !seen {
		return 0, false, false
	}
	total = section + cur
	switch m[3] {
	case "万":
		total *= 1e4
	case "亿":
		total *= 1e8
	case "万亿":
		total *= 1e12
	}
	approx := m[2] != "" || m[4] != ""
	if m[2] == "几" {
		approx = true
	}
	return total, approx, true
}

type numberHit struct {
	value  float64
	approx bool
	start  int // byte offsets in the normalised text
	end    int
	scaled bool // 万 or 亿 was said
}

var industryWords = []struct {
	words    []string
	industry string
}{
	{[]string{"软件", "互联网", "信息技术", "IT", "APP", "App", "app", "小程序", "系统开发", "网络科技", "大数据", "云计算", "人工智能", "大模型", "AI"}, "软件和信息技术服务"},
	{[]string{"餐饮", "饭店", "餐馆", "饭馆", "奶茶", "茶馆", "茶楼", "咖啡", "火锅", "小吃", "酒店", "民宿"}, "住宿和餐饮"},
	{[]string{"制造", "工厂", "生产", "加工", "机械", "设备", "电子元器件", "机器人"}, "制造业"},
	{[]string{"研发服务", "检测", "科研", "设计服务", "技术服务", "生物医药"}, "科学研究和技术服务"},
	{[]string{"贸易", "零售", "批发", "电商", "卖货", "商店", "超市", "进出口"}, "批发和零售"},
	{[]string{"建筑", "装修", "工程施工"}, "建筑业"},
	{[]string{"文化", "传媒", "影视", "游戏", "广告", "体育", "娱乐"}, "文化体育和娱乐"},
	{[]string{"咨询", "人力资源", "租赁", "会展", "物业"}, "租赁和商务服务"},
	{[]string{"种植", "养殖", "农业"}, "农林牧渔"},
}

var sectorWords = []struct {
	words  []string
	sector string
}{
	{[]string{"人工智能", "大模型", "AI", "智能体", "算法"}, "人工智能"},
	{[]string{"具身智能", "机器人"}, "具身智能"},
	{[]string{"元宇宙", "虚拟现实", "VR", "AR", "数字孪生"}, "元宇宙"},
	{[]string{"软件", "信息服务", "互联网"}, "软件和信息服务"},
	{[]string{"制造", "工厂", "生产"}, "制造业"},
	{[]string{"生物医药", "医药", "医疗器械"}, "生物医药"},
	{[]string{"芯片", "集成电路", "半导体"}, "集成电路"},
}

var qualificationWords = []struct {
	words []string
	qual  string
}{
	{[]string{"国家高新", "高新技术企业", "高新企业", "高企"}, "国家高新技术企业"},
	{[]string{"小巨人"}, "专精特新小巨人"},
	{[]string{"专精特新"}, "专精特新中小企业"},
	{[]string{"科技型中小企业", "科小"}, "科技型中小企业"},
	{[]string{"规上", "规模以上"}, "规模以上企业"},
}

// places maps what visitors say to the registration place the policies
// check, most specific first.
var places = []struct{ word, place string }{
	{"西湖区", "浙江省杭州市西湖区"}, {"滨江", "浙江省杭州市滨江区"}, {"余杭", "浙江省杭州市余杭区"},
	{"杭州", "浙江省杭州市"}, {"宁波", "浙江省宁波市"}, {"浙江", "浙江省"},
	{"天河", "广东省广州市天河区"}, {"广州", "广东省广州市"}, {"深圳", "广东省深圳市"},
	{"徐汇", "上海市徐汇区"}, {"漕河泾", "上海市徐汇区"}, {"上海", "上海市"},
}

var clauseSep = regexp.MustCompile(`[，。；;,！!？?\n]`)

// ParseSpoken turns a visitor's description of their company into profile
// fields: industry and sectors from what they do, headcount from "三十来个人",
// revenue from "去年营收两千万" (in 万元), R&D spending and share, patents and
// software copyrights, years since registration, registered capital, place,
// and qualifications such as 高新技术企业. It returns the profile and what it
// heard, so the visitor can correct it; words it cannot place are ignored.
func ParseSpoken(text string) (policy.Profile, []Heard) {
	p := policy.Profile{}
	var heard []Heard
	add := func(field string, v any, phrase string, approx bool) {
		if _, dup := p[field]; dup {
			return
		}
		p[field] = v
		heard = append(heard, Heard{Field: field, Value: v, Phrase: strings.TrimSpace(phrase), Approx: approx})
	}
	norm := normalizeNumerals(text)

	for _, iw := range industryWords {
		if w := firstWord(norm, iw.words); w != "" {
			add("industry", iw.industry, w, false)
			break
		}
	}
	var sectors []string
	var sectorPhrase []string
	for _, sw := range sectorWords {
		if w := firstWord(norm, sw.words); w != "" {
			sectors = append(sectors, sw.sector)
			sectorPhrase = append(sectorPhrase, w)
		}
	}
	if len(sectors) > 0 {
		add("sectors", sectors, strings.Join(sectorPhrase, "、"), false)
	}
	var quals []string
	var qualPhrase []string
	negated := regexp.MustCompile(`(没有|还不是|不是|没评|没拿到)[^，。；,]{0,6}$`)
	for _, qw := range qualificationWords {
		for _, w := range qw.words {
			i := strings.Index(norm, w)
			if i < 0 {
				continue
			}
			if negated.MatchString(norm[:i]) {
				break
			}
			if qw.qual == "专精特新中小企业" && containsString(quals, "专精特新小巨人") {
				break
			}
			quals = append(quals, qw.qual)
			qualPhrase = append(qualPhrase, w)
			break
		}
	}
	if len(quals) > 0 {
		add("qualifications", quals, strings.Join(qualPhrase, "、"), false)
	}
	for _, pl := range places {
		if strings.Contains(norm, pl.word) {
			add("reg_place", pl.place, pl.word, false)
			break
		}
	}

	for _, clause := range clauseSep.Split(norm, -1) {
		parseClause(clause, add)
	}
	return p, heard
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func firstWord(text string, words []string) string {
	best, at := "", len(text)+1
	for _, w := range words {
		if i := strings.Index(text, w); i >= 0 && i < at {
			best, at = w, i
		}
	}
	return best
}

var (
	peopleAfter  = regexp.MustCompile(`^(个|名|位|号)?(人|员工|职工|伙计|同事)`)
	yearsAfter   = regexp.MustCompile(`^(多)?年`)
	revenueWords = []string{"营收", "营业收入", "销售收入", "销售额", "营业额", "年收入", "收入", "产值", "流水"}
	capitalWords = []string{"注册资本", "注册资金"}
	headWords    = []string{"员工", "职工", "人员", "团队", "人数"}
	rdWords      = []string{"研发投入", "研发费用", "研发经费", "研发"}
	rdStaffWords = []string{"研发人员", "研发团队", "技术人员"}
	yearWords    = []string{"成立", "注册", "开了", "做了", "干了"}
	patentFields = []struct {
		words []string
		field string
	}{
		{[]string{"发明专利"}, "invention_patents"},
		{[]string{"实用新型"}, "utility_patents"},
		{[]string{"外观"}, "design_patents"},
		{[]string{"软著", "软件著作权"}, "software_copyrights"},
	}
)

// parseClause assigns each number of one clause to a field by the words
// around it. A clause rarely holds two facts of the same kind, so the
// first number that fits a field wins.
func parseClause(clause string, add func(string, any, string, bool)) {
	for _, loc := range numberRe.FindAllStringSubmatchIndex(clause, -1) {
		m := make([]string, 5)
		for g := 0; g < 5; g++ {
			if loc[2*g] >= 0 {
				m[g] = clause[loc[2*g]:loc[2*g+1]]
			}
		}
		v, approx, ok := numberValue(m)
		if !ok {
			continue
		}
		before, after := clause[:loc[0]], clause[loc[1]:]
		phrase := clause[max(0, lastRuneStart(before, 8)):min(len(clause), loc[1]+len(firstRunes(after, 3)))]
		scaled := m[3] != ""
		switch {
		case strings.HasPrefix(after, "%"):
			if hasAny(before, rdWords) {
				add("rd_ratio_pct", v, phrase, approx)
			}
		case peopleAfter.MatchString(after) || (hasAny(before, headWords) && !scaled && !strings.HasPrefix(after, "万") && !hasAny(before, revenueWords)):
			switch {
			case hasAny(before, rdStaffWords):
				add("rd_staff", v, phrase, approx)
			default:
				add("headcount", v, phrase, approx)
			}
		case hasAny(before, capitalWords):
			if w, ok := wan(v, scaled, after); ok {
				add("reg_capital_wan", w, phrase, approx)
			}
		case hasAny(before, rdWords):
			if w, ok := wan(v, scaled, after); ok {
				add("rd_expense_wan", w, phrase, approx)
			}
		case hasAny(before, revenueWords) || (scaled && strings.Contains(clause, "营")):
			if w, ok := wan(v, scaled, after); ok {
				add("revenue_wan", w, phrase, approx)
			}
		case yearsAfter.MatchString(after) && hasAny(before+after, yearWords):
			add("reg_years", v, phrase, approx)
		default:
			for _, pf := range patentFields {
				if hasAny(before, pf.words) || hasAny(firstRunes(after, 6), pf.words) {
					add(pf.field, v, phrase, approx)
					break
				}
			}
		}
	}
}

// wan converts an amount to 万元: said with 万/亿 it is scaled already; said
// with 元 it is divided; a bare figure ("营收两千") is too ambiguous to use.
func wan(v float64, scaled bool, after string) (float64, bool) {
	switch {
	case scaled:
		return math.Round(v/1e4*100) / 100, true
	case strings.HasPrefix(after, "元") || strings.HasPrefix(after, "块"):
		return math.Round(v/1e4*100) / 100, true
	case strings.HasPrefix(after, "w") || strings.HasPrefix(after, "W"):
		return v, true
	}
	return 0, false
}

func hasAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// lastRuneStart is the byte offset n runes before the end of s.
func lastRuneStart(s string, n int) int {
	rs := []rune(s)
	if len(rs) <= n {
		return 0
	}
	return len(string(rs[:len(rs)-n]))
}

func firstRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) > n {
		rs = rs[:n]
	}
	return string(rs)
}
