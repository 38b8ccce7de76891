package kiosk

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is what a hall's engineer sets for one kiosk. Every field has a
// flag and an environment variable (XIAOFU_*); flags win.
type Config struct {
	DBPath     string        // knowledge-base file; empty = the default data dir
	Hall       string        // hall name on screen; empty = the snapshot's
	HelpDesk   string        // where to send visitors the kiosk cannot help
	IdleReset  time.Duration // wipe the visit after this long without a touch
	Fullscreen bool
	Width      int // window size when not fullscreen
	Height     int
	Offline    bool // never call a remote endpoint

	Microphone string // input device name (or part of it); "" = default
	Speaker    string // output device name (or part of it); "" = default
	HandsFree  bool   // listen all the time instead of after a tap
	Silent     bool   // no audio at all: answers are shown and mouthed only

	// Test hooks for the end-to-end window test; off in production.
	TraceFile string // append one JSON line per screen shown
	AutoAsk   string // type this question into the entry and submit it at start
}

// DefaultConfig is a portrait kiosk that resets after 90 s without a touch.
func DefaultConfig() Config {
	return Config{
		HelpDesk:  "一楼综合咨询窗口，或拨打政务服务热线 12345",
		IdleReset: 90 * time.Second,
		Width:     1080,
		Height:    1920,
	}
}

// ParseFlags reads the kiosk's flags over env over defaults.
func ParseFlags(args []string) (Config, error) {
	c := DefaultConfig()
	envString(&c.DBPath, "XIAOFU_DB")
	envString(&c.Hall, "XIAOFU_HALL")
	envString(&c.HelpDesk, "XIAOFU_HELPDESK")
	if v := os.Getenv("XIAOFU_IDLE_RESET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("XIAOFU_IDLE_RESET: %w", err)
		}
		c.IdleReset = d
	}
	c.Fullscreen = os.Getenv("XIAOFU_FULLSCREEN") == "1"
	c.Offline = os.Getenv("XIAOFU_OFFLINE") == "1"
	envString(&c.TraceFile, "XIAOFU_TRACE")
	envString(&c.Microphone, "XIAOFU_AUDIO_IN")
	envString(&c.Speaker, "XIAOFU_AUDIO_OUT")
	c.HandsFree = os.Getenv("XIAOFU_HANDS_FREE") == "1"
	c.Silent = os.Getenv("XIAOFU_SILENT") == "1"

	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.StringVar(&c.DBPath, "db", c.DBPath, "knowledge-base database file")
	fs.StringVar(&c.Hall, "hall", c.Hall, "hall name shown on screen")
	fs.DurationVar(&c.IdleReset, "idle-reset", c.IdleReset, "wipe the visit after this long without a touch")
	fs.BoolVar(&c.Fullscreen, "fullscreen", c.Fullscreen, "run fullscreen as a kiosk")
	size := fs.String("size", fmt.Sprintf("%dx%d", c.Width, c.Height), "window size WxH when not fullscreen")
	fs.BoolVar(&c.Offline, "offline", c.Offline, "never call a remote endpoint")
	fs.StringVar(&c.Microphone, "mic", c.Microphone, "microphone device name or part of it (default: the system's)")
	fs.StringVar(&c.Speaker, "speaker", c.Speaker, "speaker device name or part of it (default: the system's)")
	fs.BoolVar(&c.HandsFree, "hands-free", c.HandsFree, "listen all the time instead of after a tap on the microphone")
	fs.BoolVar(&c.Silent, "silent", c.Silent, "no audio: answers are shown and mouthed only")
	fs.StringVar(&c.TraceFile, "trace", c.TraceFile, "append a JSON line per screen shown (tests)")
	fs.StringVar(&c.AutoAsk, "auto-ask", "", "ask this question at start (tests)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	w, h, ok := strings.Cut(*size, "x")
	var err1, err2 error
	c.Width, err1 = strconv.Atoi(w)
	c.Height, err2 = strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || c.Width < 320 || c.Height < 320 {
		return c, fmt.Errorf("-size %q: want WIDTHxHEIGHT, e.g. 1080x1920", *size)
	}
	if c.IdleReset < 5*time.Second {
		return c, fmt.Errorf("-idle-reset %s is too short for a visitor to read an answer (minimum 5s)", c.IdleReset)
	}
	return c, nil
}

func envString(dst *string, key string) {
	if v := os.Getenv(key); v != "" {
		*dst = v
	}
}
