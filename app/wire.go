package app

import (
	"context"
	"log/slog"
	"sync/atomic"

	"fyne.io/fyne/v2"

	"xiaofu/app/health"
	"xiaofu/app/kiosk"
	"xiaofu/app/ui"
	"xiaofu/app/ui/pictureview"
	"xiaofu/app/ui/requestview"
	"xiaofu/avatar"
)

// wireServices connects the parts behind the kiosk window: the remote
// endpoints and their health, the answer engine, the character, the voice,
// and the service screens.
func wireServices(ctx context.Context, cfg kiosk.Config, log *slog.Logger, p *kioskParts) error {
	remote := RemoteFromEnv()
	remote.Offline = remote.Offline || cfg.Offline
	mon, chat, err := remote.Health(log.With("component", "health"))
	if err != nil {
		return err
	}
	mon.Start()
	p.closers = append(p.closers, mon.Close)
	eng := remote.NewAnswerEngine(p.kb, mon, chat, log.With("component", "answer"))
	p.deps.Asker = eng.NewVisit()
	p.deps.Tier = mon.Tier

	av := avatar.New()
	av.SetState(avatar.Attract)
	p.deps.Character = kiosk.AvatarCharacter(av)
	p.closers = append(p.closers, av.Close)

	if err := wireScreens(ctx, remote, log, p); err != nil {
		return err
	}
	var kp atomic.Pointer[kiosk.Kiosk] // the window, once it exists
	svc, closeRequests, err := openRequests(ctx, p.kb.Path(), p.kb, chat, log)
	if err != nil {
		log.Warn("requests unavailable", "stage", "requests", "err", err)
	} else {
		p.closers = append(p.closers, closeRequests)
		p.deps.Screens.Request = func(nav ui.Nav, text string) fyne.CanvasObject { return requestScreen(nav, svc, text, nil) }
		p.deps.Screens.Lookup = func(nav ui.Nav) fyne.CanvasObject { return requestview.Lookup(nav, svc) }
	}
	pics := openPictures(ctx, remote, p.kb.Meta().Hall, log)
	p.closers = append(p.closers, pics.close)
	p.deps.OnReset = pics.endVisit
	p.deps.Screens.Picture = func(nav ui.Nav) fyne.CanvasObject {
		return pics.screen(nav, pictureview.Photo, func(r pictureview.Result) {
			usePicture(nav, kp.Load(), r, svc, p)
		})
	}

	sink := &eventSink{}
	if v := openVoice(cfg, remote, mon, eng, av, sink.send, log); v != nil {
		p.deps.Voice = v
		p.closers = append(p.closers, v.close)
	}
	prev := p.attach
	p.attach = func(k *kiosk.Kiosk) {
		prev(k)
		sink.k.Store(k)
		kp.Store(k)
		unsub := mon.Subscribe(func(s health.Snapshot) { k.SetTier(s.Tier) })
		p.closers = append(p.closers, unsub)
	}
	return nil
}
