package main

import (
	"slices"
	"testing"
)

func TestSwappedQA(t *testing.T) {
	tests := []struct {
		name     string
		question string
		answer   string
		want     bool
	}{
		{
			name:     "normal row with question mark",
			question: "非京籍人员在京购车有什么条件？",
			answer:   "您好！非京籍人员在本市购车时，如果购买的是小客车，需要先申请参加摇号，取得小客车配置指标后，再购置车辆。",
			want:     false,
		},
		{
			name:     "normal row whose answer is as short as the question",
			question: "实习期结束后需要办理换证手续吗？",
			answer:   "实习期结束后不需要办理换证手续。",
			want:     false,
		},
		{
			name:     "normal row without a question mark",
			question: "临时号牌有效期是多久",
			answer:   "您好，属于未销售的、购买、调拨、赠予等方式获得机动车后尚未注册登记的，临时号牌有效期最长为15日。",
			want:     false,
		},
		{
			name:     "swapped: regulation text in the question column",
			question: "《北京市生活垃圾管理条例》第七十八条第(四)项规定，有害垃圾，是指生活垃圾中的有毒有害物质。",
			answer:   "什么是有害垃圾？",
			want:     true,
		},
		{
			name:     "swapped: answer column holds a heading without a question mark",
			question: "（一）贯彻落实国家关于交通运输方面的法律法规、规章和政策，起草本市相关地方性法规草案、政府规章草案，并组织实施；（二）组织编制本市综合交通发展战略和政策，组织拟订综合交通运输体系规划；（三）负责本市道路、水路运输市场监管。",
			answer:   "北京市交通委员会职责介绍",
			want:     true,
		},
		{
			name:     "swapped: question column is a how-to with steps",
			question: "第一步：打开北京市地方金融监督管理局官网，在首页点击栏目导航，找到所需栏目。",
			answer:   "怎样在网站查找我想看的栏目，比如“两区”建设？",
			want:     true,
		},
		{
			name:     "empty answer is never a swap",
			question: "“北京普惠健康保”热点问题解答",
			answer:   "",
			want:     false,
		},
		{
			name:     "short yes answer stays",
			question: "胰岛素注射针头是否可以单独向患者收费？",
			answer:   "可以。",
			want:     false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := swappedQA(tt.question, tt.answer); got != tt.want {
				t.Errorf("swappedQA(%q, %q) = %v, want %v (scores q=%d a=%d)", tt.question, tt.answer, got, tt.want, questionScore(tt.question), questionScore(tt.answer))
			}
		})
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		in          string
		days        int
		natural, ok bool
	}{
		{"30(工作日)", 30, false, true},
		{"7（工作日）", 7, false, true},
		{" 20 (工作日) ", 20, false, true},
		{"15(自然日)", 15, true, true},
		{"无", 0, false, false},
		{"", 0, false, false},
		{"0(工作日)", 0, false, false},
		{"即办", 0, false, false},
		{"30", 0, false, false},
		{"30(小时)", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, n, ok := parseDays(tt.in)
			if d != tt.days || n != tt.natural || ok != tt.ok {
				t.Errorf("parseDays(%q) = %d, %v, %v; want %d, %v, %v", tt.in, d, n, ok, tt.days, tt.natural, tt.ok)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"entities", "我要申报-&gt;选择具体的办理事项-&gt;点击“编辑”", "我要申报->选择具体的办理事项->点击“编辑”"},
		{"double-escaped entity", "A&amp;gt;B", "A>B"},
		{"named entities", "长×宽&divide;2", "长×宽÷2"},
		{"dash entity", "【驾驶证】&mdash;&mdash;【驾驶证电子版】", "【驾驶证】——【驾驶证电子版】"},
		{"tags", "<p>办理<b>营业执照</b></p><br/>请带身份证", "办理营业执照请带身份证"},
		{"comparison is not a tag", "年龄<60周岁且收入>3000元", "年龄<60周岁且收入>3000元"},
		{"ideographic spaces between hanzi", "注意保暖。\u3000应急要点→★加固门窗", "注意保暖。应急要点→★加固门窗"},
		{"semicolon paragraph marks", "专家提醒购车族注意：;\u3000;1、勤通风；;\u3000;2、少用空调", "专家提醒购车族注意：\n1、勤通风；\n2、少用空调"},
		{"semicolon after a sentence is a paragraph break", "应该注意些什么呢？;7月24日上午，记者看到。;;专家提醒：;勤通风", "应该注意些什么呢？\n7月24日上午，记者看到。\n专家提醒：\n勤通风"},
		{"semicolon inside a sentence stays", "登录网站;点击查询", "登录网站;点击查询"},
		{"latin words keep one space", "下载  交管12123 APP  即可", "下载交管12123 APP即可"},
		{"blank lines collapse", "第一段\n\n\n第二段\r\n第三段", "第一段\n第二段\n第三段"},
		{"article heading keeps its space", "第二十二条 申请公共租赁住房保障应当", "第二十二条 申请公共租赁住房保障应当"},
		{"space after other 条 dropped", "这些条 件都要满足", "这些条件都要满足"},
		{"angle brackets the fonts lack", "按照《〈北京市建设工程规划监督办法〉实施细则》", "按照《《北京市建设工程规划监督办法》实施细则》"},
		{"nbsp and tabs", "咨询\u00a0电话：\t12345", "咨询电话：12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanPlace(t *testing.T) {
	tests := []struct{ in, want string }{
		{"办理地点：广州市越秀区东风中路305号5号楼808房", "广州市越秀区东风中路305号5号楼808房"},
		{"办理地点:广州市天河区天河北路", "广州市天河区天河北路"},
		{"  办理地点： 广州市 越秀区 ", "广州市越秀区"},
		{"无线下办理窗口", "无线下办理窗口"},
		{"办理地点：无", ""},
		{"", ""},
		{"广州市越秀区农林下路72号1-3号窗口", "广州市越秀区农林下路72号1-3号窗口"},
	}
	for _, tt := range tests {
		if got := cleanPlace(tt.in); got != tt.want {
			t.Errorf("cleanPlace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitQuestionAnswer(t *testing.T) {
	q := "泥石流灾害防御的非工程措施包括什么？（1）建立北京山区泥石流预报警报系统，进行中心指挥，合理调度。（2）进行宣传教育，增强全民防灾的意识。蓄滞洪区所采取的安全措施包括哪些？"
	question, answer, trailing, ok := splitQuestionAnswer(q)
	if !ok {
		t.Fatal("not split")
	}
	if question != "泥石流灾害防御的非工程措施包括什么？" {
		t.Errorf("question = %q", question)
	}
	if answer != "（1）建立北京山区泥石流预报警报系统，进行中心指挥，合理调度。（2）进行宣传教育，增强全民防灾的意识。" {
		t.Errorf("answer = %q", answer)
	}
	if trailing != "蓄滞洪区所采取的安全措施包括哪些？" {
		t.Errorf("trailing = %q", trailing)
	}
	for _, s := range []string{
		"社保卡预挂失或补换卡期间，医保电子凭证能否继续使用？",
		"在一次就医结算过程中，可以复合使用吗？如挂号时用医保电子凭证可以吗？",
		"“北京普惠健康保”热点问题解答",
	} {
		if _, _, _, ok := splitQuestionAnswer(s); ok {
			t.Errorf("splitQuestionAnswer(%q) split a plain question", s)
		}
	}
}

func TestSplitPhones(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"020-38807710；020-83627551", []string{"020-38807710", "020-83627551"}},
		{"020-83133283、020-83134746、020-83133283", []string{"020-83133283", "020-83134746"}},
		{"无", nil},
		{"12345", []string{"12345"}},
	}
	for _, tt := range tests {
		if got := splitPhones(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitPhones(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWindowRange(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"A5", "A6", "A7", "A8", "A9"}, "A5–A9号"},
		{[]string{"1", "2", "3", "4"}, "1–4号"},
		{[]string{"B10", "B13"}, "B10、B13号"},
		{[]string{"C1"}, "C1号"},
		{[]string{"B1", "B2", "B4"}, "B1、B2、B4号"},
	}
	for _, tt := range tests {
		if got := windowRange(tt.in); got != tt.want {
			t.Errorf("windowRange(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNaturalLess(t *testing.T) {
	ids := []string{"政务问答-10", "天河-2", "政务问答-2", "政务问答-1", "天河-10", "11440000006939756B2440101007000"}
	slices.SortFunc(ids, func(a, b string) int {
		if naturalLess(a, b) {
			return -1
		}
		if naturalLess(b, a) {
			return 1
		}
		return 0
	})
	want := []string{"11440000006939756B2440101007000", "天河-2", "天河-10", "政务问答-1", "政务问答-2", "政务问答-10"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted = %q, want %q", ids, want)
	}
}

func TestSplitSections(t *testing.T) {
	text := "谁能办：在广州创业的高校毕业生。要什么条件：注册满6个月；有员工缴社保。怎么办：登录广东公共就业服务云平台申请；审核后发放。交什么材料：身份证、营业执照（副本）。注意：只能享受一次。"
	sec := splitSections(text)
	want := map[string]string{
		"谁能办":   "在广州创业的高校毕业生。",
		"要什么条件": "注册满6个月；有员工缴社保。",
		"怎么办":   "登录广东公共就业服务云平台申请；审核后发放。",
		"交什么材料": "身份证、营业执照（副本）。",
		"注意":    "只能享受一次。",
	}
	for k, v := range want {
		if sec[k] != v {
			t.Errorf("section %s = %q, want %q", k, sec[k], v)
		}
	}
	lines := sectionLines(text)
	if len(lines) != 5 || lines[4] != "注意：只能享受一次。" {
		t.Errorf("sectionLines = %q", lines)
	}
}

func TestSplitTopLevel(t *testing.T) {
	got := splitTopLevel("户口簿、出生医学证明、房产或居住证明等（按系统提示、以当年为准）", '；', '、')
	want := []string{"户口簿", "出生医学证明", "房产或居住证明等（按系统提示、以当年为准）"}
	if !slices.Equal(got, want) {
		t.Errorf("splitTopLevel = %q, want %q", got, want)
	}
}

func TestDocNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"穗府办规〔2024〕13号":     true,
		"国务院令第746号":         true,
		"广州市人民政府令第179号":     true,
		"穗天科工信规字〔2023〕1号":   true,
		"（2025年第一批常态分配通告）":  false,
		"穗府办规〔2021〕14号为依据":  false,
		"（依据穗天教规字〔2024〕1号）": false,
	} {
		if got := docNumberRe.MatchString(s); got != want {
			t.Errorf("docNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTitleKeyMatchesCitedVariants(t *testing.T) {
	pairs := [][2]string{
		{"本月起，这笔钱直接发放至个人！(广州市政府门户)", "本月起，这笔钱直接发放至个人！（生育津贴直接发放至个人）"},
		{"广州市天河区来穗人员随迁子女积分制入学实施办法(穗天教规字〔2024〕1号)", "广州市天河区来穗人员随迁子女积分制入学实施办法"},
		{"无需个人垫付！广州异地就医备案，上\"穗好办\"快速办理！", "无需个人垫付！广州异地就医备案，上“穗好办”快速办理！"},
	}
	for _, p := range pairs {
		if a, b := titleKey(p[0]), titleKey(p[1]); a != b {
			t.Errorf("titleKey differs: %q vs %q", a, b)
		}
	}
}

func TestAssignTopics(t *testing.T) {
	tests := []struct {
		name     string
		source   []string
		title    string
		dept     string
		wantHead string
	}{
		{"keyword", nil, "享受研发费用加计扣除政策是否需要到税务机关备案？", "北京市科学技术委员会", topicTax},
		{"source category first", []string{topicStartup}, "内资有限责任公司设立登记", "广东省市场监督管理局", topicStartup},
		{"department fallback", nil, "震中求生的秘诀", "北京市应急管理局", topicSafety},
		{"other as last resort", nil, "许可证和年报信息查询", "广东省邮政管理局", topicOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := assignTopics(tt.source, tt.title, nil, tt.dept)
			if len(got) == 0 || got[0] != tt.wantHead || len(got) > maxTopicsPerRec {
				t.Errorf("assignTopics = %q, want first %q", got, tt.wantHead)
			}
		})
	}
}

func TestSplitEmbeddedAnswer(t *testing.T) {
	tests := []struct {
		name                     string
		in                       string
		question, answer, follow string
		ok                       bool
	}{
		{
			name:     "marked answer",
			in:       "网约车驾驶员从业资格考试科目是什么？答1、考试科目：包括全国公共科目和北京区域科目考试。",
			question: "网约车驾驶员从业资格考试科目是什么？",
			answer:   "1、考试科目：包括全国公共科目和北京区域科目考试。",
			ok:       true,
		},
		{
			name:     "marked answer and a follow-up question",
			in:       "什么情况下要进行驾驶证考试预约？A：初次申领机动车驾驶证的，需通过互联网平台办理考试预约。如何办理考试预约或取消考试预约呢？",
			question: "什么情况下要进行驾驶证考试预约？",
			answer:   "初次申领机动车驾驶证的，需通过互联网平台办理考试预约。",
			follow:   "如何办理考试预约或取消考试预约呢？",
			ok:       true,
		},
		{
			name:     "unmarked answer restating the question",
			in:       "道路停车为什么要实行电子收费？依据《北京市机动车停车条例》第三十九条，本市道路停车要实行电子收费，做到计时客观公正。",
			question: "道路停车为什么要实行电子收费？",
			answer:   "依据《北京市机动车停车条例》第三十九条，本市道路停车要实行电子收费，做到计时客观公正。",
			ok:       true,
		},
		{name: "more questions", in: "无证违法建设向哪反映？私搭乱建向哪反映？规划部门都负责什么情况的违法建设？"},
		{name: "bracketed example", in: "医院硬件条件不符合项目内涵要求如何收费？（如床位费和集中配液中心等情况，是否可以按照项目价格收取费用）"},
		{name: "context that does not repeat the question", in: "请问这个怎么办？我们公司去年在海淀注册成立，主要从事软件开发业务，员工二十人左右。"},
		{name: "plain question", in: "企业年金的缴费比例是多少？"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, a, f, ok := splitEmbeddedAnswer(tt.in)
			if ok != tt.ok || q != tt.question || a != tt.answer || f != tt.follow {
				t.Errorf("splitEmbeddedAnswer = %q, %q, %q, %v; want %q, %q, %q, %v", q, a, f, ok, tt.question, tt.answer, tt.follow, tt.ok)
			}
		})
	}
}

func TestDedupeQuestion(t *testing.T) {
	if q, ok := dedupeQuestion("是否需要区分费用？是否需要区分费用？"); !ok || q != "是否需要区分费用？" {
		t.Errorf("dedupeQuestion = %q, %v", q, ok)
	}
	if _, ok := dedupeQuestion("哈哈哈哈"); ok {
		t.Error("short repetition treated as a doubled question")
	}
}
