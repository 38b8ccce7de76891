package kiosk

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/ui/uitest"
	"xiaofu/avatar"
)

// TestStateScreens renders the kiosk in every state a visitor meets, in both
// orientations, with the real character, and checks each state shows what
// it should. With XIAOFU_UPDATE_SCREENS=1 it writes them to docs/screens.
func TestStateScreens(t *testing.T) {
	online := grounded
	online.Tier = answer.TierOnline
	online.Text = "您好！研发费用加计扣除不需要单独审批，企业在年度汇算清缴时自行申报享受，相关资料留存备查即可。"
	online.Citations = append(online.Citations, answer.Citation{ID: "11440000MB2C93221W4440119004000", Kind: "guide", Title: "企业研发费用加计扣除咨询", Issuer: "广东省科学技术厅", Link: "https://www.gdzwfw.gov.cn/"})
	offline := grounded
	offline.Tier = answer.TierOffline
	offline.Note = "网络暂时不通，以上答复来自本机离线知识库。"

	type state struct {
		name  string
		mood  avatar.State
		setup func(k *Kiosk)
		shows string
	}
	states := []state{
		{"idle", avatar.Attract, func(k *Kiosk) {}, "大家常问"},
		{"listening", avatar.Listening, func(k *Kiosk) {
			k.handleEvent(convo.Event{Kind: convo.EventListening, Turn: 1})
			k.handleEvent(convo.Event{Kind: convo.EventPartial, Turn: 1, Text: "我想问一下研发费用加计"})
		}, "我想问一下研发费用加计"},
		{"thinking", avatar.Thinking, func(k *Kiosk) {
			k.handleEvent(convo.Event{Kind: convo.EventTranscript, Turn: 1, Text: "我想问一下研发费用加计扣除怎么申请"})
			k.handleEvent(convo.Event{Kind: convo.EventThinking, Turn: 1})
		}, "小服正在查找答案"},
		{"speaking", avatar.Speaking, func(k *Kiosk) {
			k.handleEvent(convo.Event{Kind: convo.EventTranscript, Turn: 1, Text: "研发费用加计扣除怎么申请"})
			k.handleEvent(convo.Event{Kind: convo.EventCaption, Turn: 1, Text: "您好！研发费用加计扣除不需要单独审批，"})
			k.handleEvent(convo.Event{Kind: convo.EventSpeaking, Turn: 1})
		}, "不需要单独审批"},
		{"answer-online", avatar.Speaking, func(k *Kiosk) {
			k.SetTier(answer.TierOnline)
			k.handleEvent(convo.Event{Kind: convo.EventTranscript, Turn: 1, Text: online.Question})
			k.handleEvent(convo.Event{Kind: convo.EventCitations, Turn: 1, Answer: &online})
			k.handleEvent(convo.Event{Kind: convo.EventSpeaking, Turn: 1})
		}, "依据来源"},
		{"offline", avatar.Sorry, func(k *Kiosk) { k.renderAnswer(offline, true) }, "离线副本"},
		{"not-found", avatar.Sorry, func(k *Kiosk) { k.renderAnswer(unknown, true) }, "没有找到"},
		{"error", avatar.Sorry, func(k *Kiosk) {
			k.handleEvent(convo.Event{Kind: convo.EventTypeInstead, Turn: 1, Text: convo.TypeInstead})
		}, convo.TypeInstead},
	}
	for _, size := range []fyne.Size{{Width: 1080, Height: 1920}, {Width: 1920, Height: 1080}} {
		orient := "portrait"
		if size.Width > size.Height {
			orient = "landscape"
		}
		for _, st := range states {
			t.Run(orient+"/"+st.name, func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Width, cfg.Height = int(size.Width), int(size.Height)
				k, _, w := newTestKiosk(t, cfg)
				now := time.Unix(1_800_000_000, 0)
				av := avatar.NewWithOptions(avatar.Options{Manual: true, Now: func() time.Time { return now }})
				k.deps.Character = AvatarCharacter(av)
				k.deps.Voice = &fakeVoice{k: k}
				k.micButton.Show()
				k.build() // rebuild with the character in its slot
				w.SetContent(k.Content())
				w.Resize(size)
				st.setup(k)
				if got := av.State(); got != st.mood {
					t.Errorf("character is %v, want %v", got, st.mood)
				}
				for i := 0; i < 40; i++ { // let the transition settle
					now = now.Add(33 * time.Millisecond)
					av.Advance(now)
				}
				if !screenHas(w, st.shows) {
					t.Errorf("screen lacks %q: %q", st.shows, texts(w.Content()))
				}
				// Lay out what the state showed (the software painter of the
				// test canvas cannot draw a stroked rectangle never sized).
				w.Resize(size.AddWidthHeight(1, 1))
				w.Resize(size)
				uitest.Capture(t, w, "kiosk-"+orient+"-"+st.name+".png", uitest.UpdateScreens())
			})
		}
	}
}
