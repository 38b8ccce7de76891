package answer

import (
	"regexp"

	"xiaofu/localkb"
)

// Routes an answer may suggest; the UI offers a button to the screen.
const (
	RouteGuide   = "guide"
	RouteBundle  = "bundle"
	RoutePolicy  = "policy"
	RouteRequest = "request"
)

// What the kiosk says when it opens a screen instead of answering from a
// record: the screen, not a stored answer, is what helps with these.
var routeLines = map[string]string{
	RouteBundle:  "办这件事要跑几个部门，我把要办的事项和材料按顺序列在屏幕上了，您可以对照着准备。",
	RoutePolicy:  "企业能申请哪些政策，要看企业自己的情况。我打开了政策匹配，您回答几个问题，就能看到可以申请的政策和依据。",
	RouteRequest: "这件事我帮您记下来，转给负责的部门处理。请在屏幕上补充一下情况，提交后会给您一个回执号。",
}

var (
	wantsRequest = regexp.MustCompile(`投诉|举报|反映|诉求|(提|有)(个|一个|点)?(建议|意见)|坏了|损坏|破损|噪音|扰民|积水|堵塞|不作为|推诿|乱收费|报修|维修`)
	wantsBundle  = regexp.MustCompile(`(开|办|成立|注册|新开|创办|经营)(个|一个|一家|家|间|一间)?[^，。？?]{0,6}(店|馆|厂|公司|餐厅|饭店|餐馆|超市|诊所|工作室|民宿|门店|企业|作坊|药房|书店)|(哪些|什么|全套|所有)(手续|证照|证件|事项)|一件事|一类事`)
	wantsPolicy  = regexp.MustCompile(`(补贴|补助|扶持|奖励|资助|奖补|优惠|减免|惠企|政策|高新|专精特新|贴息|退税)`)
	policyScope  = regexp.MustCompile(`(能|可以|可)(申请|享受|领|拿|申报)|哪些|有什么|有没有|符合|够不够|够格`)
)

// routeFor suggests the screen a question calls for, from its wording and
// the best hits. Requests win over everything: a visitor reporting a problem
// must not be sent to read a guide.
func routeFor(q string, hits []localkb.Hit) (route, id string) {
	firstOf := func(kind string) string {
		for _, h := range hits {
			if h.Record.Kind == kind {
				return h.Record.ID
			}
		}
		return ""
	}
	switch {
	case wantsRequest.MatchString(q):
		return RouteRequest, ""
	case wantsBundle.MatchString(q):
		return RouteBundle, firstOf(localkb.KindBundle)
	case wantsPolicy.MatchString(q) && policyScope.MatchString(q):
		return RoutePolicy, firstOf(localkb.KindPolicy)
	}
	if len(hits) > 0 && hits[0].Grounded {
		switch hits[0].Record.Kind {
		case localkb.KindGuide:
			return RouteGuide, hits[0].Record.ID
		case localkb.KindBundle:
			return RouteBundle, hits[0].Record.ID
		case localkb.KindPolicy:
			return RoutePolicy, hits[0].Record.ID
		}
	}
	return "", ""
}
