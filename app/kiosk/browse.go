package kiosk

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"xiaofu/app/ui"
	"xiaofu/localkb"
)

// kindNames are how record kinds read to a visitor.
var kindNames = map[string]string{
	localkb.KindFAQ:        "问答",
	localkb.KindGuide:      "办事指南",
	localkb.KindPolicy:     "政策",
	localkb.KindDepartment: "部门",
	localkb.KindDoc:        "文件",
	localkb.KindBundle:     "一件事",
}

// browseLimit caps a list so a department with hundreds of items still opens
// at once; the visitor can search for the rest.
const browseLimit = 120

func (k *Kiosk) openDepartments() {
	k.loadList("按部门查找", func() ([]string, error) {
		ctx, cancel := k.catalogCtx()
		defer cancel()
		return k.deps.Catalog.Departments(ctx)
	}, func(d string) {
		k.loadRecords(d, func() ([]localkb.Record, error) {
			ctx, cancel := k.catalogCtx()
			defer cancel()
			return k.deps.Catalog.ByDepartment(ctx, d, browseLimit)
		})
	})
}

func (k *Kiosk) openTopics() {
	k.loadList("按主题查找", func() ([]string, error) {
		ctx, cancel := k.catalogCtx()
		defer cancel()
		return k.deps.Catalog.Topics(ctx)
	}, func(t string) {
		k.loadRecords(t, func() ([]localkb.Record, error) {
			ctx, cancel := k.catalogCtx()
			defer cancel()
			return k.deps.Catalog.ByTopic(ctx, t, browseLimit)
		})
	})
}

// loadList fetches names off the Fyne goroutine and pushes them as tiles.
func (k *Kiosk) loadList(title string, load func() ([]string, error), open func(string)) {
	k.Touch()
	k.goAsync(func() {
		names, err := load()
		fyne.Do(func() {
			if err != nil {
				k.log.Warn("browse failed", "stage", "browse", "err", err)
				k.Push(title, ui.Wrapped("暂时无法读取本机知识库，请到"+k.cfg.HelpDesk+"咨询。"))
				return
			}
			grid := container.NewGridWithColumns(2)
			for _, n := range names {
				grid.Add(newTile(n, "", ui.HallSky, ui.HallInk, func() { open(n) }))
			}
			if len(names) == 0 {
				k.Push(title, ui.Wrapped("知识库里还没有分类。"))
				return
			}
			k.Push(title, container.NewVScroll(grid))
		})
	})
}

func (k *Kiosk) loadRecords(title string, load func() ([]localkb.Record, error)) {
	k.Touch()
	k.goAsync(func() {
		recs, err := load()
		fyne.Do(func() {
			if err != nil {
				k.log.Warn("browse failed", "stage", "browse", "err", err)
				k.Push(title, ui.Wrapped("暂时无法读取本机知识库，请到"+k.cfg.HelpDesk+"咨询。"))
				return
			}
			box := container.NewVBox()
			for _, r := range recs {
				sub := kindNames[r.Kind]
				if r.Department != "" && r.Department != title {
					sub += " · " + r.Department
				}
				box.Add(newTile(r.Title, sub, ui.HallPaper, ui.HallInk, func() { k.openRecord(r) }))
			}
			if len(recs) == 0 {
				box.Add(ui.Wrapped("这个分类下暂时没有内容。"))
			} else if len(recs) >= browseLimit {
				box.Add(ui.Wrapped(fmt.Sprintf("只列出前 %d 项，其余请在下方输入关键词查找。", browseLimit)))
			}
			k.Push(title, container.NewVScroll(box))
		})
	})
}

// openRecord shows one record on its own screen: the guide or bundle screen
// where the kiosk has one, otherwise a card with the record and its citation.
func (k *Kiosk) openRecord(r localkb.Record) {
	s := k.deps.Screens
	switch {
	case r.Kind == localkb.KindGuide && s.Guide != nil:
		k.Push("办事指南", s.Guide(k, r))
	case r.Kind == localkb.KindBundle && s.Bundle != nil:
		k.Push("一件事办理", s.Bundle(k, r))
	default:
		k.Push(kindNames[r.Kind], recordCard(r))
	}
	k.traceScreen("record", map[string]string{"id": r.ID, "kind": r.Kind})
}
