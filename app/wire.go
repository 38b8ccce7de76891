package app

import (
	"context"
	"log/slog"

	"xiaofu/app/health"
	"xiaofu/app/kiosk"
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

	sink := &eventSink{}
	if v := openVoice(cfg, remote, mon, eng, av, sink.send, log); v != nil {
		p.deps.Voice = v
		p.closers = append(p.closers, v.close)
	}
	prev := p.attach
	p.attach = func(k *kiosk.Kiosk) {
		prev(k)
		sink.k.Store(k)
		unsub := mon.Subscribe(func(s health.Snapshot) { k.SetTier(s.Tier) })
		p.closers = append(p.closers, unsub)
	}
	return nil
}
