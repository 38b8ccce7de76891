package answer

import (
	"fmt"
	"regexp"
	"strings"

	"xiaofu/localkb"
)

// recordFacts is everything a record says, as plain lines, for the prompt.
func recordFacts(r localkb.Record) string {
	var lines []string
	add := func(label, v string) {
		if v = strings.TrimSpace(v); v != "" {
			lines = append(lines, label+v)
		}
	}
	add("", r.Body)
	if g := r.Guide; g != nil {
		add("事项类型：", g.Type)
		add("办理对象：", strings.Join(g.Objects, "、"))
		add("受理条件：", g.Conditions)
		add("所需材料：", numbered(g.Materials))
		add("办理流程：", numbered(g.Steps))
		if g.LegalDays > 0 {
			add("法定办结时限：", fmt.Sprintf("%d个工作日", g.LegalDays))
		}
		if g.PromisedDays > 0 {
			add("承诺办结时限：", fmt.Sprintf("%d个工作日", g.PromisedDays))
		}
		add("收费：", g.Fee)
		add("办理地点：", strings.TrimSpace(g.Place+" "+g.Window))
		add("咨询电话：", g.Phone)
		add("网上办理：", g.OnlineURL)
	}
	if p := r.Policy; p != nil {
		add("层级：", p.Level)
		add("扶持内容：", p.Benefit)
		if p.ValidFrom != "" || p.ValidTo != "" {
			add("有效期：", p.ValidFrom+"至"+p.ValidTo)
		}
		var conds []string
		for _, c := range p.Conditions {
			conds = append(conds, c.Text)
		}
		add("申报条件：", numbered(conds))
	}
	if d := r.Dept; d != nil {
		add("职责：", d.Duties)
		add("窗口：", strings.Join(d.Windows, "、"))
		add("电话：", strings.Join(d.Phones, "、"))
		add("地址：", d.Address)
	}
	if d := r.Doc; d != nil {
		add("文号：", d.Number)
		add("条款：", strings.Join(d.Clauses, " "))
	}
	if b := r.Bundle; b != nil {
		var steps []string
		for _, s := range b.Steps {
			steps = append(steps, firstNonEmpty(s.Note, s.ItemID))
		}
		add("需办事项：", numbered(steps))
	}
	return strings.Join(lines, "\n")
}

func numbered(items []string) string {
	var b strings.Builder
	n := 0
	for _, it := range items {
		if it = strings.TrimSpace(it); it == "" {
			continue
		}
		n++
		if n > 1 {
			b.WriteString("；")
		}
		fmt.Fprintf(&b, "%d.%s", n, it)
	}
	return b.String()
}

// Aspects of a service item a follow-up question may ask about.
var (
	askMaterials = regexp.MustCompile(`材料|资料|证件|带什么|准备什么|要带|提交什么`)
	askTime      = regexp.MustCompile(`多久|多长时间|几天|时限|多少天|什么时候能|多快`)
	askPlace     = regexp.MustCompile(`在哪|哪里|哪儿|什么地方|窗口|地址|几楼|去哪`)
	askPhone     = regexp.MustCompile(`电话|热线|联系方式|号码`)
	askFee       = regexp.MustCompile(`收费|费用|多少钱|要钱|花钱|免费`)
	askSteps     = regexp.MustCompile(`流程|步骤|怎么办|如何办|怎么申请|程序`)
	askOnline    = regexp.MustCompile(`网上|线上|网办|手机上|小程序|在线`)
	askWho       = regexp.MustCompile(`谁能|哪些人|什么人|条件|资格|能不能办`)
)

// directText is a record read out as the answer, shaped by what the
// question asks when the record is a service guide ("那需要什么材料？"
// answers with the materials, not the whole guide).
func directText(r localkb.Record, q string) string {
	if g := r.Guide; g != nil {
		t := r.Title
		switch {
		case askMaterials.MatchString(q) && len(g.Materials) > 0:
			return fmt.Sprintf("办理%s需要准备这些材料：%s。", t, numbered(g.Materials))
		case askTime.MatchString(q) && (g.PromisedDays > 0 || g.LegalDays > 0):
			s := t
			if g.LegalDays > 0 {
				s += fmt.Sprintf("法定办结时限是%d个工作日", g.LegalDays)
			}
			if g.PromisedDays > 0 {
				if g.LegalDays > 0 {
					s += "，"
				}
				s += fmt.Sprintf("承诺%d个工作日办结", g.PromisedDays)
			}
			return s + "。"
		case askPlace.MatchString(q) && (g.Place != "" || g.Window != ""):
			return fmt.Sprintf("%s的办理地点是%s。", t, strings.TrimSpace(g.Place+" "+g.Window))
		case askPhone.MatchString(q) && g.Phone != "":
			return fmt.Sprintf("%s的咨询电话是%s。", t, g.Phone)
		case askFee.MatchString(q) && g.Fee != "":
			return fmt.Sprintf("%s的收费情况：%s。", t, strings.TrimRight(g.Fee, "。"))
		case askSteps.MatchString(q) && len(g.Steps) > 0:
			return fmt.Sprintf("%s的办理流程是：%s。", t, numbered(g.Steps))
		case askOnline.MatchString(q) && g.OnlineURL != "":
			return fmt.Sprintf("%s可以在网上办理，网址是%s。", t, g.OnlineURL)
		case askWho.MatchString(q) && (g.Conditions != "" || len(g.Objects) > 0):
			s := t
			if len(g.Objects) > 0 {
				s += "的办理对象是" + strings.Join(g.Objects, "、") + "。"
			}
			if g.Conditions != "" {
				s += "受理条件：" + strings.TrimRight(g.Conditions, "。") + "。"
			}
			return s
		}
		if strings.TrimSpace(r.Body) != "" {
			return r.Body
		}
		return guideSummary(r)
	}
	if strings.TrimSpace(r.Body) != "" {
		return r.Body
	}
	if p := r.Policy; p != nil && p.Benefit != "" {
		return r.Title + "：" + p.Benefit
	}
	if d := r.Dept; d != nil {
		s := r.Title
		if d.Duties != "" {
			s += "负责" + strings.TrimRight(d.Duties, "。") + "。"
		}
		if len(d.Windows) > 0 {
			s += "窗口：" + strings.Join(d.Windows, "、") + "。"
		}
		if len(d.Phones) > 0 {
			s += "电话：" + strings.Join(d.Phones, "、") + "。"
		}
		return s
	}
	return recordFacts(r)
}

func guideSummary(r localkb.Record) string {
	g := r.Guide
	s := r.Title
	if r.Department != "" {
		s += "由" + r.Department + "办理"
	}
	if g.Place != "" || g.Window != "" {
		s += "，地点在" + strings.TrimSpace(g.Place+" "+g.Window)
	}
	if g.PromisedDays > 0 {
		s += fmt.Sprintf("，承诺%d个工作日办结", g.PromisedDays)
	}
	if len(g.Materials) > 0 {
		s += fmt.Sprintf("，需要准备%d项材料", len(g.Materials))
	}
	return s + "。"
}

// citationOf is the card entry for a record.
func citationOf(r localkb.Record) Citation {
	return Citation{ID: r.ID, Kind: r.Kind, Title: r.Title, Issuer: firstNonEmpty(r.Issuer, r.Department), Date: r.Date, Link: r.Link}
}
