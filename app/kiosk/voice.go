package kiosk

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/convo"
	"xiaofu/app/ui"
)

// Voice answers aloud. When the kiosk has one, typed and tapped questions go
// through it too, and its events (HandleEvent) drive the screen.
type Voice interface {
	// Text answers a typed or tapped question aloud; it blocks until the
	// answer has been spoken or the turn is interrupted.
	Text(ctx context.Context, q string) error
	// Talk starts listening for one utterance (push-to-talk).
	Talk()
	// Interrupt stops whatever the kiosk is hearing or saying.
	Interrupt()
	// Reset ends the visit: stops everything and forgets the conversation.
	Reset()
}

// voiceState is what the microphone button offers.
type voiceState int

const (
	voiceIdle      voiceState = iota // tap to talk
	voiceListening                   // tap to stop listening
	voiceBusy                        // thinking or speaking: tap to stop
)

func (k *Kiosk) buildMic() {
	k.micButton = widget.NewButtonWithIcon("说话", theme.MediaRecordIcon(), k.tapMic)
	k.micButton.Importance = widget.HighImportance
	if k.deps.Voice == nil {
		k.micButton.Hide()
	} else if l, ok := k.deps.Voice.(interface{ Listens() bool }); ok && !l.Listens() {
		k.micButton.Hide() // no microphone: the kiosk speaks but does not listen
	}
}

func (k *Kiosk) tapMic() {
	k.Touch()
	if k.deps.Voice == nil {
		return
	}
	switch k.voice {
	case voiceIdle:
		// Show listening at once: the capture path reports it again when
		// the microphone is really open.
		k.setVoiceState(voiceListening)
		k.SetMood(MoodListening)
		k.caption.SetText("我在听，请说…")
		k.deps.Voice.Talk()
	default:
		k.deps.Voice.Interrupt()
		k.setVoiceState(voiceIdle)
		k.SetMood(MoodIdle)
	}
}

func (k *Kiosk) setVoiceState(s voiceState) {
	k.voice = s
	switch s {
	case voiceIdle:
		k.micButton.SetText("说话")
		k.micButton.SetIcon(theme.MediaRecordIcon())
		k.micButton.Importance = widget.HighImportance
	case voiceListening:
		k.micButton.SetText("在听…")
		k.micButton.SetIcon(theme.MediaStopIcon())
		k.micButton.Importance = widget.DangerImportance
	case voiceBusy:
		k.micButton.SetText("停止")
		k.micButton.SetIcon(theme.MediaStopIcon())
		k.micButton.Importance = widget.WarningImportance
	}
	k.micButton.Refresh()
}

// askAloud sends a typed or tapped question through the voice.
func (k *Kiosk) askAloud(q string) {
	k.setVoiceState(voiceBusy)
	v := k.deps.Voice
	k.goAsync(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := v.Text(ctx, q); err != nil && ctx.Err() == nil && err != context.Canceled {
			k.log.Warn("spoken turn failed", "stage", "turn", "err", err)
		}
	})
}

// HandleEvent renders one event of the conversation; safe from any
// goroutine. Events of a turn older than the newest seen are ignored.
func (k *Kiosk) HandleEvent(ev convo.Event) {
	fyne.Do(func() { k.handleEvent(ev) })
}

func (k *Kiosk) handleEvent(ev convo.Event) {
	if ev.Kind == convo.EventTier {
		k.mu.Lock()
		k.tier = ev.Tier
		k.mu.Unlock()
		k.renderTier()
		return
	}
	if ev.Turn < k.turn {
		return
	}
	k.turn = ev.Turn
	k.Touch()
	switch ev.Kind {
	case convo.EventListening:
		k.setVoiceState(voiceListening)
		k.SetMood(MoodListening)
		k.caption.SetText("我在听，请说…")
		k.captions = nil
	case convo.EventPartial:
		k.caption.SetText(lastRunes(ev.Text, captionRunes))
	case convo.EventTranscript:
		k.setVoiceState(voiceBusy)
		k.captions = nil
		k.caption.SetText(firstSentences("您问："+ev.Text, captionRunes))
		k.stack = nil
		k.live = newLiveCard(ev.Text)
		k.Push("回答", k.live.obj)
	case convo.EventThinking:
		k.SetMood(MoodThinking)
	case convo.EventCaption:
		k.captions = append(k.captions, ev.Text)
		// The caption under the character stays short (the card has the
		// whole answer): a long sentence would grow the stage.
		k.caption.SetText(firstSentences(ev.Text, captionRunes))
		if k.live != nil {
			k.live.setText(strings.Join(k.captions, ""))
		}
	case convo.EventRetract:
		k.captions = nil
		if k.live != nil {
			k.live.setText("")
		}
	case convo.EventCitations:
		if ev.Answer != nil {
			k.live = nil
			k.renderAnswer(*ev.Answer, false)
		}
	case convo.EventSpeaking:
		k.SetMood(MoodSpeaking)
	case convo.EventDone:
		k.setVoiceState(voiceIdle)
		if k.lastGrounded {
			k.SetMood(MoodIdle)
		}
	case convo.EventError, convo.EventNotHeard:
		k.setVoiceState(voiceIdle)
		k.caption.SetText(ev.Text)
		k.SetMood(MoodSorry)
	case convo.EventTypeInstead:
		k.setVoiceState(voiceIdle)
		k.caption.SetText(ev.Text)
		k.SetMood(MoodSorry)
		k.keyboard.panel.Show()
		k.micButton.Disable()
		// Voice input is down; the button comes back when the visitor is
		// gone, and the conversation tries the recognizer again then.
	}
}

// captionRunes is about three lines under the character in either layout.
const captionRunes = 60

// lastRunes keeps the end of text, where a visitor's words are arriving.
func lastRunes(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return "…" + string(r[len(r)-n:])
}

// liveCard shows the answer's sentences as they are spoken, before the
// final card with its sources replaces it.
type liveCard struct {
	obj    fyne.CanvasObject
	status *widget.Label
	bar    *widget.ProgressBarInfinite
}

func newLiveCard(q string) *liveCard {
	l := &liveCard{status: ui.Wrapped("小服正在查找答案…"), bar: widget.NewProgressBarInfinite()}
	l.obj = container.NewVBox(questionBubble(q), ui.Card(container.NewVBox(l.status, l.bar)))
	return l
}

// setText shows the sentences spoken so far; empty text (a retracted
// answer) goes back to the searching state.
func (l *liveCard) setText(s string) {
	if s == "" {
		l.status.SetText("小服正在查找答案…")
		l.bar.Show()
		l.bar.Start()
		return
	}
	l.bar.Stop()
	l.bar.Hide()
	l.status.SetText(s)
}
