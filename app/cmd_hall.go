package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"xiaofu/app/hallserver"
	"xiaofu/app/redact"
)

func init() {
	Register(Command{Name: "hall", Summary: "hall serve: run the stand-in for the hall's request server (docs/request-api.md)", Run: runHall})
}

func runHall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New("usage: xiaofu hall serve [--addr 127.0.0.1:8790] [--db PATH] [--assign 30s --start 2m --due 3m --resolve 6m]")
	}
	fs := flag.NewFlagSet("hall serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8790", "listen address")
	db := fs.String("db", "hall.sqlite", "the stand-in's own SQLite file")
	s := hallserver.DemoSchedule
	fs.DurationVar(&s.Assign, "assign", s.Assign, "a ticket is assigned to its departments this long after it arrives")
	fs.DurationVar(&s.Start, "start", s.Start, "… in progress after this long")
	fs.DurationVar(&s.Due, "due", s.Due, "… due (a reminder is accepted) after this long")
	fs.DurationVar(&s.Resolve, "resolve", s.Resolve, "… resolved after this long")
	track := fs.String("track-url", "", "page a ticket's QR code points to, with %s for the ticket (default: this server's status page)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !(s.Assign <= s.Start && s.Start <= s.Resolve) {
		return errors.New("hall serve: want assign ≤ start ≤ resolve")
	}
	if dir := filepath.Dir(*db); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("hall serve: %w", err)
		}
	}
	st, err := hallserver.OpenStore(*db)
	if err != nil {
		return fmt.Errorf("hall serve: %w", err)
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("hall serve: %w", err)
	}
	log := redact.New(slog.NewTextHandler(stderr, nil))
	if *track == "" {
		*track = "http://" + ln.Addr().String() + "/t/%s"
	}
	srv := &hallserver.Server{Store: st, Schedule: s, Logger: log, TrackURL: *track}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "hall server on http://%s (db %s; assigned %v, in progress %v, due %v, resolved %v)\n", ln.Addr(), *db, s.Assign, s.Start, s.Due, s.Resolve)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("hall serve: %w", err)
	}
	return nil
}
