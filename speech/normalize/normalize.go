// Package normalize rewrites answer text into what a Mandarin synthesizer
// should say: numbers, dates, times, percentages, money and units in words;
// phone numbers and identifiers (统一社会信用代码, ID numbers) digit by digit;
// and no markup, links or citation marks, which are for the screen only.
package normalize

import (
	"regexp"
	"strings"
	"unicode"
)

// Speech returns s as it should be spoken. It is idempotent and safe for
// concurrent use.
func Speech(s string) string {
	s = fold(s)
	for _, p := range passes {
		s = p.re.ReplaceAllStringFunc(s, p.fn)
	}
	return tidy(s)
}

type pass struct {
	re *regexp.Regexp
	fn func(string) string
}

func drop(string) string { return "" }

// groupSubmatch runs fn on the submatches of re in m.
func sub(re *regexp.Regexp, fn func(m []string) string) func(string) string {
	return func(s string) string { return fn(re.FindStringSubmatch(s)) }
}

var (
	reMDLink   = regexp.MustCompile(`!?\[([^\]\n]*)\]\([^)\s]*\)`)
	reURL      = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+`)
	reEmail    = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	reHTML     = regexp.MustCompile(`</?[A-Za-z][^>]*>`)
	reCite     = regexp.MustCompile(`【[^】]{0,40}】|\[\^?[0-9]{1,3}(?:[,，\-–][0-9]{1,3})*\]|〔来源[^〕]*〕|（来源[:：][^）]*）|\(来源[:：][^)]*\)`)
	reMDMarks  = regexp.MustCompile("(?m)^\\s{0,3}(?:#{1,6}\\s+|>\\s?|[-*+]\\s+|\\d{1,2}[.、)]\\s*)|\\*\\*|__|`+|~~|\\|")
	reRule     = regexp.MustCompile(`(?m)^\s*[-*_=]{3,}\s*$`)
	reCredit   = regexp.MustCompile(`\b[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}\b`)
	reIDCard   = regexp.MustCompile(`\b[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]\b`)
	reMobile   = regexp.MustCompile(`(?:\+?86[-\s]?)?\b1[3-9][0-9][-\s]?[0-9]{4}[-\s]?[0-9]{4}\b`)
	reLandline = regexp.MustCompile(`(?:（0[0-9]{2,3}）|\(0[0-9]{2,3}\)|\b0[0-9]{2,3}[-\s])[0-9]{7,8}(?:[-转][0-9]{1,5})?\b|\b[48]00[-\s]?[0-9]{3}[-\s]?[0-9]{4}\b`)
	reHotline  = regexp.MustCompile(`\b(?:12[0-9]{3}|11[0-9]|95[0-9]{3,4})\b`)
	reDocNo    = regexp.MustCompile(`[〔［\[（(]((?:19|20)[0-9]{2})[〕］\]）)]\s*([0-9]+)\s*号`)
	reDateYMD  = regexp.MustCompile(`\b((?:19|20)[0-9]{2})\s*(?:年|[-/.])\s*([01]?[0-9])\s*(?:月|[-/.])\s*([0-3]?[0-9])(?:日|号)?`)
	reYearMon  = regexp.MustCompile(`\b((?:19|20)[0-9]{2})\s*年(?:\s*([01]?[0-9])\s*月)?`)
	reMonDay   = regexp.MustCompile(`([01]?[0-9])\s*月\s*([0-3]?[0-9])\s*(日|号)`)
	reTimeSpan = regexp.MustCompile(`\b((?:[01]?[0-9]|2[0-3])[:：][0-5][0-9])\s*[-–—~～至]\s*((?:[01]?[0-9]|2[0-3])[:：][0-5][0-9])\b`)
	reTime     = regexp.MustCompile(`\b([01]?[0-9]|2[0-3])[:：]([0-5][0-9])\b`)
	rePercent  = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)\s*([%％‰])`)
	reMoney    = regexp.MustCompile(`[¥￥]\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|亿)?(元)?`)
	reUnit     = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)\s*(km²|km2|m²|m2|m³|m3|㎡|km|kg|cm|mm|ml|mL|kW|kWh|MB|GB|TB|m|g|t|h|L|W)\b?`)
	reRange    = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)\s*[-–—~～]\s*([0-9]+(?:\.[0-9]+)?)`)
	reGrouped  = regexp.MustCompile(`[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?`)
	reNumber   = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`)
	reTwo      = regexp.MustCompile(`(^|[^0-9.第])2(个|位|种|次|项|份|名|家|条|人|天|周|本|张|件|类|台|辆|岁|层|楼)`)
	rePer      = regexp.MustCompile(`/(年|月|日|天|人|次|件|小时|户|平方米|公里|吨)`)
	reZhRange  = regexp.MustCompile(`([零一二三四五六七八九十百千万亿])\s*[-–—~～]\s*([零一二三四五六七八九十]|百分之|千分之)`)
	reSpaces   = regexp.MustCompile(`[ \t\r\f\v]+`)
	reNewlines = regexp.MustCompile(`\s*\n\s*`)
)

