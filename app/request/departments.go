package request

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"xiaofu/localkb"
)

// Department is a department of the hall a request item can be sent to.
type Department struct {
	Name    string
	Duties  string
	Aliases []string
	Windows []string
}

// HallDepartments picks the departments of the hall itself from knowledge-
// base records: those with windows in the hall. A knowledge base that lists
// no windows at all yields every department record.
func HallDepartments(recs []localkb.Record) []Department {
	var all, hall []Department
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Kind != localkb.KindDepartment || r.Title == "" || seen[r.Title] {
			continue
		}
		seen[r.Title] = true
		d := Department{Name: r.Title}
		if r.Dept != nil {
			d.Duties, d.Aliases, d.Windows = r.Dept.Duties, r.Dept.Aliases, r.Dept.Windows
		}
		all = append(all, d)
		if len(d.Windows) > 0 {
			hall = append(hall, d)
		}
	}
	if len(hall) > 0 {
		return hall
	}
	return all
}

// duty is what a kind of department handles, in words visitors use, and
// which message domains (the labels of the training messages) it serves.
// Hall knowledge bases rarely carry duties (the demo's window list has
// none), so these common duties of Chinese district departments stand in
// and are added to whatever the knowledge base says.
type duty struct {
	match    []string // a department whose name contains one of these
	keywords string   // space-separated
	domains  map[string]float64
}

var duties = []duty{
	{[]string{"住建", "住房和城乡建设", "房管"}, "住房 保障房 人才公寓 公租房 廉租房 物业 小区 房屋 建筑工地 施工 工程 建设 燃气 供暖 暖气 老旧小区 电梯 加装电梯 房地产 开发商 商品房 交房 房产 租房", map[string]float64{"城建": 1}},
	{[]string{"城管", "城市管理"}, "人行道 路面 井盖 路灯 占道 摊贩 违建 违章建筑 私搭乱建 垃圾 环卫 绿化 树木 广告牌 市容 渣土 破损 坑洼 破了 塌陷 共享单车 门前 街道 路边", map[string]float64{"城建": 0.9, "环保": 0.4, "交通": 0.3}},
	{[]string{"交通"}, "公交 公交车 地铁 公路 交通 出租车 网约车 客运 货运 运输 道路运输 红绿灯 拥堵 停车场 桥梁 线路 站点", map[string]float64{"交通": 1}},
	{[]string{"自然资源", "规划"}, "规划 土地 用地 拆迁 征地 宅基地 测绘 国土 林地 矿产 用地审批", map[string]float64{"城建": 0.6, "三农": 0.3}},
	{[]string{"不动产"}, "不动产 房产证 产权证 房本 过户 查封 抵押登记 不动产登记 水电气过户", map[string]float64{"城建": 0.4}},
	{[]string{"人社", "人力资源"}, "就业 招聘 工资 欠薪 拖欠工资 劳动合同 劳动仲裁 社保 养老保险 失业 工伤 人才 招工 用工 职称 技能培训 创业补贴 退休 稳岗", map[string]float64{"就业": 1, "企业": 0.3}},
	{[]string{"医保", "医疗保障"}, "医保 报销 医疗保险 药品 门诊 住院 异地就医 医保卡 参保", map[string]float64{"医疗": 0.8}},
	{[]string{"卫健", "卫生健康"}, "医院 医生 看病 疫苗 卫生 诊所 健康 防疫 核酸 母婴 食堂卫生 卫生许可", map[string]float64{"医疗": 1}},
	{[]string{"市场监管", "市场监督", "市监"}, "营业执照 执照 注册 公司登记 个体工商户 食品安全 食品经营 价格 消费 消费者 商标 质量 假冒 虚假广告 计量 特种设备 开公司 变更登记 注销", map[string]float64{"企业": 1, "政务": 0.2}},
	{[]string{"经发", "经济发展", "发改", "工信", "商务"}, "产业 项目 招商 投资 扶持 企业发展 融资 贷款 产业园 工业 数字经济 专精特新 政策兑现 营商环境 资金 银行", map[string]float64{"企业": 1, "金融": 0.7}},
	{[]string{"税务"}, "税 纳税 发票 退税 减税 个税 增值税 税收 税收优惠 申报 报税", map[string]float64{"企业": 0.5}},
	{[]string{"财政"}, "财政 补贴 奖补 专项资金 政府采购 融资担保 担保 贴息 非税 资金拨付", map[string]float64{"金融": 1, "企业": 0.4}},
	{[]string{"生态环境", "环保"}, "污染 排污 废气 废水 噪声 噪音 环评 环境 扬尘 异味 臭味 排放 油烟", map[string]float64{"环保": 1}},
	{[]string{"农业农村", "农业"}, "农业 农村 农民 种植 养殖 农田 合作社 农机 粮食 三农 乡村振兴 耕地 农产品", map[string]float64{"三农": 1}},
	{[]string{"水务", "水利"}, "供水 停水 自来水 水管 排水 下水道 污水 河道 防汛 积水 水费 水压", map[string]float64{"城建": 0.3, "三农": 0.2}},
	{[]string{"民政"}, "养老 养老院 低保 救助 婚姻登记 社会组织 殡葬 残疾 困难群众 孤儿 老年人", map[string]float64{"政务": 0.3}},
	{[]string{"应急"}, "安全生产 危险化学品 危化品 隐患 事故 应急 自然灾害 安全检查", map[string]float64{"治安": 0.2}},
	{[]string{"消防"}, "消防 火灾 消防通道 消防验收 灭火器 电动车充电 飞线充电 着火", nil},
	{[]string{"公安"}, "户口 户籍 身份证 治安 报警 诈骗 盗窃 打架 出入境 护照 签证 港澳通行证 刻章 印章 公章 交警 违停 扰民", map[string]float64{"治安": 1, "交通": 0.3, "政务": 0.3}},
	{[]string{"文广", "文化", "体育", "旅游", "文旅"}, "文化 体育 旅游 景区 图书馆 演出 健身 广电 出版 网吧 文物 球场 游客", map[string]float64{"文娱": 1, "旅游": 1}},
	{[]string{"教育"}, "学校 入学 学位 幼儿园 教师 老师 学生 中考 高考 课外 培训机构 学区 上学", map[string]float64{"教育": 1}},
	{[]string{"烟草"}, "烟草 卷烟 香烟 烟草专卖 烟草零售", nil},
	{[]string{"科技", "科委"}, "科技 高新技术企业 高企 研发 专利 知识产权 技术 科技型", map[string]float64{"企业": 0.4}},
	{[]string{"政务服务", "行政审批", "数据"}, "办事 窗口 政务服务 一网通办 审批 排队 服务态度", map[string]float64{"政务": 1}},
}

