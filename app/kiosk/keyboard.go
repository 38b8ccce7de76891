package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/ui"
)

// A kiosk has no physical keyboard and no input method of its own, so the
// on-screen keyboard offers what a visitor can compose by touch: the words
// enterprise questions are made of, digits for phone numbers and ticket
// numbers, and capital letters for 统一社会信用代码. Free Chinese text comes
// by voice or from the panel's system input method when one is installed.

// keyboardWords are the building blocks of most questions at the hall.
var keyboardWords = []string{
	"营业执照", "公司注册", "变更登记", "注销", "社保", "公积金", "医保", "税务",
	"发票", "研发费用", "加计扣除", "高新技术企业", "专精特新", "补贴", "创业", "贷款",
	"招聘", "劳动合同", "食品经营许可", "消防", "环评", "不动产", "人才", "落户",
	"怎么办理", "需要什么材料", "什么条件", "多久能办好", "在哪里办", "电话", "收费吗", "网上办",
}

// keyboard is the on-screen keyboard. It types into whichever entry has the
// focus, falling back to the question entry.
type keyboard struct {
	k     *Kiosk
	panel *fyne.Container
}

func newKeyboard(k *Kiosk) *keyboard {
	kb := &keyboard{k: k}
	words := container.NewGridWithColumns(4)
	for _, w := range keyboardWords {
		words.Add(ui.BigButton(w, widget.MediumImportance, func() { kb.typeText(w) }))
	}
	digits := container.NewGridWithColumns(6)
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "，"} {
		digits.Add(ui.BigButton(d, widget.MediumImportance, func() { kb.typeText(d) }))
	}
	letters := container.NewGridWithColumns(9)
	// 统一社会信用代码 uses digits and capitals without I, O, Z, S, V.
	for _, l := range "ABCDEFGHJKLMNPQRTUWXY" {
		letters.Add(ui.BigButton(string(l), widget.MediumImportance, func() { kb.typeText(string(l)) }))
	}
	del := ui.BigButton("删除", widget.WarningImportance, kb.backspace)
	clear := ui.BigButton("清空", widget.MediumImportance, kb.clear)
	done := ui.BigButton("收起键盘", widget.MediumImportance, kb.hide)
	tabs := container.NewAppTabs(
		container.NewTabItem("常用词", words),
		container.NewTabItem("数字", digits),
		container.NewTabItem("字母", letters),
	)
	kb.panel = container.NewBorder(nil, container.NewGridWithColumns(3, del, clear, done), nil, nil, tabs)
	kb.panel.Hide()
	return kb
}

func (kb *keyboard) target() *widget.Entry {
	if c := fyne.CurrentApp().Driver().CanvasForObject(kb.k.content); c != nil {
		if e, ok := c.Focused().(*widget.Entry); ok {
			return e
		}
	}
	return kb.k.entry
}

func (kb *keyboard) typeText(s string) {
	kb.k.Touch()
	e := kb.target()
	for _, r := range s {
		e.TypedRune(r)
	}
}

func (kb *keyboard) backspace() {
	kb.k.Touch()
	kb.target().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
}

func (kb *keyboard) clear() {
	kb.k.Touch()
	kb.target().SetText("")
}

func (kb *keyboard) toggle() {
	kb.k.Touch()
	if kb.panel.Visible() {
		kb.hide()
		return
	}
	kb.panel.Show()
}

func (kb *keyboard) hide() { kb.panel.Hide() }
