package localkb

import (
	"sort"
	"strings"
	"unicode"
)

// indexVersion changes whenever the way text is turned into index tokens
// changes (normalisation, synonyms, tokenisation). A database written with
// another version is re-imported from the embedded demo by OpenOrImportDemo
// and flagged by Verify, because its index no longer matches the queries.
const indexVersion = "6"

// fillers are words visitors say around a question that carry no meaning
// for retrieval. Longest first, so "我想问一下" goes before "问一下".
var fillers = sortedLongestFirst([]string{
	"我想问一下", "我想问问", "我想咨询一下", "我想咨询", "想咨询一下", "咨询一下", "我想了解一下", "我想了解",
	"我想知道", "想知道", "请问一下", "请问", "问一下", "麻烦问一下", "麻烦你", "麻烦", "你好", "您好",
	"小服小服", "小服", "那个那个", "那个", "这个这个", "就是说", "就是", "然后呢", "然后", "嗯嗯", "嗯",
	"呃", "啊", "呀", "吧", "哦", "噢", "哈", "嘛", "呢", "吗", "一下子", "一下", "帮我查一下",
	"帮我查查", "帮我看看", "帮我", "告诉我", "我问你", "你知道", "谁知道", "有没有人知道", "怎么办呀",
	"怎么弄呀", "的话", "我们公司", "我们单位", "我们", "我这边", "我的", "我", "您", "你们", "你",
	"现在", "这边", "那边", "具体", "一般", "的",
})

// spokenEndings are question tails that mean "how do I do it"; they are
// folded to one form so that "怎么弄", "咋办" and "如何办理" look alike.
var spokenEndings = [][2]string{
	{"怎么弄", "怎么办"}, {"咋弄", "怎么办"}, {"咋办", "怎么办"}, {"如何办理", "怎么办"},
	{"怎样办理", "怎么办"}, {"怎么办理", "怎么办"}, {"在哪里办", "在哪办"}, {"去哪里办", "在哪办"},
	{"去哪办", "在哪办"}, {"到哪里办", "在哪办"}, {"哪里可以办", "在哪办"}, {"多长时间", "多久"},
	{"需要多久", "多久"}, {"要多久", "多久"}, {"什么材料", "材料"}, {"哪些材料", "材料"},
	{"啥材料", "材料"}, {"咋", "怎么"}, {"啥", "什么"}, {"如何", "怎么"}, {"怎样", "怎么"},
	{"提出来", "提取"}, {"取出来", "提取"}, {"丢了", "丢失 补办"}, {"坏了", "损坏 补换"},
	{"多大年纪", "年龄"}, {"多大岁数", "年龄"}, {"几岁", "年龄"}, {"交社保", "缴纳社保"},
	{"交公积金", "缴存公积金"}, {"交了多少", "缴费记录"}, {"晚点交", "延期缴纳"}, {"开个", "开办"},
	{"多少钱", "收费 费用"}, {"要钱吗", "收费"}, {"收钱吗", "收费"}, {"哪儿", "哪里"}, {"咋样", "怎么"},
	{"怎么搞", "怎么办"}, {"过期了", "过期"}, {"改一下", "变更 修改"}, {"查一下", "查询"},
	{"查查", "查询"}, {"开证明", "开具 证明"}, {"退钱", "退费"}, {"领钱", "领取"}, {"交钱", "缴费"},
	{"办个", "办理"}, {"弄个", "办理"}, {"换新的", "补换"}, {"有啥用", "用途"}, {"有什么用", "用途"},
}

// questionWords end a content word in a spoken question. The query is cut
// around them so that a bigram straddling a noun and a question word ("证怎"
// from "居住证怎么") does not match unrelated records that happen to contain
// it; the question words themselves stay as terms.
var questionWords = sortedLongestFirst([]string{
	"怎么办", "怎么", "什么时候", "什么", "哪里", "哪些", "哪个", "在哪", "多少", "多久", "是否", "可以",
	"能不能", "能否", "需要", "有没有", "还能", "吗", "几", "去哪", "谁",
})

var isQuestionWord = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range questionWords {
		m[w] = true
	}
	return m
}()

// deptIntent are words that ask about an office rather than a matter: only
// then may a department record be the answer.
var deptIntent = []string{"电话", "地址", "窗口", "在哪", "哪里", "部门", "哪个局", "上班", "办公", "联系", "位置", "几楼", "局", "厅", "中心", "委"}

