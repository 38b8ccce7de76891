package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"

	"xiaofu/app/policy"
	"xiaofu/app/profile"
	"xiaofu/app/ui"
	"xiaofu/app/ui/guideview"
	"xiaofu/app/ui/policyview"
	"xiaofu/localkb"
)

// wireScreens gives the kiosk its service screens: item guides, 一类事
// bundles and policy matching. Each says a short summary as it opens.
func wireScreens(ctx context.Context, remote Remote, log *slog.Logger, p *kioskParts) error {
	kb := p.kb
	s := &p.deps.Screens
	s.Guide = func(nav ui.Nav, rec localkb.Record) fyne.CanvasObject {
		nav.Say(guideview.SpokenGuide(rec))
		return guideview.NewGuide(nav, rec)
	}
	s.Bundle = func(nav ui.Nav, b localkb.Record) fyne.CanvasObject {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		items, err := guideview.ResolveSteps(ctx, kb, b)
		if err != nil {
			log.Warn("bundle steps missing", "id", b.ID, "err", err)
		}
		nav.Say(guideview.SpokenBundle(b, items))
		return guideview.NewBundle(nav, b, items)
	}
	s.Bundles = func(nav ui.Nav) fyne.CanvasObject { return guideview.NewBrowse(nav, kb) }

	eng, err := policy.Load(ctx, kb)
	if err != nil {
		// The kiosk still answers and guides; only matching is missing.
		log.Warn("policy matching unavailable", "stage", "policy", "err", err)
		return nil
	}
	var lookup func(context.Context, string) (profile.Enterprise, error)
	if u := os.Getenv("XIAOFU_PROFILE_URL"); u != "" && !remote.Offline {
		lookup = (&profile.HallClient{BaseURL: u, Token: os.Getenv("XIAOFU_PROFILE_TOKEN")}).Lookup
	}
	p.policyFor = func(nav ui.Nav, initial policy.Profile, creditCode string) fyne.CanvasObject {
		return policyview.New(nav, policyview.Source{Engine: eng, Lookup: lookup, Initial: initial, CreditCode: creditCode})
	}
	s.Policy = func(nav ui.Nav) fyne.CanvasObject { return p.policyFor(nav, nil, "") }
	return nil
}
