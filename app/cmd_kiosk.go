package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"xiaofu/app/kiosk"
	"xiaofu/app/policy"
	"xiaofu/app/redact"
	"xiaofu/app/ui"
	"xiaofu/assets"
	"xiaofu/localkb"
)

func init() {
	Register(Command{Name: "kiosk", Summary: "open the kiosk window (the default command)", Run: runKiosk})
}

// runKiosk opens the window at once with a short "starting" screen, opens
// the knowledge base (importing the embedded demo snapshot on first start)
// off the Fyne goroutine, then shows the kiosk.
func runKiosk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := kiosk.ParseFlags(args)
	if err != nil {
		return err
	}
	if err := localkb.CheckFTS5(); err != nil {
		return err
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return fmt.Errorf("no display: start the kiosk on its desktop, or under Xvfb (Xvfb :9 & DISPLAY=:9 bin/xiaofu)")
	}
	// Every component logs through the redactor: phone numbers, ID numbers,
	// credit codes and names a visitor gives never reach the log.
	log := redact.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	a := fyneapp.NewWithID("cn.gov.hall.xiaofu")
	a.Settings().SetTheme(ui.Theme{})
	w := a.NewWindow("小服 · 企业综合服务中心")
	w.SetPadded(false)
	if cfg.Fullscreen {
		w.SetFullScreen(true)
	} else {
		w.Resize(fyne.NewSize(float32(cfg.Width), float32(cfg.Height)))
	}
	starting := canvas.NewText("小服正在准备…", ui.HallBlue)
	starting.TextSize = ui.HeadingSize
	w.SetContent(container.NewCenter(starting))

	var parts *kioskParts
	go func() {
		p, err := openKioskParts(ctx, cfg, log)
		fyne.Do(func() {
			if err != nil {
				log.Error("kiosk could not start", "err", err)
				msg := widget.NewLabel("小服暂时无法使用：" + err.Error() + "\n请联系大厅工作人员。")
				msg.Wrapping = fyne.TextWrapWord
				w.SetContent(container.NewPadded(msg))
				return
			}
			parts = p
			k := kiosk.New(cfg, p.deps, log)
			p.attach(k)
			w.SetContent(k.Content())
			// The trace's target rectangles need the layout done; one frame
			// later is enough.
			time.AfterFunc(50*time.Millisecond, func() {
				fyne.Do(func() {
					k.Ready(w.Canvas().Scale())
					if cfg.AutoAsk != "" {
						k.Ask(cfg.AutoAsk)
					}
				})
			})
		})
	}()
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	if path := os.Getenv("XIAOFU_HEAP_PROFILE"); path != "" {
		// For the engineer chasing the idle-memory budget: a heap profile
		// of the settled kiosk, for `go tool pprof`.
		time.AfterFunc(10*time.Second, func() { writeHeapProfile(path, log) })
	}
	w.ShowAndRun()
	if parts != nil {
		parts.close()
	}
	return nil
}

func writeHeapProfile(path string, log *slog.Logger) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		log.Warn("heap profile not written", "err", err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		log.Warn("heap profile not written", "err", err)
	}
}

// kioskParts is everything behind the window, opened before it is shown.
type kioskParts struct {
	kb      *localkb.KB
	deps    kiosk.Deps
	closers []func()
	attach  func(*kiosk.Kiosk)
	// policyFor opens policy matching with what the kiosk already knows of
	// the enterprise; nil when matching is unavailable.
	policyFor func(nav ui.Nav, initial policy.Profile, creditCode string) fyne.CanvasObject
}

func (p *kioskParts) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.kb.Close()
}

func openKioskParts(ctx context.Context, cfg kiosk.Config, log *slog.Logger) (*kioskParts, error) {
	path := cfg.DBPath
	if path == "" {
		path = localkb.DefaultDBPath()
	}
	kb, err := localkb.OpenOrImportDemo(ctx, path, assets.DemoSnapshot)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	p := &kioskParts{kb: kb, attach: func(*kiosk.Kiosk) {}}
	p.deps.Catalog = catalog{kb}
	if err := wireServices(ctx, cfg, log, p); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// catalog adapts the knowledge base to what the kiosk browses.
type catalog struct{ kb *localkb.KB }

func (c catalog) Meta() localkb.Meta { return c.kb.Meta() }
func (c catalog) Departments(ctx context.Context) ([]string, error) {
	return c.kb.Departments(ctx)
}
func (c catalog) Topics(ctx context.Context) ([]string, error) { return c.kb.Topics(ctx) }
func (c catalog) ByDepartment(ctx context.Context, d string, limit int) ([]localkb.Record, error) {
	return c.kb.ByDepartment(ctx, d, nil, limit)
}
func (c catalog) ByTopic(ctx context.Context, t string, limit int) ([]localkb.Record, error) {
	return c.kb.ByTopic(ctx, t, limit)
}
func (c catalog) Get(ctx context.Context, id string) (localkb.Record, error) {
	return c.kb.Get(ctx, id)
}
