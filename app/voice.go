package app

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/health"
	"xiaofu/app/kiosk"
	"xiaofu/app/listen"
	"xiaofu/avatar"
	"xiaofu/speech/asr"
	"xiaofu/speech/device"
	"xiaofu/speech/tts"
)

// kioskVoice is the kiosk's voice: the conversation that answers aloud and,
// when a microphone is there, the listener that hears the visitor.
type kioskVoice struct {
	conv     *convo.Conversation
	listener *listen.Listener // nil without a microphone
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closers  []func() error
}

var _ kiosk.Voice = (*kioskVoice)(nil)

func (v *kioskVoice) Text(ctx context.Context, q string) error { return v.conv.Text(ctx, q) }

// Talk interrupts whatever the kiosk is saying and arms the microphone.
func (v *kioskVoice) Talk() {
	if v.listener == nil {
		return
	}
	v.conv.Listening()
	v.listener.Talk()
}

func (v *kioskVoice) Interrupt() {
	v.conv.Interrupt()
	if v.listener != nil {
		v.listener.Disarm()
	}
}

func (v *kioskVoice) Reset() {
	v.conv.Reset()
	if v.listener != nil {
		v.listener.Disarm()
	}
}

// Listens is true when the kiosk has a microphone.
func (v *kioskVoice) Listens() bool { return v.listener != nil }

func (v *kioskVoice) close() {
	v.cancel()
	v.wg.Wait()
	for _, c := range v.closers {
		c()
	}
}

// openVoice opens the speaker and, if there is one, the microphone. Without
// a speaker it returns nil and the kiosk shows and mouths its answers only.
// events receives every event of the conversation.
func openVoice(cfg kiosk.Config, remote Remote, mon *health.Monitor, eng *answer.Engine, av *avatar.Avatar,
	events func(convo.Event), log *slog.Logger) *kioskVoice {
	if cfg.Silent {
		return nil
	}
	player, err := device.OpenPlayer(device.PlayerConfig{
		Device:  cfg.Speaker,
		OnLevel: func(l float64) { av.FeedLevel(l, time.Now()) },
	})
	if err != nil {
		log.Warn("no speaker: answers are shown, not spoken", "stage", "audio", "err", err)
		return nil
	}
	v := &kioskVoice{closers: []func() error{player.Close}}
	offline := tts.Speakable(&tts.Espeak{})
	var synth convo.Synthesizer = offline
	if !remote.Offline && remote.TTSURL != "" {
		synth = tts.Speakable(&tts.OpenAI{URL: remote.TTSURL, APIKey: remote.TTSKey,
			Model: os.Getenv("XIAOFU_TTS_MODEL"), Voice: os.Getenv("XIAOFU_TTS_VOICE")})
	}
	var rec convo.Recognizer
	if !remote.Offline && remote.ASRURL != "" {
		if strings.HasPrefix(remote.ASRURL, "ws") {
			rec = &asr.DashScope{URL: remote.ASRURL, APIKey: remote.ASRKey, Model: os.Getenv("XIAOFU_ASR_MODEL")}
		} else {
			rec = &asr.OpenAI{URL: remote.ASRURL, APIKey: remote.ASRKey, Model: os.Getenv("XIAOFU_ASR_MODEL")}
		}
	}
	v.conv = convo.New(convo.Config{
		Answerer: eng, Player: player, Recognizer: rec, Synthesizer: synth, Offline: offline,
		Health: mon, Events: events, Logger: log.With("component", "convo"),
	})
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	if rec == nil {
		// No recogniser is configured: nothing could understand the
		// microphone, so it stays closed and its button hidden rather than
		// inviting visitors to speak and then asking them to type.
		log.Info("no speech recogniser configured: visitors tap and type", "stage", "audio")
		return v
	}
	capture, err := device.OpenCapture(cfg.Microphone)
	if err != nil {
		log.Warn("no microphone: visitors tap and type", "stage", "audio", "err", err)
		return v
	}
	v.closers = append(v.closers, capture.Close)
	v.listener = listen.New(listen.Config{
		Source: capture, Conversation: v.conv, HandsFree: cfg.HandsFree, Playing: player.Level,
		MicLevel: func(l float64) { av.FeedMic(l, time.Now()) },
		Logger:   log.With("component", "listen"),
	})
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		if err := v.listener.Run(ctx); err != nil {
			log.Warn("microphone stopped", "stage", "capture", "err", err)
		}
	}()
	return v
}

// eventSink forwards conversation events to the kiosk once it exists.
type eventSink struct{ k atomic.Pointer[kiosk.Kiosk] }

func (s *eventSink) send(ev convo.Event) {
	if k := s.k.Load(); k != nil {
		k.HandleEvent(ev)
	}
}