func asksForDepartment(q string) bool {
	for _, w := range deptIntent {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

func splitQuestionWords(s string) string {
	for _, w := range questionWords {
		s = strings.ReplaceAll(s, w, " "+w+" ")
	}
	return s
}

// synonyms map a longer or variant wording to the canonical form both the
// index and the query use, so either wording finds the other. The canonical
// form is the one the hall's records use most.
var synonyms = [][2]string{
	{"住房公积金", "公积金"}, {"社会保障卡", "社保卡"}, {"社会保险", "社保"}, {"高新技术企业", "高企"}, {"高新企业", "高企"},
	{"营业执照", "执照"}, {"研发费用加计扣除", "加计扣除"}, {"医疗保险", "医保"}, {"医疗保障", "医保"},
	{"养老保险", "养老保险"}, {"失业保险金", "失业金"}, {"工伤保险", "工伤"}, {"生育保险", "生育险"},
	{"个体工商户", "个体户"}, {"小微企业", "小微企业"}, {"人力资源和社会保障", "人社"},
	{"人力资源社会保障", "人社"}, {"市场监督管理", "市场监管"}, {"出入境", "出入境"},
	{"机动车驾驶证", "驾驶证"}, {"驾照", "驾驶证"}, {"身份证", "身份证"}, {"户口", "户籍"},
	{"小汽车", "小客车"}, {"私家车", "小客车"}, {"车牌", "号牌"}, {"摇号", "指标"},
	{"退休金", "养老金"}, {"知识产权", "知识产权"}, {"发明专利", "专利"}, {"纳税人", "纳税人"},
	{"专票", "增值税专用发票"}, {"税务登记", "税务登记"}, {"统一社会信用代码", "信用代码"},
	{"注销登记", "注销"}, {"设立登记", "开办"}, {"开公司", "开办企业"}, {"办公司", "开办企业"},
	{"注册公司", "开办企业"}, {"成立公司", "开办企业"}, {"新办企业", "开办企业"},
	{"食品经营许可证", "食品经营许可"}, {"卫生许可证", "卫生许可"}, {"补贴", "补贴"}, {"补助", "补贴"},
	{"资助", "补贴"}, {"奖励", "奖补"}, {"奖补", "奖补"}, {"退税", "退税"}, {"残疾人", "残疾人"},
	{"灵活就业人员", "灵活就业"}, {"异地就医", "异地就医"}, {"外地就医", "异地就医"},
	{"提取", "提取"}, {"取出来", "提取"}, {"取出", "提取"}, {"取钱", "提取"},
}

// homophonePhrases are recogniser errors seen often enough in a hall to fix
// by name; homophoneChars below handle the rest, checked against the index.
var homophonePhrases = [][2]string{
	{"设保", "社保"}, {"社宝", "社保"}, {"公基金", "公积金"}, {"公级金", "公积金"}, {"工积金", "公积金"},
	{"医宝", "医保"}, {"依保", "医保"}, {"营业直照", "营业执照"}, {"营业执找", "营业执照"},
	{"执找", "执照"}, {"高心", "高新"}, {"加急扣除", "加计扣除"}, {"加记扣除", "加计扣除"},
	{"专力", "专利"}, {"驾使证", "驾驶证"}, {"身分证", "身份证"}, {"失叶", "失业"}, {"退修", "退休"},
	{"养劳", "养老"}, {"公伤", "工伤"}, {"纳水", "纳税"}, {"报消", "报销"},
}

// homophoneChars groups characters a Mandarin recogniser confuses (same or
// near-same syllable). A query bigram the index has never seen is retried
// with these substitutions, and a variant is kept only if the index holds it,
// so a correct query is never rewritten.
var homophoneChars = [][]rune{
	[]rune("社设射涉舍"), []rune("保宝报堡饱"), []rune("积基级机及急集计记纪技绩"),
	[]rune("执直职值植"), []rune("照找召兆"), []rune("医依一衣"), []rune("税水睡"),
	[]rune("证正政整症"), []rune("业页夜叶"), []rune("营赢盈迎"), []rune("公工功攻共供"),
	[]rune("金今斤津"), []rune("险显县现线"), []rune("办半伴"), []rune("理里礼李力利历"),
	[]rune("登灯等"), []rune("注住驻助筑"), []rune("册测侧策"), []rune("企起启气器汽"),
	[]rune("补不步部布"), []rune("贴铁帖"), []rune("退推"), []rune("休修"), []rune("养样洋阳"),
	[]rune("老劳牢"), []rune("就旧救久九"), []rune("失师施诗"), []rune("申深身伸"),
	[]rune("请清青轻情"), []rune("许需须虚"), []rune("可科课"), []rune("专砖转"),
	[]rune("费废飞非"), []rune("疗聊料"), []rune("驾价假架"), []rune("驶使始"), []rune("户护互"),
	[]rune("籍级集及"), []rune("房防访放"), []rune("租组足族"), []rune("商伤上尚"), []rune("标表"),
	[]rune("资姿咨"), []rune("质治制至志"), []rune("审婶"), []rune("批披"), []rune("销消小晓"),
	[]rune("育遇玉预"), []rune("生声升"), []rune("残惨蚕"), []rune("疾及即急"), []rune("卡咖"),
	[]rune("车扯彻"), []rune("牌排派"), []rune("号好浩"), []rune("报暴抱"), []rune("税岁碎"),
}

var homophoneOf = func() map[rune][]rune {
	m := map[rune][]rune{}
	for _, g := range homophoneChars {
		for _, r := range g {
			for _, o := range g {
				if o != r {
					m[r] = append(m[r], o)
				}
			}
		}
	}
	return m
}()

func sortedLongestFirst(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.SliceStable(out, func(i, j int) bool { return len([]rune(out[i])) > len([]rune(out[j])) })
	return out
}

// replacer turns pairs into a strings.Replacer that prefers the longest match.
func replacer(pairs [][2]string) *strings.Replacer {
	ps := append([][2]string(nil), pairs...)
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i][0]) > len(ps[j][0]) })
	args := make([]string, 0, 2*len(ps))
	for _, p := range ps {
		if p[0] == p[1] {
			continue
		}
		args = append(args, p[0], p[1])
	}
	return strings.NewReplacer(args...)
}

