package kiosk

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"xiaofu/app/ui"
)

// fallbackHot are asked when the snapshot names no hot questions.
var fallbackHot = []string{
	"研发费用加计扣除怎么申请",
	"单位怎么办理住房公积金缴存登记",
	"高新技术企业认定需要什么条件",
	"企业怎么给员工办理社保登记",
}

func (k *Kiosk) buildHome() fyne.CanvasObject {
	meta := k.deps.Catalog.Meta()
	hot := meta.Hot
	if len(hot) == 0 {
		hot = fallbackHot
	}
	if len(hot) > 8 {
		hot = hot[:8]
	}
	greet := canvas.NewText("有什么可以帮您？", ui.HallNavy)
	greet.TextSize = ui.HeadingSize
	greet.TextStyle.Bold = true

	hotGrid := container.NewGridWithColumns(2)
	for _, q := range hot {
		hotGrid.Add(newTile(q, "", ui.HallSky, ui.HallInk, func() { k.Ask(q) }))
	}

	services := container.NewGridWithColumns(3)
	addService := func(label, sub string, open func()) {
		services.Add(newTile(label, sub, ui.HallPaper, ui.HallNavy, open))
	}
	addService("按部门查找", "各部门的事项与窗口", k.openDepartments)
	addService("按主题查找", "设立变更、社保、纳税…", k.openTopics)
	s := k.deps.Screens
	if s.Policy != nil {
		addService("政策匹配", "看看企业能享受哪些政策", func() { k.Push("政策匹配", s.Policy(k)) })
	}
	if s.Bundles != nil {
		addService("办事指南", "一件事：开店、招工、迁址要办什么", func() { k.Push("办事指南", s.Bundles(k)) })
	}
	if s.Picture != nil {
		addService("拍照提问", "用手机扫码传照片或执照", func() { k.Push("拍照提问", s.Picture(k)) })
	}
	if s.Request != nil {
		addService("我要提诉求", "反映问题，拿回执跟进", func() { k.Push("我要提诉求", s.Request(k, "")) })
	}
	if s.Lookup != nil {
		addService("查询诉求进度", "输入回执号查看进度", func() { k.Push("查询诉求进度", s.Lookup(k)) })
	}

	hotTitle := sectionTitle("大家常问")
	svcTitle := sectionTitle("办事服务")
	content := container.NewVBox(greet, hotTitle, hotGrid, svcTitle, services)
	return container.NewVScroll(content)
}

func sectionTitle(s string) fyne.CanvasObject {
	t := canvas.NewText(s, ui.HallBlue)
	t.TextSize = 28
	t.TextStyle.Bold = true
	bar := canvas.NewRectangle(ui.HallOrange)
	bar.SetMinSize(fyne.NewSize(8, 32))
	bar.CornerRadius = 4
	return container.NewPadded(container.NewHBox(bar, t))
}

func (k *Kiosk) catalogCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Second)
}
