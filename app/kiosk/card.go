package kiosk

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"xiaofu/app/answer"
	"xiaofu/app/ui"
	"xiaofu/localkb"
)

// maxQuestionRunes bounds what a visitor can submit; longer text is cut
// rather than refused so nothing they typed is silently lost below the cap.
const maxQuestionRunes = 200

func trimQuestion(q string) string {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > maxQuestionRunes {
		q = string([]rune(q)[:maxQuestionRunes])
	}
	return q
}

func thinkingCard(q string) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	return container.NewVBox(questionBubble(q), ui.Card(container.NewVBox(ui.Wrapped("小服正在查找答案…"), bar)))
}

func questionBubble(q string) fyne.CanvasObject {
	l := ui.Wrapped("您问：" + q)
	l.TextStyle.Bold = true
	return l
}

// declineLine is what the kiosk says when nothing in the knowledge base
// answers: plainly, and where to go instead.
func declineLine(ans answer.Answer, helpDesk string) string {
	if strings.TrimSpace(ans.Text) != "" {
		return ans.Text
	}
	return "抱歉，本机知识库里没有找到能回答这个问题的内容。建议您到" + helpDesk + "咨询。"
}

// answerCard is the answer on screen: the answer, the tier badge and each
// source the answer rests on. A not-grounded answer shows no sources, so an
// unrelated record never looks like the answer.
func answerCard(ans answer.Answer, kioskOffline bool, helpDesk string) fyne.CanvasObject {
	items := []fyne.CanvasObject{questionBubble(ans.Question)}
	var badges []fyne.CanvasObject
	if kioskOffline || ans.Tier == answer.TierOffline {
		badges = append(badges, ui.Badge("离线副本", ui.HallOrange))
	}
	if ans.Tier == answer.TierFastPath {
		badges = append(badges, ui.Badge("知识库原文", ui.HallGreen))
	}
	if !ans.Grounded {
		badges = append(badges, ui.Badge("未找到答案", ui.HallRed))
	}
	body := []fyne.CanvasObject{}
	if len(badges) > 0 {
		body = append(body, container.NewHBox(badges...))
	}
	if ans.Grounded {
		body = append(body, ui.Wrapped(ans.Text))
	} else {
		body = append(body, ui.Wrapped(declineLine(ans, helpDesk)))
		body = append(body, ui.Wrapped("您也可以点“我要提诉求”留下问题，工作人员会联系您。"))
	}
	if ans.Note != "" {
		n := canvas.NewText(ans.Note, ui.HallMuted)
		n.TextSize = ui.CaptionSize
		body = append(body, n)
	}
	items = append(items, ui.Card(container.NewVBox(body...)))
	if ans.Grounded && len(ans.Citations) > 0 {
		items = append(items, sectionTitle("依据来源"))
		for i, c := range ans.Citations {
			items = append(items, citationRow(i+1, c))
		}
	}
	return container.NewVScroll(container.NewVBox(items...))
}

// citationRow shows one source: its title, who issued it, its date, its
// record id, and its link as a QR code for the visitor's phone.
func citationRow(n int, c answer.Citation) fyne.CanvasObject {
	title := ui.Wrapped(strconv.Itoa(n) + ". " + c.Title)
	title.TextStyle.Bold = true
	var meta []string
	if kn := kindNames[c.Kind]; kn != "" {
		meta = append(meta, kn)
	}
	if c.Issuer != "" {
		meta = append(meta, c.Issuer)
	}
	if c.Date != "" {
		meta = append(meta, c.Date)
	}
	meta = append(meta, "编号 "+c.ID)
	m := ui.Wrapped(strings.Join(meta, " · "))
	m.Importance = widget.LowImportance
	left := container.NewVBox(title, m)
	if q := qrImage(c.Link, 150); q != nil {
		hint := canvas.NewText("扫码查看原文", ui.HallMuted)
		hint.TextSize = 18
		return ui.Card(container.NewBorder(nil, nil, nil, container.NewVBox(q, hint), left))
	}
	return ui.Card(left)
}

// recordCard shows a record the visitor browsed to, with its citation.
func recordCard(r localkb.Record) fyne.CanvasObject {
	title := ui.Wrapped(r.Title)
	title.TextStyle.Bold = true
	items := []fyne.CanvasObject{title}
	if r.Body != "" {
		items = append(items, ui.Wrapped(r.Body))
	}
	if r.Dept != nil {
		if len(r.Dept.Windows) > 0 {
			items = append(items, ui.Wrapped("窗口："+strings.Join(r.Dept.Windows, "、")))
		}
		if len(r.Dept.Phones) > 0 {
			items = append(items, ui.Wrapped("电话："+strings.Join(r.Dept.Phones, "、")))
		}
		if r.Dept.Address != "" {
			items = append(items, ui.Wrapped("地址："+r.Dept.Address))
		}
	}
	issuer := r.Issuer
	if issuer == "" {
		issuer = r.Department
	}
	c := answer.Citation{ID: r.ID, Kind: r.Kind, Title: r.Title, Issuer: issuer, Date: r.Date, Link: r.Link}
	return container.NewVScroll(container.NewVBox(ui.Card(container.NewVBox(items...)), sectionTitle("来源"), citationRow(1, c)))
}

// qrImage renders link as a QR code, or nil when there is no usable link.
func qrImage(link string, size float32) fyne.CanvasObject {
	if !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
		return nil
	}
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return nil // too long for a QR code: the card still shows the title and id
	}
	ci := canvas.NewImageFromImage(q.Image(256))
	ci.FillMode = canvas.ImageFillContain
	ci.ScaleMode = canvas.ImageScalePixels
	ci.SetMinSize(fyne.NewSize(size, size))
	return ci
}

// firstSentences shortens text for the caption under the character, cutting
// at a sentence end where one falls within limit runes.
func firstSentences(text string, limit int) string {
	r := []rune(strings.TrimSpace(text))
	if len(r) <= limit {
		return string(r)
	}
	cut := limit
	for i := limit - 1; i > limit/3; i-- {
		if strings.ContainsRune("。！？；!?;", r[i]) {
			cut = i + 1
			break
		}
	}
	s := string(r[:cut])
	if cut == limit {
		s += "…"
	}
	return s
}