var (
	endingReplacer    = replacer(spokenEndings)
	homophoneReplacer = replacer(homophonePhrases)
)

// Canon rewrites text into the form the index stores: synonyms folded to
// their canonical wording. It is applied to records at import and to
// queries, with the same table (hand list plus what the snapshot adds).
type Canon struct {
	r *strings.Replacer
}

func newCanon(extra [][2]string) *Canon {
	all := append(append([][2]string(nil), synonyms...), extra...)
	return &Canon{r: replacer(all)}
}

// normalize folds width and case and replaces punctuation with spaces, so
// that text from the keyboard, the recogniser and the snapshot compare alike.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == 0x3000:
			r = ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		}
		switch {
		case isHan(r), unicode.IsLetter(r), unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// stripFillers removes filler words from a spoken question. It leaves the
// question alone when removing them would leave nothing.
func stripFillers(q string) string {
	out := q
	for _, f := range fillers {
		out = strings.ReplaceAll(out, f, " ")
	}
	if strings.TrimSpace(out) == "" {
		return q
	}
	return out
}

// tokens splits normalised text into index tokens: overlapping character
// bigrams for each run of Han characters (a lone character stands alone),
// and whole lowercased words for runs of letters and digits.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isHan(r):
			j := i
			for j < len(rs) && isHan(rs[j]) {
				j++
			}
			if j-i == 1 {
				out = append(out, string(rs[i]))
			}
			for k := i; k+1 < j; k++ {
				out = append(out, string(rs[k:k+2]))
			}
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(rs) && !isHan(rs[j]) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		default:
			i++
		}
	}
	return out
}

// indexText is the token string stored in the bigram FTS table.
func (c *Canon) indexText(s string) string {
	return strings.Join(tokens(c.r.Replace(normalize(s))), " ")
}

// queryText prepares a visitor's question for tokenising: normalised,
// named recogniser errors fixed, fillers removed, spoken endings folded and
// synonyms canonicalised.
func (c *Canon) queryText(q string) string {
	s := normalize(q)
	s = homophoneReplacer.Replace(s)
	s = stripFillers(s)
	s = endingReplacer.Replace(s)
	return splitQuestionWords(c.r.Replace(s))
}

// homophoneVariants returns the variants of a bigram obtained by swapping
// one or both characters for a confusable one.
func homophoneVariants(bg string) []string {
	rs := []rune(bg)
	if len(rs) != 2 {
		return nil
	}
	var out []string
	a, b := append([]rune{rs[0]}, homophoneOf[rs[0]]...), append([]rune{rs[1]}, homophoneOf[rs[1]]...)
	for i, x := range a {
		for j, y := range b {
			if i == 0 && j == 0 {
				continue
			}
			out = append(out, string([]rune{x, y}))
		}
	}
	return out
}
