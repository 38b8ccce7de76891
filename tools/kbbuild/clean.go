package main

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// tagRe matches an HTML or XML tag left in crawled text. It insists on a
	// letter (or a slash and a letter) after "<" so that comparisons such as
	// "<10" and Chinese book-title marks are left alone.
	tagRe = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>`)
	// straySemicolonRe matches the ";　;" separators some crawled answers
	// carry where the page had paragraph breaks.
	straySemicolonRe = regexp.MustCompile(`;[ \t\x{3000}\x{a0}]*;`)
	// sentenceSemicolonRe matches an ASCII semicolon right after the end of
	// a Chinese sentence or heading, where crawled pages had a paragraph
	// break; Chinese text writes its own semicolon as "；".
	sentenceSemicolonRe = regexp.MustCompile(`([。？！；】”：:）)])[ \t\x{3000}\x{a0}]*;+`)
	// blankLinesRe collapses runs of empty lines.
	blankLinesRe = regexp.MustCompile(`\n{2,}`)
	// dayRe reads a time limit such as "30(工作日)" or "15（自然日）".
	dayRe = regexp.MustCompile(`^\s*(\d+)\s*[(（]\s*(工作日|自然日)\s*[)）]\s*$`)
	// placePrefixRe strips the label the Guangdong portal puts before the
	// address.
	placePrefixRe = regexp.MustCompile(`^\s*(?:办理地点|办理地址|地址)\s*[:：]\s*`)
)

// cleanText turns crawled text into what a visitor should read or hear:
// HTML entities decoded (twice, because some sources escaped them twice), tags
// removed, odd spaces normalised, blank lines and spaces that only separate
// Chinese characters dropped. Single newlines are kept as paragraph breaks.
func cleanText(s string) string {
	s = html.UnescapeString(html.UnescapeString(s))
	s = tagRe.ReplaceAllString(s, "")
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ", "\u3000", " ", "\u00a0", " ", "\u200b", "", "\ufeff", "",
		// The CJK angle brackets of a title inside a title are in neither
		// of the kiosk's fonts and would show as boxes; the double ones are.
		"〈", "《", "〉", "》").Replace(s)
	s = straySemicolonRe.ReplaceAllString(s, "\n")
	s = sentenceSemicolonRe.ReplaceAllString(s, "$1\n")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = squeezeSpaces(strings.Trim(l, ";"))
		if l != "" {
			out = append(out, l)
		}
	}
	s = strings.Join(out, "\n")
	return blankLinesRe.ReplaceAllString(s, "\n")
}

// cleanLine is cleanText for one-line fields (titles, names, phones).
func cleanLine(s string) string {
	return strings.ReplaceAll(cleanText(s), "\n", " ")
}

// squeezeSpaces collapses runs of spaces and drops a space entirely when a
// neighbour is a CJK character or CJK punctuation: Chinese is written
// without spaces, and a space there is a crawling artefact that a speech
// synthesiser would read as a pause.
func squeezeSpaces(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != ' ' {
			b.WriteRune(r)
			continue
		}
		j := i
		for j < len(rs) && rs[j] == ' ' {
			j++
		}
		prev, next := rs[i-1], rs[j] // TrimSpace guarantees both exist
		// Keep the space after an article or chapter number ("第二条 本办法"),
		// where it separates the heading from the text.
		if (!isCJK(prev) && !isCJK(next)) || ((prev == '条' || prev == '章') && articleHeading(rs[:i])) {
			b.WriteRune(' ')
		}
		i = j - 1
	}
	return b.String()
}

// articleHeading reports whether text ends with "第…条" or "第…章".
func articleHeading(text []rune) bool {
	for i := len(text) - 2; i >= 0 && i >= len(text)-8; i-- {
		r := text[i]
		if r == '第' {
			return i < len(text)-2
		}
		if !strings.ContainsRune("一二三四五六七八九十百零〇0123456789", r) {
			return false
		}
	}
	return false
}

// isCJK reports whether r is a Han character or full-width punctuation.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK symbols and punctuation
		(r >= 0xff00 && r <= 0xffef) || // full-width forms
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}

// isNone reports whether a source field holds one of the placeholders the
// portals use for "no value".
func isNone(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "无", "暂无", "null", "NULL", "-", "/", "—":
		return true
	}
	return false
}

// parseDays reads a time limit such as "30(工作日)": the number of days and
// whether they are natural days ("15(自然日)") rather than working days. ok
// is false for "无" and anything unreadable. Natural days are returned as
// they are: there is no honest conversion to working days.
func parseDays(s string) (days int, natural bool, ok bool) {
	m := dayRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0, false, false
	}
	return n, m[2] == "自然日", true
}

// cleanPlace strips the "办理地点：" label and returns "" for placeholders.
func cleanPlace(s string) string {
	s = cleanLine(placePrefixRe.ReplaceAllString(cleanLine(s), ""))
	if isNone(s) {
		return ""
	}
	return s
}

// splitPhones splits a field that lists several phone numbers.
func splitPhones(s string) []string {
	s = cleanLine(s)
	if isNone(s) {
		return nil
	}
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == '；' || r == ';' || r == '、' || r == '，' || r == ',' || r == '/' || r == ' '
	})
	var out []string
	for _, p := range f {
		if p = strings.TrimSpace(p); p != "" && !isNone(p) {
			out = appendUnique(out, p)
		}
	}
	return out
}

// interrogatives are the words that make a Chinese sentence a question.
var interrogatives = []string{"吗", "么", "如何", "怎样", "怎么", "哪", "多少", "几", "是否", "能否", "可否", "什么", "有无", "介绍", "简介"}

// answerOpeners are how answers in the Beijing data begin and questions
// never do.
var answerOpeners = []string{"您好", "你好", "根据", "依据", "按照", "《", "（1）", "(1)", "1、", "1.", "一、", "第一步", "条例所称", "本市", "我市"}

// questionScore rates how much s reads like a question rather than an
// answer. Only the comparison between the two columns of one row matters.
func questionScore(s string) int {
	s = strings.TrimSpace(s)
	score := 0
	if strings.HasSuffix(s, "？") || strings.HasSuffix(s, "?") {
		score += 3
	}
	for _, w := range interrogatives {
		if strings.Contains(s, w) {
			score++
			break
		}
	}
	switch n := utf8.RuneCountInString(s); {
	case n <= 50:
		score++
	case n > 150:
		score -= 2
	}
	for _, p := range answerOpeners {
		if strings.HasPrefix(s, p) {
			score -= 2
			break
		}
	}
	return score
}

// swappedQA reports whether a row's question and answer columns hold each
// other's text: the "answer" reads more like a question than the "question"
// does, and is the shorter of the two.
func swappedQA(question, answer string) bool {
	if strings.TrimSpace(answer) == "" {
		return false
	}
	qs, as := questionScore(question), questionScore(answer)
	return as > qs && utf8.RuneCountInString(answer) < utf8.RuneCountInString(question)
}

// splitQuestionAnswer repairs a row whose question column swallowed the
// answer: "问题？答案……" becomes ("问题？", "答案……"). A trailing question
// fragment that belongs to the next row ("……哪些？") is cut off and returned
// apart so the caller can report it. ok is false when the text has no such
// shape.
func splitQuestionAnswer(q string) (question, answer, trailing string, ok bool) {
	i := strings.IndexAny(q, "？?")
	if i < 0 {
		return "", "", "", false
	}
	_, w := utf8.DecodeRuneInString(q[i:])
	question, answer = strings.TrimSpace(q[:i+w]), strings.TrimSpace(q[i+w:])
	if utf8.RuneCountInString(answer) < 20 {
		return "", "", "", false
	}
	// The answer may end with the next row's question: the last sentence
	// ends with a question mark and follows a full stop.
	if strings.HasSuffix(answer, "？") || strings.HasSuffix(answer, "?") {
		if j := strings.LastIndex(answer, "。"); j > 0 {
			trailing = strings.TrimSpace(answer[j+len("。"):])
			answer = answer[:j+len("。")]
		}
	}
	return question, answer, trailing, true
}

// answerMarkers start an answer that slipped into the question column.
var answerMarkers = []string{"答：", "答:", "答", "A：", "A:"}

// splitEmbeddedAnswer repairs a question column that holds its answer too,
// as rows misaligned in the source do: "问题？答1、……" or "问题？<a
// sentence restating the question and answering it>". It returns the
// question, the embedded answer and, when the text ends by asking a second
// question ("……如何办理考试预约呢？"), that follow-up. Text after the
// question mark that asks more, or explains the question in brackets, is
// left alone: ok is false.
func splitEmbeddedAnswer(q string) (question, answer, followUp string, ok bool) {
	i := strings.IndexAny(q, "？?")
	if i < 0 {
		return "", "", "", false
	}
	_, w := utf8.DecodeRuneInString(q[i:])
	question, rest := q[:i+w], strings.TrimSpace(q[i+w:])
	if rest == "" || strings.HasPrefix(rest, "（") || strings.HasPrefix(rest, "(") {
		return "", "", "", false
	}
	marked := false
	for _, m := range answerMarkers {
		if strings.HasPrefix(rest, m) {
			rest, marked = strings.TrimSpace(strings.TrimPrefix(rest, m)), true
			break
		}
	}
	if !marked {
		// Without a marker, only a long declarative text that repeats
		// words of the question is taken for its answer.
		if strings.ContainsAny(rest, "？?") || runeLen(rest) < 30 || !sharesPhrase(question, rest, 6) {
			return "", "", "", false
		}
	}
	answer = rest
	if strings.HasSuffix(answer, "？") || strings.HasSuffix(answer, "?") {
		if j := strings.LastIndex(answer, "。"); j > 0 {
			followUp = strings.TrimSpace(answer[j+len("。"):])
			answer = answer[:j+len("。")]
		}
	}
	if runeLen(answer) < 10 {
		return "", "", "", false
	}
	return question, answer, followUp, true
}

// dedupeQuestion returns the question once when the column holds it twice.
func dedupeQuestion(q string) (string, bool) {
	rs := []rune(q)
	if n := len(rs); n >= 8 && n%2 == 0 && string(rs[:n/2]) == string(rs[n/2:]) {
		return string(rs[:n/2]), true
	}
	return q, false
}

// sharesPhrase reports whether a and b have a common substring of at least
// n characters.
func sharesPhrase(a, b string, n int) bool {
	ra := []rune(a)
	for i := 0; i+n <= len(ra); i++ {
		if strings.Contains(b, string(ra[i:i+n])) {
			return true
		}
	}
	return false
}

// splitList splits a keyword or material list on the separators the
// sources use and drops empties and duplicates, keeping the order.
func splitList(s string) []string {
	f := strings.FieldsFunc(cleanLine(s), func(r rune) bool {
		return r == ';' || r == '；' || r == ',' || r == '，' || r == '、'
	})
	var out []string
	for _, p := range f {
		if p = strings.TrimSpace(p); p != "" && !isNone(p) {
			out = appendUnique(out, p)
		}
	}
	return out
}

// appendUnique appends v unless it is already in list.
func appendUnique(list []string, vs ...string) []string {
outer:
	for _, v := range vs {
		for _, x := range list {
			if x == v {
				continue outer
			}
		}
		list = append(list, v)
	}
	return list
}

// runeLen counts characters, which is how Chinese text is measured.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// truncate cuts s to at most n characters at a sentence end when one is
// near, else adds an ellipsis.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	cut := string(rs[:n])
	if i := strings.LastIndexAny(cut, "。；;"); i > len(cut)/2 {
		_, w := utf8.DecodeRuneInString(cut[i:])
		return cut[:i+w]
	}
	return cut + "……"
}
