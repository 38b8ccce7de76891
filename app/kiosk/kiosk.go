// Package kiosk is the kiosk's window: the hall's header, the digital human's
// slot with its captions, the home screen with hot questions and browsing,
// the answer card, and the reset that wipes a visit when the visitor leaves.
// It only renders; answers come from an Asker and records from a Catalog.
package kiosk

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/answer"
	"xiaofu/app/ui"
)

type screen struct {
	title string
	obj   fyne.CanvasObject
}

// Kiosk is the window's content and the visit's state on screen. Its ui.Nav
// methods must run on the Fyne goroutine; SetTier, SetMood and Say may be
// called from anywhere.
type Kiosk struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	content   fyne.CanvasObject
	hallName  *canvas.Text
	tierSlot  *fyne.Container
	caption   *widget.Label
	panel     *fyne.Container
	screenBar *fyne.Container
	title     *canvas.Text
	entry     *widget.Entry
	askButton *widget.Button
	home      fyne.CanvasObject
	keyboard  *keyboard

	keyboardButton *widget.Button
	micButton      *widget.Button

	// Voice turn state, touched only on the Fyne goroutine.
	voice        voiceState
	turn         uint64
	captions     []string
	live         *liveCard
	lastGrounded bool

	stack []screen

	mu        sync.Mutex
	tier      string
	askCancel context.CancelFunc
	askSeq    int
	idleTimer *time.Timer
	inviting  *time.Timer // the rest-and-wave cycle while nobody is there
	trace     *os.File

	// goAsync runs background work; tests replace it to run inline.
	goAsync func(func())
	// now is the clock, injectable for tests.
	now func() time.Time
}

var _ ui.Nav = (*Kiosk)(nil)

// New builds the kiosk's content. Call Content to place it in a window.
func New(cfg Config, deps Deps, log *slog.Logger) *Kiosk {
	if log == nil {
		log = slog.Default()
	}
	k := &Kiosk{cfg: cfg, deps: deps, log: log.With("component", "kiosk"), goAsync: func(f func()) { go f() }, now: time.Now}
	k.tier = answer.TierOffline
	if deps.Tier != nil {
		k.tier = deps.Tier()
	}
	if cfg.TraceFile != "" {
		f, err := os.OpenFile(cfg.TraceFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			k.log.Warn("trace file not opened", "err", err)
		} else {
			k.trace = f
		}
	}
	k.build()
	k.rest()
	return k
}

// Content is the kiosk's whole window content.
func (k *Kiosk) Content() fyne.CanvasObject { return k.content }

// Entry is the question entry (for tests and the auto-ask hook).
func (k *Kiosk) Entry() *widget.Entry { return k.entry }

// AskButton is the button that submits the entry.
func (k *Kiosk) AskButton() *widget.Button { return k.askButton }

