package app

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"xiaofu/app/kiosk"
	"xiaofu/app/llm"
	"xiaofu/app/picture"
	"xiaofu/app/policy"
	"xiaofu/app/profile"
	"xiaofu/app/request"
	"xiaofu/app/ui"
	"xiaofu/app/ui/pictureview"
)

// pictureParts is the picture path: the one-time upload page for visitors'
// phones, the camera if one is attached, and the vision model if one is
// configured.
type pictureParts struct {
	srv    *picture.Server
	camera pictureview.Camera
	vision picture.Vision
}

// openPictures starts the upload page on XIAOFU_UPLOAD_ADDR (default
// :8765; "off" disables it). A kiosk whose port is taken still takes
// pictures from its camera, or lets the visitor type what the picture says.
func openPictures(ctx context.Context, remote Remote, hall string, log *slog.Logger) *pictureParts {
	pp := &pictureParts{}
	addr := os.Getenv("XIAOFU_UPLOAD_ADDR")
	if addr != "off" {
		srv := picture.NewServer(picture.Config{Addr: addr, PublicURL: os.Getenv("XIAOFU_UPLOAD_URL"),
			Hall: hall, Logger: log.With("component", "upload")})
		if err := srv.Start(ctx); err != nil {
			log.Warn("phone upload page not started", "stage", "upload", "err", err)
		} else {
			pp.srv = srv
		}
	}
	if cam, err := picture.FindCamera(); err == nil && cam != nil {
		pp.camera = cam
	}
	if model := os.Getenv("XIAOFU_VISION_MODEL"); model != "" && !remote.Offline && remote.LLMURL != "" {
		off := false
		// A licence's business scope is long: the vision reader needs more
		// room than a spoken answer.
		c, err := llm.New(llm.Config{BaseURL: remote.LLMURL, Model: model, APIKey: remote.LLMKey,
			EnableThinking: &off, MaxTokens: 1024})
		if err != nil {
			log.Warn("vision model not configured", "stage", "vision", "err", err)
		} else {
			pp.vision = picture.LLMVision{Client: c}
		}
	}
	return pp
}

func (pp *pictureParts) close() {
	if pp.srv != nil {
		pp.srv.Close()
	}
}

// endVisit wipes every picture of the visit that is ending.
func (pp *pictureParts) endVisit() {
	if pp.srv != nil {
		pp.srv.EndAll()
	}
}

// screen is the picture screen in mode; onConfirm gets the visitor's
// confirmed reading.
func (pp *pictureParts) screen(nav ui.Nav, mode pictureview.Mode, onConfirm func(pictureview.Result)) fyne.CanvasObject {
	cfg := pictureview.Config{Nav: nav, Mode: mode, Vision: pp.vision, OnConfirm: onConfirm,
		Logger: slog.Default().With("component", "pictureview")}
	if pp.camera != nil {
		cfg.Camera = pp.camera
	}
	if pp.srv != nil {
		cfg.Open = func() (pictureview.Slot, error) { return pp.srv.NewSession() }
	}
	return pictureview.New(context.Background(), cfg)
}

// licenceProfile is what a business licence tells the policy matcher: the
// credit code (checked by the screen), the years since establishment, and
// what the business scope says about the industry.
func licenceProfile(l picture.Licence, now time.Time) (policy.Profile, string) {
	p, _ := profile.ParseSpoken(l.BusinessScope)
	if t, err := time.Parse("2006-01-02", strings.TrimSpace(l.Established)); err == nil {
		p.Set("reg_years", int(now.Sub(t).Hours()/24/365.25))
	}
	return p, l.CreditCode
}

// usePicture sends what a visitor's picture says where it belongs: a
// business licence to policy matching with the enterprise filled in, a
// problem to a new request with the photo attached, anything else (a
// notice, a form) to the answer engine as a question.
func usePicture(nav ui.Nav, k *kiosk.Kiosk, r pictureview.Result, svc *request.Service, p *kioskParts) {
	switch {
	case r.Mode == pictureview.Licence || r.Scene.Kind == picture.SceneLicence || r.Licence.CreditCode != "":
		if p.policyFor == nil {
			nav.Say("已读到营业执照，但本机暂时不能做政策匹配。")
			return
		}
		initial, code := licenceProfile(r.Licence, time.Now())
		nav.Push("政策匹配", p.policyFor(nav, initial, code))
	case r.Scene.Kind == picture.SceneProblem && svc != nil:
		text := r.Scene.Summary
		if r.Scene.Place != "" {
			text += "（地点：" + r.Scene.Place + "）"
		}
		nav.Push("我要提诉求", requestScreen(nav, svc, text, r.Picture.JPEG))
	case k != nil:
		q := r.Scene.Summary
		if t := strings.TrimSpace(r.Scene.Text); t != "" {
			q = t
		}
		k.Ask(q)
	}
}
