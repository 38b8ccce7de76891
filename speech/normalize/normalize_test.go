package normalize_test

import (
	"testing"

	"xiaofu/speech/normalize"
)

func TestNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "零", "7": "七", "10": "十", "15": "十五", "20": "二十", "110": "一百一十",
		"101": "一百零一", "1005": "一千零五", "1200": "一千二百", "10000": "一万",
		"10010": "一万零一十", "12345": "一万二千三百四十五", "100000": "十万",
		"1000000": "一百万", "50000000": "五千万", "100000000": "一亿",
		"200005000": "二亿零五千", "120000000": "一亿二千万", "3.05": "三点零五", "0.5": "零点五",
	} {
		if got := normalize.Number(in); got != want {
			t.Errorf("Number(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpeech(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain text unchanged", "请到一楼综合窗口取号。", "请到一楼综合窗口取号。"},
		{"citation marks dropped", "可以网上办理【政务问答-17】。依据见[1][2]。", "可以网上办理。依据见。"},
		{"footnote and source", "需要营业执照[^3]（来源：市场监管局）。", "需要营业执照。"},
		{"markdown", "## 所需材料\n- **营业执照**原件\n- 身份证`复印件`", "所需材料\n营业执照原件\n身份证复印件"},
		{"numbered list marker", "1. 填写申请表\n2. 提交材料", "填写申请表\n提交材料"},
		{"link keeps its words", "详见[浙里办](https://www.zjzwfw.gov.cn/a?b=1)。", "详见浙里办。"},
		{"bare url dropped", "网址是 https://www.gov.cn/zhengce/ 请查看", "网址是请查看"},
		{"html remnant", "受理<br/>审核", "受理审核"},
		{"mobile digit by digit", "联系电话13812345678。", "联系电话一三八，一二三四，五六七八。"},
		{"landline with area code", "咨询电话0571-87654321", "咨询电话零五七一，八七六五四三二一"},
		{"hotline", "请拨打12345热线", "请拨打一二三四五热线"},
		{"credit code", "统一社会信用代码91330106MA2XXXXX1K", "统一社会信用代码九一三三零一，零六MA二XXX，XX一K"},
		{"id card", "身份证号33010619900101123X", "身份证号三三零一零六，一九九零零一零一，一二三X"},
		{"date", "自2024年3月5日起施行", "自二零二四年三月五日起施行"},
		{"iso date", "截止2024-03-15", "截止二零二四年三月十五日"},
		{"year only", "2023年度", "二零二三年度"},
		{"month day", "每年6月30日前申报", "每年六月三十日前申报"},
		{"office hours", "工作时间9:00-17:30", "工作时间九点至十七点三十分"},
		{"document number", "杭政办〔2023〕12号", "杭政办二零二三年第十二号"},
		{"percent", "补贴比例为35%，最高50.5%", "补贴比例为百分之三十五，最高百分之五十点五"},
		{"money wan yuan", "最高补助500万元", "最高补助五百万元"},
		{"money yi", "总额1.5亿元", "总额一点五亿元"},
		{"yuan sign with separators", "收费¥1,200", "收费一千二百元"},
		{"grouped number", "共2,081条", "共二千零八十一条"},
		{"area unit", "面积不少于100㎡", "面积不少于一百平方米"},
		{"distance", "距离约1.5km", "距离约一点五公里"},
		{"day range", "3-5个工作日", "三至五个工作日"},
		{"ordinal", "第3号窗口", "第三号窗口"},
		{"long code spelled", "受理编号20240315001", "受理编号二零二四零三一五零零一"},
		{"leading zero spelled", "窗口007", "窗口零零七"},
		{"two of a kind", "需要2个工作日，提交2份材料，第2项", "需要两个工作日，提交两份材料，第二项"},
		{"twelve is not two", "12个月", "十二个月"},
		{"percent range", "比例为10%-20%", "比例为百分之十至百分之二十"},
		{"per month", "补贴500元/月", "补贴五百元每月"},
		{"full-width digits", "请拨打１２３４５，比例５０％", "请拨打一二三四五，比例百分之五十"},
		{"emoji dropped", "办好啦👍😀✅！", "办好啦！"},
		{"temperature", "室温26℃", "室温二十六摄氏度"},
		{"email", "发送至 help@example.gov.cn 即可", "发送至电子邮箱见屏幕即可"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := normalize.Speech(tc.in); got != tc.want {
				t.Errorf("Speech(%q)\n got  %q\n want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSpeechIsIdempotent(t *testing.T) {
	in := "自2024年3月5日起，补贴35%，电话13812345678【政务问答-1】"
	once := normalize.Speech(in)
	if twice := normalize.Speech(once); twice != once {
		t.Errorf("second pass changed %q to %q", once, twice)
	}
}

func BenchmarkSpeech(b *testing.B) {
	in := "自2024年3月5日起，符合条件的企业最高补助500万元，比例35%，咨询电话0571-87654321【政务问答-17】。"
	for b.Loop() {
		normalize.Speech(in)
	}
}