func (k *Kiosk) build() {
	meta := k.deps.Catalog.Meta()
	name := k.cfg.Hall
	if name == "" {
		name = meta.Hall
	}
	if name == "" {
		name = "企业综合服务中心"
	}
	k.hallName = canvas.NewText(name, ui.HallBlue)
	k.hallName.TextSize = 34
	k.hallName.TextStyle.Bold = true
	k.tierSlot = container.NewStack()
	k.renderTier()
	headerBg := canvas.NewRectangle(ui.HallBlue)
	headerBg.SetMinSize(fyne.NewSize(0, 4))
	logo := canvas.NewText("小服 · 智能导办", ui.HallMuted)
	logo.TextSize = ui.CaptionSize
	header := container.NewVBox(
		container.NewBorder(nil, nil, container.NewVBox(k.hallName, logo), container.NewCenter(k.tierSlot)),
		headerBg,
	)

	// The digital human's slot, with its caption underneath.
	var character fyne.CanvasObject = layout.NewSpacer()
	if k.deps.Character != nil {
		character = k.deps.Character.Object()
	}
	k.caption = ui.Wrapped("您好，我是小服。请点一个常见问题，或在下方输入您想问的事。")
	k.caption.Alignment = fyne.TextAlignCenter
	captionBg := canvas.NewRectangle(ui.HallSky)
	captionBg.CornerRadius = ui.CornerRadius
	captionBox := container.NewStack(captionBg, container.NewPadded(k.caption))
	stage := container.NewBorder(nil, captionBox, nil, nil, character)

	// The panel shows the home screen or a pushed screen under a bar with
	// the back button and the screen's title.
	k.title = canvas.NewText("", ui.HallNavy)
	k.title.TextSize = 32
	k.title.TextStyle.Bold = true
	back := ui.BigButton("返回", widget.MediumImportance, k.Back)
	back.Icon = theme.NavigateBackIcon()
	homeBtn := ui.BigButton("首页", widget.MediumImportance, k.Home)
	homeBtn.Icon = theme.HomeIcon()
	k.screenBar = container.NewBorder(nil, nil, back, homeBtn, container.NewCenter(k.title))
	k.screenBar.Hide()
	k.home = k.buildHome()
	k.panel = container.NewStack(k.home)

	// The question bar stays at the bottom on every screen.
	k.entry = widget.NewEntry()
	k.entry.SetPlaceHolder("请输入您的问题，例如：怎么办理营业执照")
	k.entry.OnSubmitted = func(string) { k.submitEntry() }
	if k.trace != nil {
		// The window test checks what its key presses typed before it
		// submits; never in production, where typed text stays private.
		k.entry.OnChanged = func(s string) { k.traceScreen("typing", s) }
	}
	k.askButton = ui.BigButton("提问", widget.HighImportance, k.submitEntry)
	k.askButton.Icon = theme.SearchIcon()
	k.keyboard = newKeyboard(k)
	k.keyboardButton = ui.BigButton("键盘", widget.MediumImportance, k.keyboard.toggle)
	k.keyboardButton.Icon = theme.ListIcon()
	k.buildMic()
	askBar := container.NewBorder(nil, nil, k.keyboardButton, container.NewHBox(k.askButton, k.micButton), ui.Tall(k.entry))
	barBg := canvas.NewRectangle(ui.HallSky)
	bottom := container.NewStack(barBg, container.NewPadded(container.NewVBox(k.keyboard.panel, askBar)))

	body := container.New(&stageLayout{}, stage, container.NewBorder(k.screenBar, nil, nil, nil, k.panel))
	k.content = container.NewBorder(container.NewPadded(header), bottom, nil, nil, container.NewPadded(body))
}

func (k *Kiosk) submitEntry() {
	q := k.entry.Text
	k.entry.SetText("")
	k.Ask(q)
}

// Push implements ui.Nav.
func (k *Kiosk) Push(title string, content fyne.CanvasObject) {
	k.Touch()
	k.stack = append(k.stack, screen{title: title, obj: content})
	k.show()
}

// Back implements ui.Nav.
func (k *Kiosk) Back() {
	k.Touch()
	if len(k.stack) > 0 {
		k.stack = k.stack[:len(k.stack)-1]
	}
	k.show()
}

// Home implements ui.Nav.
func (k *Kiosk) Home() {
	k.Touch()
	k.stack = nil
	k.show()
}

func (k *Kiosk) show() {
	if len(k.stack) == 0 {
		k.screenBar.Hide()
		k.panel.Objects = []fyne.CanvasObject{k.home}
		k.panel.Refresh()
		k.traceScreen("home", nil)
		return
	}
	top := k.stack[len(k.stack)-1]
	k.title.Text = top.title
	k.title.Refresh()
	k.screenBar.Show()
	k.panel.Objects = []fyne.CanvasObject{top.obj}
	k.panel.Refresh()
}

// Say implements ui.Nav: the caption shows the line (its first sentences,
// so a long summary cannot grow the stage) and the character mouths it.
func (k *Kiosk) Say(text string) {
	k.caption.SetText(firstSentences(text, captionRunes))
	if k.deps.Character != nil {
		k.deps.Character.Say(text)
	}
}

// Celebrate implements ui.Nav.
func (k *Kiosk) Celebrate() { k.SetMood(MoodHappy) }

// Sorry implements ui.Nav.
func (k *Kiosk) Sorry() { k.SetMood(MoodSorry) }

// SetMood sets the character's mood; safe from any goroutine.
func (k *Kiosk) SetMood(m Mood) {
	if k.deps.Character != nil {
		k.deps.Character.SetMood(m)
	}
}

