package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"xiaofu/app/hallserver"
	"xiaofu/app/llm"
	"xiaofu/app/redact"
	"xiaofu/app/request"
	"xiaofu/app/ui"
	"xiaofu/app/ui/requestview"
	"xiaofu/localkb"
)

// openRequests opens the request service: its outbox beside the knowledge
// base, routing by the LLM when configured, and the hall's request API at
// XIAOFU_HALL_URL. Without that URL the kiosk runs the stand-in hall server
// in-process on loopback, so staff can demo the whole flow with no back-end.
func openRequests(ctx context.Context, kbPath string, kb *localkb.KB, chat *llm.Client, log *slog.Logger) (*request.Service, func(), error) {
	depts, err := kb.ByKind(ctx, localkb.KindDepartment, 0)
	if err != nil {
		return nil, nil, err
	}
	stop := func() {}
	url := os.Getenv("XIAOFU_HALL_URL")
	if url == "" {
		u, closeDemo, err := startDemoHall(filepath.Join(filepath.Dir(kbPath), "demo-hall.sqlite"), log)
		if err != nil {
			log.Warn("demo hall server not started: requests wait in the outbox", "stage", "requests", "err", err)
			url = "http://127.0.0.1:1" // nothing listens: requests queue
		} else {
			url, stop = u, closeDemo
		}
	}
	cfg := request.Config{ServerURL: url, OutboxPath: filepath.Join(filepath.Dir(kbPath), "outbox.sqlite"),
		Departments: request.HallDepartments(depts), KioskID: os.Getenv("XIAOFU_KIOSK_ID"),
		Logger: log.With("component", "requests")}
	if chat != nil {
		cfg.LLM = request.LLMCompleter{Client: chat}
	}
	svc, err := request.Open(cfg)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return svc, func() { svc.Close(); stop() }, nil
}

// startDemoHall runs the stand-in hall server on a loopback port.
func startDemoHall(db string, log *slog.Logger) (string, func(), error) {
	st, err := hallserver.OpenStore(db)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return "", nil, err
	}
	base := "http://" + ln.Addr().String()
	srv := &hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule,
		Logger: redact.New(log.Handler()).With("component", "demo-hall"), TrackURL: base + "/t/%s"}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("demo hall server stopped", "err", err)
		}
	}()
	log.Info("demo hall server for requests", "stage", "requests", "url", base)
	return base, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		st.Close()
	}, nil
}

// requestScreen is the describe screen of a new request, with text the
// visitor already said and a picture they already took, if any.
func requestScreen(nav ui.Nav, svc *request.Service, text string, jpeg []byte) fyne.CanvasObject {
	f := requestview.New(nav, svc)
	if text != "" {
		f.SetDescription(text)
	}
	if len(jpeg) > 0 {
		// The picture screen wipes its copy when it closes.
		if err := f.AddPicture(bytes.Clone(jpeg)); err != nil {
			nav.Say("照片没能附上：" + err.Error())
		}
	}
	return f
}
