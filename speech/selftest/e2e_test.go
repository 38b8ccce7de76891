package selftest_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xiaofu/speech/audiotest"
	"xiaofu/speech/selftest"
)

func TestAudioSelftestOnTheVirtualDevices(t *testing.T) {
	audiotest.Need(t)
	wav := filepath.Join(t.TempDir(), "q.wav")
	if out, err := exec.Command("espeak-ng", "-v", "cmn-latn-pinyin", "-w", wav, "请问社保卡在哪里办理？").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	// The technician speaks once the recording has started.
	go func() {
		time.Sleep(2500 * time.Millisecond)
		exec.Command("paplay", "-d", "micsink", wav).Run()
	}()
	var out bytes.Buffer
	err := selftest.Audio(context.Background(), selftest.Options{Record: 8 * time.Second, ToneHz: 440, Tone: time.Second}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"default"`, "speech found        1 stretch", "frames dropped      0", "result: OK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