// SetTier updates the online/offline badge; safe from any goroutine.
func (k *Kiosk) SetTier(tier string) {
	k.mu.Lock()
	changed := k.tier != tier
	k.tier = tier
	k.mu.Unlock()
	if changed {
		fyne.Do(k.renderTier)
	}
}

func (k *Kiosk) currentTier() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tier
}

func (k *Kiosk) renderTier() {
	if k.currentTier() == answer.TierOnline {
		k.tierSlot.Objects = []fyne.CanvasObject{ui.Badge("在线", ui.HallGreen)}
	} else {
		k.tierSlot.Objects = []fyne.CanvasObject{ui.Badge("离线模式 · 使用本机知识库", ui.HallOrange)}
	}
	k.tierSlot.Refresh()
}

// Ask answers a question: the thinking state at once, then the answer card.
// Must be called on the Fyne goroutine.
func (k *Kiosk) Ask(question string) {
	q := trimQuestion(question)
	if q == "" {
		return
	}
	k.Touch()
	if k.deps.Voice != nil {
		k.askAloud(q)
		return
	}
	k.mu.Lock()
	if k.askCancel != nil {
		k.askCancel() // a newer question replaces one still being answered
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	k.askCancel = cancel
	k.askSeq++
	seq := k.askSeq
	k.mu.Unlock()

	k.SetMood(MoodThinking)
	k.caption.SetText(firstSentences("您问："+q, captionRunes))
	k.stack = nil
	k.Push("回答", thinkingCard(q))
	k.goAsync(func() {
		ans, err := k.deps.Asker.Ask(ctx, q)
		cancel()
		fyne.Do(func() {
			k.mu.Lock()
			stale := seq != k.askSeq
			k.mu.Unlock()
			if stale {
				return // the visitor asked something else, or left
			}
			if err != nil {
				k.log.Warn("ask failed", "stage", "ask", "err", err)
				ans = answer.Answer{Question: q, Text: "抱歉，系统刚才出了点问题，没能查到答案。", Tier: answer.TierOffline}
			}
			k.renderAnswer(ans, true)
		})
	})
}

// renderAnswer shows the answer card. say is true when no voice speaks the
// answer, so the character mouths it and the caption shows it. An answer
// that routes to a screen (a bundle, policy matching, a request) without a
// record to cite opens that screen alone: no card with nothing on it.
func (k *Kiosk) renderAnswer(ans answer.Answer, say bool) {
	offline := k.currentTier() != answer.TierOnline
	k.lastGrounded = ans.Grounded
	routed := !ans.Grounded && k.canRoute(ans)
	k.stack = nil
	if !routed {
		k.Push("回答", answerCard(ans, offline, k.cfg.HelpDesk))
	}
	k.traceScreen("answer", ans)
	spoken := ans.Text
	switch {
	case routed:
		k.SetMood(MoodSpeaking)
	case !ans.Grounded:
		spoken = declineLine(ans, k.cfg.HelpDesk)
		k.SetMood(MoodSorry)
	case offline:
		k.SetMood(MoodSorry)
	default:
		k.SetMood(MoodSpeaking)
	}
	if say {
		k.caption.SetText(firstSentences(spoken, captionRunes))
		if k.deps.Character != nil {
			k.deps.Character.Say(spoken)
		}
	}
	if ans.Grounded || routed {
		k.openRoute(ans)
	}
}

// canRoute says whether the kiosk has the screen an answer routes to.
func (k *Kiosk) canRoute(ans answer.Answer) bool {
	s := k.deps.Screens
	switch ans.Route {
	case "policy":
		return s.Policy != nil
	case "request":
		return s.Request != nil
	case "bundle", "guide":
		return ans.RouteID != ""
	}
	return false
}

// openRoute opens the service screen an answer calls for, if the kiosk has it.
func (k *Kiosk) openRoute(ans answer.Answer) {
	s := k.deps.Screens
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	switch ans.Route {
	case "policy":
		if s.Policy != nil {
			k.Push("政策匹配", s.Policy(k))
		}
	case "request":
		if s.Request != nil {
			k.Push("我要提诉求", s.Request(k, ans.Question))
		}
	case "bundle", "guide":
		if ans.RouteID == "" {
			return
		}
		rec, err := k.deps.Catalog.Get(ctx, ans.RouteID)
		if err != nil {
			k.log.Warn("route record missing", "id", ans.RouteID, "err", err)
			return
		}
		k.openRecord(rec)
	}
}

// Touch implements ui.Nav: the visitor is still there.
func (k *Kiosk) Touch() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.idleTimer != nil {
		k.idleTimer.Stop()
	}
	k.idleTimer = time.AfterFunc(k.cfg.IdleReset, func() { fyne.Do(k.Reset) })
	k.stopInviting()
}

