// Package audiotest is for tests on the shared virtual audio devices of
// scripts/audio/start.sh: go test runs packages in parallel, and two tests
// playing into the same virtual microphone hear each other.
package audiotest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Need skips the test unless XIAOFU_AUDIO_E2E=1 (set by scripts/test.sh once
// the virtual devices are up), and otherwise holds an exclusive lock on the
// devices until the test ends.
func Need(t testing.TB) {
	t.Helper()
	if os.Getenv("XIAOFU_AUDIO_E2E") != "1" {
		t.Skip(`needs the virtual audio devices: eval "$(scripts/audio/start.sh)" and set XIAOFU_AUDIO_E2E=1 (scripts/test.sh does both)`)
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	fh, err := os.OpenFile(filepath.Join(dir, "xiaofu-audio-e2e.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("audio test lock: %v", err)
	}
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX); err != nil {
		fh.Close()
		t.Fatalf("audio test lock: %v", err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(fh.Fd()), syscall.LOCK_UN)
		fh.Close()
	})
}