var units = map[string]string{
	"km²": "平方公里", "km2": "平方公里", "m²": "平方米", "m2": "平方米", "㎡": "平方米", "m³": "立方米", "m3": "立方米",
	"km": "公里", "kg": "公斤", "cm": "厘米", "mm": "毫米", "ml": "毫升", "mL": "毫升", "kW": "千瓦", "kWh": "千瓦时",
	"MB": "兆字节", "GB": "吉字节", "TB": "太字节", "m": "米", "g": "克", "t": "吨", "h": "小时", "L": "升", "W": "瓦",
}

var passes = []pass{
	// What is for the screen only.
	{reMDLink, sub(reMDLink, func(m []string) string { return m[1] })},
	{reURL, drop},
	{reEmail, func(string) string { return "电子邮箱见屏幕" }},
	{reHTML, func(string) string { return " " }},
	{reCite, drop},
	{reRule, drop},
	{reMDMarks, drop},
	// Identifiers, digit by digit, before anything reads them as amounts.
	{reCredit, func(s string) string { return spellGroups(s, 6, 8, 4) }},
	{reIDCard, func(s string) string { return spellGroups(s, 6, 8, 4) }},
	{reMobile, func(s string) string {
		d := strings.TrimPrefix(digitsOnly(s), "86")
		return spellGroups(d, 3, 4, 4)
	}},
	{reLandline, func(s string) string {
		ext := ""
		if i := strings.IndexAny(s, "转"); i > 0 {
			ext, s = "转"+spell(s[i+len("转"):]), s[:i]
		}
		return spellSep(s) + ext
	}},
	{reHotline, spell},
	{reDocNo, sub(reDocNo, func(m []string) string { return spell(m[1]) + "年第" + Number(m[2]) + "号" })},
	// Dates and times.
	{reDateYMD, sub(reDateYMD, func(m []string) string {
		return spell(m[1]) + "年" + Number(trimZero(m[2])) + "月" + Number(trimZero(m[3])) + "日"
	})},
	{reYearMon, sub(reYearMon, func(m []string) string {
		s := spell(m[1]) + "年"
		if m[2] != "" {
			s += Number(trimZero(m[2])) + "月"
		}
		return s
	})},
	{reMonDay, sub(reMonDay, func(m []string) string { return Number(trimZero(m[1])) + "月" + Number(trimZero(m[2])) + m[3] })},
	{reTimeSpan, sub(reTimeSpan, func(m []string) string { return clock(m[1]) + "至" + clock(m[2]) })},
	{reTime, clock},
	// Quantities.
	{rePercent, sub(rePercent, func(m []string) string {
		if m[2] == "‰" {
			return "千分之" + Number(m[1])
		}
		return "百分之" + Number(m[1])
	})},
	{reMoney, sub(reMoney, func(m []string) string { return Number(strings.ReplaceAll(m[1], ",", "")) + m[2] + "元" })},
	{reUnit, sub(reUnit, func(m []string) string { return Number(m[1]) + units[m[2]] })},
	{reRange, sub(reRange, func(m []string) string { return Number(m[1]) + "至" + Number(m[2]) })},
	// "2个" is 两个, not 二个.
	{reTwo, sub(reTwo, func(m []string) string { return m[1] + "两" + m[2] })},
	{reGrouped, func(s string) string { return Number(strings.ReplaceAll(s, ",", "")) }},
	{reNumber, readNumber},
	// What is left of ranges and rates between numbers now in words.
	{reZhRange, sub(reZhRange, func(m []string) string { return m[1] + "至" + m[2] })},
	{rePer, sub(rePer, func(m []string) string { return "每" + m[1] })},
}

// clock reads "9:30" as 九点三十分 and "9:00" as 九点.
func clock(s string) string {
	h, m, _ := strings.Cut(strings.Replace(s, "：", ":", 1), ":")
	if m == "00" {
		return Number(trimZero(h)) + "点"
	}
	return Number(trimZero(h)) + "点" + Number(trimZero(m)) + "分"
}

