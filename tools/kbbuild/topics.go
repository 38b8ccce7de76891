package main

import "strings"

// Browse topics, in the order the kiosk offers them. Enterprise topics come
// first because the hall serves enterprises. Every record gets at least one;
// topicOther is the last resort.
const (
	topicPolicy     = "政策"  // used by the authored policy records
	topicBundle     = "一类事" // used by the authored bundle records
	topicStartup    = "企业开办与变更"
	topicTax        = "纳税与税收优惠"
	topicTech       = "科技创新与知识产权"
	topicLabour     = "劳动用工与人才"
	topicSocial     = "社会保险"
	topicFund       = "住房公积金"
	topicJobs       = "就业创业"
	topicFinance    = "金融服务"
	topicTrade      = "商务与外贸"
	topicMedical    = "医疗保障"
	topicHousing    = "规划建设与住房"
	topicTransport  = "交通出行"
	topicSafety     = "应急与安全"
	topicCulture    = "文化旅游体育"
	topicHealth     = "卫生健康"
	topicEducation  = "教育"
	topicWelfare    = "民生保障"
	topicBorder     = "出入境与港澳台"
	topicCity       = "生态环境与城市管理"
	topicJustice    = "司法公证"
	topicResidence  = "户籍与证件"
	topicFarming    = "农业农村"
	topicOther      = "其他事项"
	maxTopicsPerRec = 3
)

// allTopics lists the browse topics in display order.
var allTopics = []string{
	topicPolicy, topicBundle, topicStartup, topicTax, topicTech, topicLabour, topicSocial, topicFund, topicJobs, topicFinance, topicTrade,
	topicMedical, topicHousing, topicTransport, topicSafety, topicCulture, topicHealth, topicEducation,
	topicWelfare, topicBorder, topicCity, topicJustice, topicResidence, topicFarming, topicOther,
}

// topicRule assigns a topic when a record's title or keywords contain one of
// its words. Rules are tried in order; a record keeps the first
// maxTopicsPerRec topics that match.
type topicRule struct {
	topic string
	words []string
}

