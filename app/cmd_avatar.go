package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"xiaofu/app/ui"
	"xiaofu/avatar"
)

func init() {
	Register(Command{
		Name:    "avatar",
		Summary: "render the character's gallery (gallery --out DIR) or show it in a window (show --state S)",
		Run:     runAvatar,
	})
}

func runAvatar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("avatar: want a sub-command: gallery or show")
	}
	switch args[0] {
	case "gallery":
		return avatarGallery(args[1:], stdout, stderr)
	case "show":
		return avatarShow(ctx, args[1:], stderr)
	}
	return fmt.Errorf("avatar: unknown sub-command %q (want gallery or show)", args[0])
}

func parseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(s, "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi <= 0 || hi <= 0 {
		return fyne.Size{}, fmt.Errorf("size %q: want WIDTHxHEIGHT, e.g. 600x700", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}

// avatarGallery renders every state and mouth shape to PNG with Fyne's
// software test driver, so it needs no display.
func avatarGallery(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("avatar gallery", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "docs/avatar", "directory for the PNG files")
	sizeArg := fs.String("size", "600x700", "picture size in pixels")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, err := parseSize(*sizeArg)
	if err != nil {
		return fmt.Errorf("gallery: %w", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("gallery: %w", err)
	}
	// Fyne's test driver runs fyne.Do inline only off the main goroutine.
	done := make(chan error, 1)
	go func() { done <- renderStills(*out, size, stdout) }()
	return <-done
}

func renderStills(out string, size fyne.Size, stdout io.Writer) error {
	test.NewApp().Settings().SetTheme(ui.Theme{})
	for _, st := range avatar.Stills() {
		a := avatar.NewWithOptions(avatar.Options{Manual: true})
		w := test.NewWindow(a)
		w.SetPadded(false)
		w.Resize(size)
		st.Play(a)
		path := filepath.Join(out, st.Name+".png")
		if err := writePNG(path, w); err != nil {
			return fmt.Errorf("gallery: %w", err)
		}
		w.Close()
		fmt.Fprintln(stdout, path)
	}
	return nil
}

func writePNG(path string, w fyne.Window) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// avatarShow opens a real window with only the character, for looking at
// it and for measuring its CPU cost under Xvfb. In the speaking state it
// plays a synthetic speech level sequence and its text in a loop.
func avatarShow(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("avatar show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateArg := fs.String("state", "attract", "state to show: "+stateNames())
	full := fs.Bool("fullscreen", false, "fill the screen")
	sizeArg := fs.String("size", "600x700", "window size in pixels")
	secs := fs.Float64("seconds", 0, "close after this many seconds (0: stay open)")
	slotArg := fs.String("slot", "", "draw the character in a slot of this size (e.g. 600x700, as in the kiosk) centred in the window, instead of filling it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	state, err := avatar.ParseState(*stateArg)
	if err != nil {
		return fmt.Errorf("show: %w", err)
	}
	size, err := parseSize(*sizeArg)
	if err != nil {
		return fmt.Errorf("show: %w", err)
	}
	fa := fyneapp.NewWithID("cn.gov.hall.xiaofu.avatar")
	w := fa.NewWindow("小服")
	a := avatar.New()
	a.SetState(state)
	w.SetContent(a)
	if *slotArg != "" {
		slot, err := parseSize(*slotArg)
		if err != nil {
			return fmt.Errorf("show: %w", err)
		}
		w.SetContent(container.NewCenter(container.NewGridWrap(slot, a)))
	}
	w.SetPadded(false)
	w.Resize(size)
	w.SetFullScreen(*full)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *secs > 0 {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*secs*float64(time.Second)))
		defer cancel()
	}
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	switch state {
	case avatar.Speaking:
		go speakLoop(ctx, a)
	case avatar.Listening:
		go micLoop(ctx, a)
	}
	w.ShowAndRun()
	drawn, skipped := a.Stats()
	fmt.Fprintf(stderr, "avatar: %d frames drawn, %d skipped\n", drawn, skipped)
	return nil
}

func stateNames() string {
	var n []string
	for _, s := range avatar.States {
		n = append(n, s.String())
	}
	return strings.Join(n, ", ")
}

// syntheticLevels is speech-like: syllables of about 200 ms with a pause
// after every few, as RMS levels per 20 ms.
func syntheticLevel(i int) float64 {
	syl := i % 10
	phrase := (i / 10) % 6
	if phrase == 5 {
		return 0.002 // a pause between phrases
	}
	env := math.Sin(math.Pi * float64(syl) / 10)
	return 0.01 + 0.15*env*env
}

func speakLoop(ctx context.Context, a *avatar.Avatar) {
	const text = "您好，我是小服，欢迎来到企业综合服务中心。请问有什么可以帮您？"
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	tap := a.LevelTap()
	i := 0
	for {
		if i%300 == 0 { // a 6 s utterance
			a.Speak(text, 6*time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		tap(syntheticLevel(i))
		i++
	}
}

func micLoop(ctx context.Context, a *avatar.Avatar) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			a.FeedMic(syntheticLevel(i), now)
		}
	}
}
