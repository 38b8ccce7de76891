package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"xiaofu/speech/selftest"
)

func init() {
	Register(Command{
		Name:    "selftest",
		Summary: "check the kiosk's hardware: `selftest audio` lists devices, records, plays a tone",
		Run:     runSelftest,
	})
}

func runSelftest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "audio" {
		fmt.Fprintln(stderr, "usage: xiaofu selftest audio [-in DEVICE] [-out DEVICE] [-seconds N] [-tone HZ]")
		return errors.New("selftest: say what to check (audio)")
	}
	fs := flag.NewFlagSet("selftest audio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o selftest.Options
	// The same variables the kiosk reads, so the check tests what the kiosk will use.
	fs.StringVar(&o.Input, "in", os.Getenv("XIAOFU_AUDIO_IN"), "input device name or part of it (env XIAOFU_AUDIO_IN); default: the system's default input")
	fs.StringVar(&o.Output, "out", os.Getenv("XIAOFU_AUDIO_OUT"), "output device name or part of it (env XIAOFU_AUDIO_OUT); default: the system's default output")
	secs := fs.Float64("seconds", 4, "how long to record")
	fs.Float64Var(&o.ToneHz, "tone", 440, "test tone frequency in Hz")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	o.Record = time.Duration(*secs * float64(time.Second))
	o.Tone = time.Second
	return selftest.Audio(ctx, o, stdout)
}