var keywordRules = []topicRule{
	{topicStartup, []string{"营业执照", "个体工商户", "商事登记", "企业设立", "公司设立", "设立登记", "企业开办", "开办企业", "企业名称", "市场主体", "股权出质", "经营许可", "生产许可"}},
	{topicTax, []string{"加计扣除", "纳税", "税务", "发票", "所得税", "增值税", "个税", "税收", "减免税", "退税", "缴税", "税款"}},
	{topicTech, []string{"高新技术", "科技型中小企业", "科技成果", "研发", "研究开发", "技术合同", "专利", "知识产权", "新技术新产品", "自然科学基金", "科研", "技术中心", "商标"}},
	{topicLabour, []string{"技能提升", "资格证书", "劳动合同", "试用期", "劳务派遣", "工资", "企业年金", "集体合同", "劳动争议", "劳动仲裁", "特殊工时", "职称", "职业资格", "职业技能", "用人单位", "经济补偿", "人才", "劳动关系", "欠薪"}},
	{topicSocial, []string{"社会保障卡", "居民养老", "养老转移", "社保", "社会保险", "养老保险", "工伤", "失业保险", "失业金", "失业保险金", "生育保险", "参保", "养老金", "退休"}},
	{topicFund, []string{"公积金"}},
	{topicJobs, []string{"失业补助", "创业", "就业", "求职", "见习", "高校毕业生", "失业登记", "招聘"}},
	{topicFinance, []string{"金融", "典当", "小额贷款", "融资担保", "私募", "QFLP", "交易场所", "担保贷款", "贴息"}},
	{topicTrade, []string{"海关", "通关", "进出口", "外贸", "外汇", "舱单", "仓单", "报关", "外商投资", "对外贸易", "口岸"}},
	{topicMedical, []string{"医保", "医疗保险", "医疗费用", "报销", "异地就医", "门诊", "住院", "医事服务费", "长护险", "长期护理"}},
	{topicHousing, []string{"房地产", "租房", "规划", "不动产", "房屋", "产权", "抵押", "建设工程", "施工", "土地", "测绘", "房产", "公租房", "住房保障", "租赁", "建筑", "商品房", "人才公寓", "住房"}},
	{topicTransport, []string{"验车", "交通事故", "事故证据", "地铁", "铁路", "充电桩", "驾驶", "机动车", "车辆", "小客车", "号牌", "进京证", "限行", "交通", "出租汽车", "网约车", "停车", "道路运输", "公交", "电动自行车", "船舶", "航道"}},
	{topicSafety, []string{"地震", "洪水", "暴雨", "火灾", "防汛", "应急", "安全生产", "危险化学品", "急救", "台风", "雷电", "泥石流", "滑坡", "避险", "消防", "烟花爆竹", "自救", "灾害"}},
	{topicCulture, []string{"体育", "运动", "文物", "博物馆", "旅游", "文化", "演出", "网吧", "出版", "广播电视", "健身", "体校", "比赛", "棋"}},
	{topicHealth, []string{"健康宝", "健康码", "挂号", "婚检", "避孕", "医院", "医疗机构", "医师", "护士", "药品", "医疗器械", "疫苗", "传染病", "核酸", "卫生", "母婴", "家庭医生", "化妆品"}},
	{topicEducation, []string{"学历", "学校", "入学", "幼儿园", "教育", "教师", "招生", "学籍", "中小学", "高考", "入园", "学位"}},
	{topicWelfare, []string{"结婚", "生育登记", "一孩", "托育", "婴幼儿", "养犬", "失能", "养老助残", "低收入", "低保", "救助", "养老服务", "老年人", "残疾人", "高龄", "特困", "殡葬", "婚姻", "收养", "慈善", "社会组织", "长者", "居家养老", "优待"}},
	{topicBorder, []string{"出入境", "护照", "港澳", "台湾", "外国人", "签证", "华侨", "归侨", "出境", "入境"}},
	{topicCity, []string{"水费", "电费", "自来水", "采暖", "环境", "环评", "排污", "垃圾", "绿化", "树木", "噪声", "城市管理", "户外广告", "牌匾", "供水", "排水", "燃气", "电力", "用电", "河道", "水土保持", "小广告", "公厕"}},
	{topicJustice, []string{"公证", "律师", "司法鉴定", "法律援助", "人民调解"}},
	{topicResidence, []string{"居住登记", "无犯罪记录", "户口", "户籍", "身份证", "居住证", "入户", "落户"}},
	{topicFarming, []string{"农业", "农村", "农民", "农机", "种子", "兽医", "渔业", "畜禽", "农药", "林业", "动物", "宅基地", "渔船", "林木"}},
}

// deptRules give a record the topic of its department when its own words
// match no rule. Matched as substrings of the department name.
var deptRules = []topicRule{
	{topicSafety, []string{"应急", "消防"}},
	{topicHousing, []string{"房地产", "租房", "规划", "自然资源", "住房和城乡建设", "住建", "不动产"}},
	{topicCulture, []string{"体育", "文化", "文物", "旅游", "广播", "新闻出版", "文广"}},
	{topicLabour, []string{"人力资源", "人社"}},
	{topicTech, []string{"科委", "科学技术", "科技", "知识产权"}},
	{topicTrade, []string{"海关", "通关", "进出口", "外贸", "外汇", "舱单", "仓单", "报关", "外商投资", "对外贸易", "口岸"}},
	{topicMedical, []string{"医保", "医疗保障"}},
	{topicTransport, []string{"交通", "交管", "海事"}},
	{topicFund, []string{"公积金"}},
	{topicHealth, []string{"药监", "药品", "卫生", "卫健", "中医"}},
	{topicCity, []string{"城市管理", "城管", "生态环境", "环境", "水务", "水利", "气象", "能源", "电网"}},
	{topicStartup, []string{"市场监督", "市场监管", "商务", "发展和改革", "经济和信息化", "工业和信息化", "经信", "经发", "烟草"}},
	{topicTax, []string{"税务", "财政"}},
	{topicEducation, []string{"教育"}},
	{topicWelfare, []string{"民政", "残疾人", "残联", "妇", "老龄", "社会组织"}},
	{topicResidence, []string{"公安"}},
	{topicJustice, []string{"司法", "法院"}},
	{topicFarming, []string{"农业", "林业", "渔业", "乡村"}},
	{topicFinance, []string{"金融", "银行", "银保监", "证监"}},
	{topicTrade, []string{"海关", "商务", "外汇"}},
	{topicBorder, []string{"外事", "侨务", "港澳"}},
}