// While nobody is there the character rests (idle: breathing, blinking)
// and every inviteEvery waves and says hello for inviteFor (attract).
// Waving all the time cost 45% of a core in a 1080x1920 window under
// software GL, resting 11%: inviting now and then keeps most of the draw
// from the hall and most of the saving.
const (
	inviteEvery = 40 * time.Second
	inviteFor   = 6 * time.Second
)

// startInviting begins the rest-and-wave cycle. Called with k.mu held.
func (k *Kiosk) startInviting() {
	k.stopInviting()
	seq := k.askSeq
	var wave func()
	wave = func() {
		fyne.Do(func() {
			k.mu.Lock()
			current := seq == k.askSeq && k.inviting != nil
			k.mu.Unlock()
			if !current {
				return
			}
			k.SetMood(MoodAttract)
			time.AfterFunc(inviteFor, func() {
				fyne.Do(func() {
					k.mu.Lock()
					current := seq == k.askSeq && k.inviting != nil
					k.mu.Unlock()
					if current {
						k.SetMood(MoodIdle)
					}
				})
			})
		})
	}
	k.inviting = time.AfterFunc(inviteEvery, func() {
		wave()
		k.mu.Lock()
		if k.inviting != nil {
			k.inviting.Reset(inviteEvery)
		}
		k.mu.Unlock()
	})
}

// rest says hello once, then lets the character rest and wave now and then
// until a visitor touches the screen.
func (k *Kiosk) rest() {
	k.SetMood(MoodAttract)
	k.mu.Lock()
	k.startInviting()
	k.mu.Unlock()
	time.AfterFunc(inviteFor, func() {
		fyne.Do(func() {
			k.mu.Lock()
			resting := k.inviting != nil
			k.mu.Unlock()
			if resting {
				k.SetMood(MoodIdle)
			}
		})
	})
}

// stopInviting ends the cycle: a visitor is there. Called with k.mu held.
func (k *Kiosk) stopInviting() {
	if k.inviting != nil {
		k.inviting.Stop()
		k.inviting = nil
	}
}

// Reset wipes the visit: the conversation on screen, the entry, the answer
// context and anything else that holds visit data; then the home screen and
// the attract state. Must run on the Fyne goroutine.
func (k *Kiosk) Reset() {
	k.mu.Lock()
	if k.askCancel != nil {
		k.askCancel()
		k.askCancel = nil
	}
	k.askSeq++
	if k.idleTimer != nil {
		k.idleTimer.Stop()
		k.idleTimer = nil
	}
	k.mu.Unlock()
	k.stack = nil
	k.entry.SetText("")
	k.keyboard.hide()
	k.caption.SetText("您好，我是小服。请点一个常见问题，或在下方输入您想问的事。")
	if k.deps.Asker != nil {
		k.deps.Asker.Reset()
	}
	if k.deps.Voice != nil {
		k.deps.Voice.Reset()
		k.micButton.Enable()
		k.setVoiceState(voiceIdle)
	}
	k.turn, k.captions, k.live = 0, nil, nil
	if k.deps.OnReset != nil {
		k.deps.OnReset()
	}
	k.show()
	k.rest()
	k.log.Info("visit wiped", "stage", "reset")
}

// traceScreen appends what is on screen to the trace file (tests only).
func (k *Kiosk) traceScreen(name string, ans any) {
	if k.trace == nil {
		return
	}
	line, _ := json.Marshal(map[string]any{"screen": name, "answer": ans, "at": k.now().Format(time.RFC3339Nano)})
	k.trace.Write(append(line, '\n'))
}
