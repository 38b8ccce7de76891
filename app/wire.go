package app

import (
	"context"
	"log/slog"

	"xiaofu/app/answer"
	"xiaofu/app/kiosk"
	"xiaofu/avatar"
)

// wireServices connects the parts behind the kiosk window: the answer
// engine, and the character and service screens as they are added.
func wireServices(ctx context.Context, cfg kiosk.Config, log *slog.Logger, p *kioskParts) error {
	eng := &answer.Engine{KB: p.kb, Offline: true, Hall: p.kb.Meta().Hall, Logger: log.With("component", "answer")}
	p.deps.Asker = eng.NewVisit()
	p.deps.Tier = func() string { return answer.TierOffline }
	av := avatar.New()
	av.SetState(avatar.Attract)
	p.deps.Character = kiosk.AvatarCharacter(av)
	p.closers = append(p.closers, av.Close)
	return nil
}
