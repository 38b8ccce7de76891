// Package profile builds an enterprise profile for policy matching from what
// a visitor can give: the 统一社会信用代码 (checked per GB 32100-2015), a
// spoken or typed description of the company, or the hall's enterprise
// profile endpoint.
package profile

import (
	"fmt"
	"strings"
	"unicode"
)

// creditAlphabet is GB 32100-2015's code alphabet: digits and capitals
// without I, O, Z, S and V, valued 0–30 in this order.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are GB 11714's weights for the eight body characters of an
// organisation code (positions 9–16 of a credit code).
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// Registration departments (first character) and, for market regulation,
// the kinds of entity (second character) that GB 32100-2015 assigns.
var creditDepts = map[byte]string{
	'1': "机构编制", '2': "外交", '3': "司法行政", '4': "文化", '5': "民政",
	'6': "旅游", '7': "宗教", '8': "工会", '9': "市场监管（工商）", 'A': "中央军委改革和编制办公室",
	'N': "农业", 'Y': "其他",
}

var marketKinds = map[byte]string{'1': "企业", '2': "个体工商户", '3': "农民专业合作社"}

// CreditCode is a checked 统一社会信用代码 split into its parts.
type CreditCode struct {
	Code    string `json:"code"`
	Dept    string `json:"dept"`     // 登记管理部门, e.g. 市场监管（工商）
	Kind    string `json:"kind"`     // 机构类别 where known, e.g. 企业
	Region  string `json:"region"`   // 登记管理机关行政区划码, six digits
	OrgCode string `json:"org_code"` // 主体标识码 (组织机构代码), nine characters
}

// CodeError says what is wrong with a credit code, in words a visitor
// understands; Pos is the 1-based character position at fault, 0 for the
// code as a whole.
type CodeError struct {
	Pos int
	Msg string
}

func (e *CodeError) Error() string { return e.Msg }

// NormalizeCreditCode removes spaces and dashes, turns full-width characters
// into half-width and lower case into capitals, as visitors type codes
// with the on-screen keyboard or read them off a licence.
func NormalizeCreditCode(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '！' && r <= '～' { // full-width ASCII block
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '-' || r == '　' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// ParseCreditCode checks a 统一社会信用代码 per GB 32100-2015: 18 characters
// of the code alphabet, a known registration department, a six-digit region
// code, an organisation code whose own check character is right (GB 11714),
// and the final check character. The error is a *CodeError in Chinese.
func ParseCreditCode(s string) (CreditCode, error) {
	code := NormalizeCreditCode(s)
	n := len([]rune(code))
	if n != 18 {
		return CreditCode{}, &CodeError{Msg: fmt.Sprintf("统一社会信用代码应为18位，您输入的是%d位，请核对营业执照", n)}
	}
	for i, r := range code {
		if !strings.ContainsRune(creditAlphabet, r) {
			msg := fmt.Sprintf("第%d位“%c”不是有效字符：代码只由数字和大写字母组成", i+1, r)
			if strings.ContainsRune("IOZSV", r) {
				msg = fmt.Sprintf("第%d位“%c”不会出现在信用代码中（代码不用 I、O、Z、S、V），请看看是不是数字 %s", i+1, r, lookAlike(r))
			}
			return CreditCode{}, &CodeError{Pos: i + 1, Msg: msg}
		}
	}
	dept, ok := creditDepts[code[0]]
	if !ok {
		return CreditCode{}, &CodeError{Pos: 1, Msg: fmt.Sprintf("第1位“%c”不是已有的登记管理部门代码", code[0])}
	}
	kind := ""
	if code[0] == '9' {
		kind = marketKinds[code[1]]
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return CreditCode{}, &CodeError{Pos: i + 1, Msg: fmt.Sprintf("第3–8位是登记机关的行政区划码，应为6位数字，第%d位却是“%c”", i+1, code[i])}
		}
	}
	if want := OrgCheckChar(code[8:16]); code[16] != want {
		return CreditCode{}, &CodeError{Pos: 17, Msg: fmt.Sprintf("第9–17位组织机构代码的校验位应为“%c”，实为“%c”，第9–17位中可能有一位输错了", want, code[16])}
	}
	if want := CreditCheckChar(code[:17]); code[17] != want {
		return CreditCode{}, &CodeError{Pos: 18, Msg: fmt.Sprintf("最后一位校验码应为“%c”，实为“%c”，可能有一位输错或两位顺序颠倒", want, code[17])}
	}
	return CreditCode{Code: code, Dept: dept, Kind: kind, Region: code[2:8], OrgCode: code[8:17]}, nil
}

func lookAlike(r rune) string {
	switch r {
	case 'I':
		return "1"
	case 'O':
		return "0"
	case 'Z':
		return "2"
	case 'S':
		return "5"
	}
	return "或其他字母（V 不使用）"
}

// CreditCheckChar computes the 18th character for the first 17 of a credit
// code: 31 minus the weighted sum mod 31, with 31 written as 0. It panics
// on characters outside the alphabet; callers check them first.
func CreditCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditAlphabet, first17[i]) * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditAlphabet[c]
}

// OrgCheckChar computes GB 11714's check character for an organisation
// code's eight body characters (digits 0–9, letters A–Z valued 10–35):
// 11 minus the weighted sum mod 11, 10 written X and 11 written 0.
func OrgCheckChar(body string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// RedactCreditCode keeps the department, kind and region of a code for logs
// and hides the part that identifies the enterprise.
func RedactCreditCode(code string) string {
	if len(code) < 8 {
		return "***"
	}
	return code[:8] + "**********"
}

// regionNames names the registration areas of the demo data's districts;
// other codes fall back to their province.
var regionNames = map[string]string{
	"330106": "浙江省杭州市西湖区", "330108": "浙江省杭州市滨江区", "330110": "浙江省杭州市余杭区", "330100": "浙江省杭州市",
	"440106": "广东省广州市天河区", "440100": "广东省广州市", "440300": "广东省深圳市",
	"310104": "上海市徐汇区", "310000": "上海市", "350100": "福建省福州市",
}

var provinceNames = map[string]string{
	"11": "北京市", "12": "天津市", "31": "上海市", "32": "江苏省", "33": "浙江省", "35": "福建省",
	"37": "山东省", "42": "湖北省", "44": "广东省", "50": "重庆市", "51": "四川省",
}

// RegionName names a six-digit region code: the district where it is known,
// else its province. ok is false for codes it cannot place.
func RegionName(code string) (name string, ok bool) {
	if n, ok := regionNames[code]; ok {
		return n, true
	}
	if len(code) >= 2 {
		if n, ok := provinceNames[code[:2]]; ok {
			return n, true
		}
	}
	return "", false
}
