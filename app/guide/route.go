package guide

import (
	"strings"

	"xiaofu/localkb"
)

// Routes a question can call for; they match answer.Answer.Route.
const (
	RoutePolicy = "policy"
	RouteBundle = "bundle"
)

// policyWords are what visitors say when they ask what support they can get.
var policyWords = []string{"补贴", "补助", "扶持", "奖励", "资助", "政策匹配", "能申请哪些", "可以申请什么", "能享受", "贴息", "减免", "认定", "高新技术企业", "专精特新"}

// Route says which screen a visitor's question calls for: a bundle when it
// names a business event ("我想开个茶馆，要办哪些手续？" → bundle and its id),
// policy matching when it asks about support ("我们公司能申请哪些补贴？"),
// and "" otherwise, leaving the question to the answer engine.
func Route(text string, bundles []localkb.Record) (route, id string) {
	if b, ok := FindBundle(text, bundles); ok {
		return RouteBundle, b.ID
	}
	for _, w := range policyWords {
		if strings.Contains(text, w) {
			return RoutePolicy, ""
		}
	}
	return "", ""
}