var digitWords = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// spell reads every digit of s on its own ("2024" → 二零二四); letters are
// kept for the synthesizer to name, other marks dropped.
func spell(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteString(digitWords[r-'0'])
		case r < 128 && unicode.IsLetter(r):
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// spellSep spells s, turning its separators into short pauses.
func spellSep(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) {
		if b.Len() > 0 {
			b.WriteString("，")
		}
		b.WriteString(spell(part))
	}
	return b.String()
}

// spellGroups spells s in groups of the given sizes with pauses between, as
// a person reads a long number aloud; the rest goes in the last group.
func spellGroups(s string, sizes ...int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) || unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
	var parts []string
	for _, n := range sizes {
		if len(s) <= n {
			break
		}
		parts = append(parts, spell(s[:n]))
		s = s[n:]
	}
	parts = append(parts, spell(s))
	return strings.Join(parts, "，")
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func trimZero(s string) string {
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// readNumber reads a bare number: amounts in words, but long digit strings
// (order numbers, codes) and numbers with leading zeros digit by digit.
func readNumber(s string) string {
	intPart, _, _ := strings.Cut(s, ".")
	if len(intPart) > 1 && intPart[0] == '0' || len(intPart) > 12 {
		return spell(s)
	}
	if len(intPart) >= 7 && !strings.Contains(s, ".") {
		// Seven digits and more without a unit are a code or a number to dial.
		return spell(s)
	}
	return Number(s)
}

// Number reads a decimal number in Chinese: "10" → 十, "1005" → 一千零五,
// "3.05" → 三点零五. Integers over 12 digits are spelled digit by digit.
func Number(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	out := integer(intPart)
	if hasFrac && frac != "" {
		out += "点" + spell(frac)
	}
	return out
}

var smallUnits = []string{"", "十", "百", "千"}
var bigUnits = []string{"", "万", "亿"}

func integer(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "零"
	}
	if len(s) > 12 {
		return spell(s)
	}
	// Split into groups of four from the right: 1,2345,6789 → 一亿二千三百四十五万...
	var groups []string
	for len(s) > 4 {
		groups = append([]string{s[len(s)-4:]}, groups...)
		s = s[:len(s)-4]
	}
	groups = append([]string{s}, groups...)
	var b strings.Builder
	zero := false
	for gi, g := range groups {
		big := bigUnits[len(groups)-1-gi]
		if strings.Trim(g, "0") == "" {
			zero = b.Len() > 0
			continue
		}
		if b.Len() > 0 && (zero || g[0] == '0') {
			b.WriteString("零")
		}
		b.WriteString(group(g, b.Len() == 0))
		b.WriteString(big)
		zero = false
	}
	return b.String()
}

// group reads up to four digits; lead says whether it starts the number,
// where 10-19 are read 十, 十一 ... rather than 一十, 一十一.
func group(g string, lead bool) string {
	g = strings.TrimLeft(g, "0")
	var b strings.Builder
	pendingZero := false
	for i, r := range g {
		d := int(r - '0')
		pos := len(g) - 1 - i
		if d == 0 {
			pendingZero = true
			continue
		}
		if pendingZero {
			b.WriteString("零")
			pendingZero = false
		}
		if !(d == 1 && pos == 1 && lead && i == 0) {
			b.WriteString(digitWords[d])
		}
		b.WriteString(smallUnits[pos])
	}
	return b.String()
}

// fold maps full-width digits, letters and signs to ASCII, so that "１２３４５"
// is read like "12345", reads ℃ as a word, and drops emoji and other
// pictographs, which a synthesizer would spell out by name.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ', r == '％', r == '．', r == '＋', r == '－':
			b.WriteRune(r - 0xFEE0)
		case r == '℃':
			b.WriteString("摄氏度")
		case unicode.Is(unicode.So, r) && (r < 0x3380 || r > 0x33FF) || r >= 0x1F000 && r <= 0x1FAFF || r == 0xFE0F || r == 0x200D:
			// emoji, dingbats, their variation selectors and joiners (not ㎡ and
			// the other unit squares, which the unit pass reads)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tidy collapses the spaces and blank lines left by the removals.
func tidy(s string) string {
	s = reSpaces.ReplaceAllString(s, " ")
	s = reNewlines.ReplaceAllString(s, "\n")
	var b strings.Builder
	rs := []rune(strings.TrimSpace(s))
	for i, r := range rs {
		// A space between two Chinese characters is a leftover, not a pause.
		if r == ' ' && i > 0 && i+1 < len(rs) && (isCJK(rs[i-1]) || isCJK(rs[i+1])) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Punct) && r > 0x2000
}