// profile is a department ready for scoring.
type profile struct {
	Department
	keywords []string
	domains  map[string]float64
}

func profiles(ds []Department) []profile {
	out := make([]profile, 0, len(ds))
	for _, d := range ds {
		p := profile{Department: d, domains: map[string]float64{}}
		kw := map[string]bool{}
		add := func(s string) {
			s = strings.TrimSpace(s)
			if utf8.RuneCountInString(s) >= 2 && !kw[s] {
				kw[s] = true
				p.keywords = append(p.keywords, s)
			}
		}
		names := append([]string{d.Name}, d.Aliases...)
		for _, n := range names {
			add(n)
			add(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "局"), "委"), "分中心"))
		}
		for _, du := range duties {
			if matchesAny(names, du.match) {
				for _, k := range strings.Fields(du.keywords) {
					add(k)
				}
				for dom, w := range du.domains {
					p.domains[dom] = max(p.domains[dom], w)
				}
			}
		}
		for _, f := range strings.FieldsFunc(d.Duties, func(r rune) bool {
			return strings.ContainsRune("，,、；;。：: \n", r)
		}) {
			if utf8.RuneCountInString(f) <= 8 { // a short phrase is a usable keyword
				add(f)
			}
		}
		out = append(out, p)
	}
	return out
}

func matchesAny(names, subs []string) bool {
	for _, n := range names {
		for _, s := range subs {
			if strings.Contains(n, s) {
				return true
			}
		}
	}
	return false
}

// DepartmentsFromSnapshot reads the department records of a snapshot (JSON
// Lines, as embedded in assets) and returns the hall's departments; the
// command line uses it when no knowledge-base database is at hand.
func DepartmentsFromSnapshot(data []byte) ([]Department, error) {
	var recs []localkb.Record
	for i, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.Contains(line, []byte(`"department"`)) {
			continue
		}
		var r localkb.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("departments: line %d: %w", i+1, err)
		}
		recs = append(recs, r)
	}
	ds := HallDepartments(recs)
	if len(ds) == 0 {
		return nil, ErrNoDepartments
	}
	return ds, nil
}

// DefaultOutboxPath keeps the outbox beside the knowledge base but in its own
// file, so a knowledge-base swap never touches queued requests.
func DefaultOutboxPath() string {
	return filepath.Join(filepath.Dir(localkb.DefaultDBPath()), "outbox.sqlite")
}
