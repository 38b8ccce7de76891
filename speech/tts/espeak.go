package tts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"xiaofu/speech"
)

// Espeak is the offline voice: the espeak-ng command, which synthesises far
// faster than real time. Its Mandarin voice must be cmn-latn-pinyin: the
// plain "cmn" voice of Debian 12 reads most characters as Latin letters.
type Espeak struct {
	Voice string // "cmn-latn-pinyin" when empty
	Speed int    // words per minute; espeak-ng's default (175) when zero
	Pitch int    // 0-99; default when zero
	Path  string // the command; "espeak-ng" from PATH when empty
}

// Synthesize implements Synthesizer, streaming espeak-ng's WAV output.
func (e *Espeak) Synthesize(ctx context.Context, text string, emit func(speech.Chunk) error) error {
	path := e.Path
	if path == "" {
		path = "espeak-ng"
	}
	voice := e.Voice
	if voice == "" {
		voice = "cmn-latn-pinyin"
	}
	args := []string{"-v", voice, "--stdout", "-b", "1"} // -b 1: the text is UTF-8
	if e.Speed > 0 {
		args = append(args, "-s", strconv.Itoa(e.Speed))
	}
	if e.Pitch > 0 {
		args = append(args, "-p", strconv.Itoa(e.Pitch))
	}
	// The text goes on stdin, never as an argument: a text starting with
	// "-" would be read as an option.
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("espeak: %w", err)
	}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("espeak: %w", ctx.Err())
		}
		return fmt.Errorf("espeak: %w: %v", speech.ErrUnavailable, err)
	}
	var (
		wav   speech.WAVStream
		smp   = sampleEmitter{emit: emit}
		buf   = make([]byte, 8<<10)
		fault error
	)
	for fault == nil {
		n, rerr := out.Read(buf)
		if n > 0 {
			samples, werr := wav.Write(buf[:n])
			if werr != nil {
				fault = fmt.Errorf("espeak: %w", werr)
				break
			}
			if f, ok := wav.Format(); ok {
				fault = smp.write(f, samples, false)
			}
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				fault = fmt.Errorf("espeak: %w", rerr)
			}
			break
		}
	}
	if fault != nil {
		cmd.Process.Kill()
		cmd.Wait()
		if ctx.Err() != nil {
			return fmt.Errorf("espeak: %w", ctx.Err())
		}
		return fault
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("espeak: %w", ctx.Err())
		}
		return fmt.Errorf("espeak: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if f, ok := wav.Format(); ok {
		return smp.write(f, nil, true)
	}
	return fmt.Errorf("espeak: %w: no audio (%s)", speech.ErrBadResponse, strings.TrimSpace(stderr.String()))
}
