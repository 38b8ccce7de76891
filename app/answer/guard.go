package answer

import (
	"regexp"
	"strings"
	"unicode"
)

// Reasons a question or a generated answer is refused.
const (
	ReasonInjection = "injection"      // asks the kiosk to drop its rules or play another role
	ReasonSecrets   = "secrets"        // asks for the prompt, keys or configuration
	ReasonApproval  = "approval"       // asks the kiosk to approve or grant something
	ReasonLeak      = "prompt-leak"    // an answer repeats the system prompt
	ReasonKey       = "key-leak"       // an answer holds a key or configuration
	ReasonClaim     = "approval-claim" // an answer claims something was approved or granted
)

var inputRules = []struct {
	reason string
	re     *regexp.Regexp
}{
	{ReasonInjection, regexp.MustCompile(`(?i)(忽略|无视|忘记|忘掉|不要管|跳过|覆盖)(掉)?(你)?(之前|以上|上面|前面|先前|所有|全部|一切|你的|原来的|原有的|系统)?的?(所有)?(指令|指示|规则|设定|要求|提示|限制|约束|命令|内容)`)},
	{ReasonInjection, regexp.MustCompile(`(?i)\b(ignore|disregard|forget|override)\b.{0,20}\b(instructions?|rules|prompt|above|previous|prior)\b`)},
	{ReasonInjection, regexp.MustCompile(`(?i)(你现在是|现在你是|从现在(开始|起)你|扮演|假装你?是|切换(到|成)|进入|开启).{0,12}(模式|角色|身份|开发者|管理员|DAN|无限制|不受限制|越狱)`)},
	{ReasonInjection, regexp.MustCompile(`(?i)developer\s*mode|jailbreak|越狱|\bDAN\b|do anything now`)},
	{ReasonInjection, regexp.MustCompile(`(?i)(^|\n)\s*(system|assistant|系统)\s*[:：]|<\|?(im_start|system|im_end)\|?>|\[/?INST\]`)},
	{ReasonSecrets, regexp.MustCompile(`(?i)(系统|初始|隐藏|内部|原始)\s*(提示词|提示语|prompt|指令|设定)|提示词|system\s*prompt|your\s*(instructions|prompt|rules)`)},
	{ReasonSecrets, regexp.MustCompile(`(?i)(你的|你被|你收到的|给你的)(指令|设定|规则|提示词|配置|初始设置)`)},
	{ReasonSecrets, regexp.MustCompile(`(?i)(输出|打印|显示|告诉我|复述|重复|背诵|翻译|念出|说出|总结)\s*(一下)?\s*(你)?(上面|以上|前面|之前|最开始|开头)的?.{0,6}(内容|文字|话|指令|信息|规则)`)},
	{ReasonSecrets, regexp.MustCompile(`(?i)api[\s_-]*key|access[\s_-]*key|secret|密钥|秘钥|令牌|token|(你的|系统|后台|管理员)(密码|口令)|环境变量|配置文件|配置信息|后台配置|服务器地址|接口地址|模型名称|什么模型|哪个模型`)},
	{ReasonApproval, regexp.MustCompile(`(帮我|给我|替我|为我|你就|你直接|你马上|你现在就)(把[^，。？?]{0,10})?(审批|批准|核准|特批|批了|批一下|审核通过|审批通过|通过审批|通过审核|办结|盖章|开绿灯|免了)`)},
	{ReasonApproval, regexp.MustCompile(`(你|小服)(有权|能不能|能否|可不可以|可以|能)(帮我|给我)?(审批|批准|核准|特批)`)},
}

// CheckInput looks for prompt-injection attempts and requests the kiosk
// must refuse in a visitor's words, or in text read from a picture. It
// returns one of the Reason constants, or "" when the text is a plain
// question. It errs on the side of refusing: a refused honest question costs
// the visitor a rephrase, a followed injection costs the hall its trust.
func CheckInput(text string) string {
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) && r != '\n' {
			return -1
		}
		return r
	}, text)
	t = strings.ReplaceAll(t, "\u200b", "")
	for _, r := range inputRules {
		if r.re.MatchString(t) || r.re.MatchString(text) {
			return r.reason
		}
	}
	return ""
}

// claimRes find claims that the kiosk (or anyone) has approved or granted
// something, or promises an outcome. The kiosk only informs.
var claimRes = []*regexp.Regexp{
	regexp.MustCompile(`已经?(为您|给您|帮您|替您|为你|给你|帮你)[^，。！？,.!?]{0,6}(审批|批准|核准|通过|办结|办好|办理完成|办理完毕|发放|减免|免除|登记|受理|特批)`),
	regexp.MustCompile(`(为您|给您|帮您|替您|为你|给你|帮你)(审批|批准|核准|特批|开绿灯|免除|减免|盖章|办结)`),
	regexp.MustCompile(`(申请|资格|补贴|奖励|事项|执照|许可)(已经?|就|现在)(通过|获批|批准|核准|批下来|下来了|生效)`),
	regexp.MustCompile(`(审批|审核)(已经?)?通过了|已经?(审批|审核|核准|批准)通过|获批了|批下来了|(保证|一定|肯定|包)(能|可以|会)?(通过|获批|批下来|拿到补贴|审批通过)`),
}

var keyShape = regexp.MustCompile(`(?i)\b(sk|key|token)-[A-Za-z0-9_\-]{12,}|XIAOFU_[A-Z_]+|Bearer\s+\S{8,}|enable_thinking|compatible-mode`)

// outputGuard checks generated text before any of it is shown or spoken.
type outputGuard struct {
	windows map[string]bool // every promptWindow-rune stretch of the system prompt
	secrets []string
}

const promptWindow = 14

func newOutputGuard(systemPrompt string, allowed []string, secrets []string) *outputGuard {
	g := &outputGuard{windows: map[string]bool{}}
	for _, s := range secrets {
		if len(s) >= 4 {
			g.secrets = append(g.secrets, s)
		}
	}
	for _, w := range runeWindows(squash(systemPrompt), promptWindow) {
		g.windows[w] = true
	}
	// Wording the model is told to use, and the kiosk's own set lines, are
	// not a leak when they come back.
	for _, a := range allowed {
		for _, w := range runeWindows(squash(a), promptWindow) {
			delete(g.windows, w)
		}
	}
	return g
}

// squash drops spaces and punctuation so a leak cannot hide behind them.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

func runeWindows(s string, n int) []string {
	r := []rune(s)
	if len(r) < n {
		return nil
	}
	out := make([]string, 0, len(r)-n+1)
	for i := 0; i+n <= len(r); i++ {
		out = append(out, string(r[i:i+n]))
	}
	return out
}

// check returns a Reason constant when text must not reach the visitor.
func (g *outputGuard) check(text string) string {
	for _, s := range g.secrets {
		if strings.Contains(text, s) {
			return ReasonKey
		}
	}
	if keyShape.MatchString(text) {
		return ReasonKey
	}
	for _, w := range runeWindows(squash(text), promptWindow) {
		if g.windows[w] {
			return ReasonLeak
		}
	}
	for _, re := range claimRes {
		if re.MatchString(text) {
			return ReasonClaim
		}
	}
	return ""
}