// gdThemes maps the Guangdong portal's theme categories to browse topics.
var gdThemes = map[string]string{
	"社会保障（社会保险、社会救助）": topicSocial,
	"设立变更":   topicStartup,
	"准营准办":   topicStartup,
	"找工作":    topicJobs,
	"创业":     topicJobs,
	"就业创业":   topicJobs,
	"高校毕业生":  topicJobs,
	"失业":     topicJobs,
	"涉农补贴":   topicFarming,
	"农民":     topicFarming,
	"户籍办理":   topicResidence,
	"证件办理":   topicResidence,
	"迁居":     topicResidence,
	"离职退休":   topicSocial,
	"退休":     topicSocial,
	"老年人":    topicWelfare,
	"养老服务":   topicWelfare,
	"社会救助":   topicWelfare,
	"残疾人":    topicWelfare,
	"妇女":     topicWelfare,
	"结婚":     topicWelfare,
	"婚姻登记":   topicWelfare,
	"生育收养":   topicWelfare,
	"生小孩":    topicWelfare,
	"港澳台侨":   topicBorder,
	"外国人":    topicBorder,
	"出境入境":   topicBorder,
	"医疗卫生":   topicHealth,
	"纳税":     topicTax,
	"人才":     topicLabour,
	"职业资格":   topicLabour,
	"公共安全":   topicSafety,
	"规划建设":   topicHousing,
	"住房保障":   topicHousing,
	"买房子":    topicHousing,
	"抵押质押":   topicHousing,
	"升学":     topicEducation,
	"义务教育":   topicEducation,
	"儿童青少年":  topicEducation,
	"教育科研":   topicEducation,
	"司法公证":   topicJustice,
	"城市综合执法": topicCity,
	"环保绿化":   topicCity,
	"公用事业":   topicCity,
	"交通出行":   topicTransport,
	"知识产权":   topicTech,
	"旅游观光":   topicCulture,
	"文化体育":   topicCulture,
}

// tianheCategories maps the Tianhe knowledge base's categories.
var tianheCategories = map[string]string{
	"education":       topicEducation,
	"medical":         topicMedical,
	"housing":         topicHousing,
	"employment":      topicJobs,
	"social_security": topicSocial,
	"welfare":         topicWelfare,
	"elderly":         topicWelfare,
	"gov":             topicResidence,
}

// assignTopics returns the browse topics of a record: the source's own
// categories first, then keyword rules on its title and keywords, then its
// department, then topicOther.
func assignTopics(sourceTopics []string, title string, keywords []string, department string) []string {
	var out []string
	add := func(t string) {
		if t != "" && len(out) < maxTopicsPerRec {
			out = appendUnique(out, t)
		}
	}
	for _, t := range sourceTopics {
		add(t)
	}
	text := title + " " + strings.Join(keywords, " ")
	for _, r := range keywordRules {
		if containsAny(text, r.words) {
			add(r.topic)
		}
	}
	if len(out) == 0 {
		add(deptTopic(department))
	}
	if len(out) == 0 {
		add(topicOther)
	}
	return out
}

// deptTopic is the topic a department's name suggests, or "".
func deptTopic(department string) string {
	for _, r := range deptRules {
		if containsAny(department, r.words) {
			return r.topic
		}
	}
	return ""
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
