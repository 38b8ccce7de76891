// Package xvfb starts a private X server for what must run the real kiosk
// window on a machine with no display: the window test and `xiaofu bench`.
package xvfb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Start runs Xvfb with one screen of the given geometry (e.g. "1920x1920x24")
// on the first free display and returns the display name (":N") and a func
// that stops it. Xvfb reports the display it took on a pipe (-displayfd),
// so parallel callers never race for a number.
func Start(screen string) (display string, stop func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return "", nil, fmt.Errorf("xvfb: %w", err)
	}
	w.Close()
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("xvfb: no display reported: %w", err)
	}
	return ":" + strings.TrimSpace(line), stop, nil
}
