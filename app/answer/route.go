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
