package kiosk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"xiaofu/app/internal/xvfb"
)

// This test runs the real kiosk binary in a real X server (Xvfb), taps a hot
// question and types a question with real X input events (xdotool), takes a
// screenshot of the root window and reads it back with OCR to check that the
// answer is drawn. It needs Xvfb, xdotool, ImageMagick and tesseract with the
// chi_sim language; `make test` installs them.

type traceLine struct {
	Screen string          `json:"screen"`
	Answer json.RawMessage `json:"answer"`
}

type traced struct {
	Q         string `json:"q"`
	Text      string `json:"answer"`
	Grounded  bool   `json:"grounded"`
	Citations []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"citations"`
}

func TestRealWindowAnswersATypedAndATappedQuestion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary under Xvfb")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import", "tesseract"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed; run `make test`, which installs it: %v", tool, err)
		}
	}
	bin := kioskBinary(t)
	dir := t.TempDir()
	for _, shape := range []struct{ name, size string }{{"portrait", "1080x1920"}, {"landscape", "1920x1080"}} {
		t.Run(shape.name, func(t *testing.T) {
			// An X server of its own: keyboard focus and the key map are
			// the X server's, and the previous window's exit must not leave
			// this one without the focus.
			display := startXvfb(t, "1920x1920x24")
			trace := filepath.Join(dir, shape.name+".jsonl")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--size", shape.size, "--offline", "--trace", trace)
			// A loopback upload port of its own, so parallel test packages
			// never collide on the kiosk's default.
			cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8", "XDG_DATA_HOME="+filepath.Join(dir, "data"),
				"XIAOFU_UPLOAD_ADDR=127.0.0.1:0")
			logf, _ := os.Create(filepath.Join(dir, shape.name+".log"))
			cmd.Stdout, cmd.Stderr = logf, logf
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Kill()
				cmd.Wait()
				if t.Failed() {
					b, _ := os.ReadFile(logf.Name())
					t.Logf("kiosk log:\n%s", b)
				}
			}()
			ready := waitTrace(t, trace, 0, "ready", 60*time.Second)
			t.Logf("window interactive after %v (the first start imports the demo knowledge base)", time.Since(start).Round(time.Millisecond))
			var targets map[string][4]int
			if err := json.Unmarshal(ready.line.Answer, &targets); err != nil {
				t.Fatalf("ready line: %v", err)
			}

			// Tap the first hot question with a real pointer click.
			var hot string
			for name := range targets {
				if strings.HasPrefix(name, "tile:") && (hot == "" || name < hot) && !isService(name) {
					hot = name
				}
			}
			if hot == "" {
				t.Fatalf("no hot-question tile on screen: %v", targets)
			}
			click(t, display, targets[hot])
			got := waitTrace(t, trace, ready.n, "answer", 20*time.Second)
			ans := decodeAnswer(t, got)
			if ans.Q != strings.TrimPrefix(hot, "tile:") {
				t.Errorf("tapped %q, kiosk answered %q", hot, ans.Q)
			}
			if !ans.Grounded || len(ans.Citations) == 0 {
				t.Fatalf("a hot question was not answered with a citation: %+v", ans)
			}
			time.Sleep(700 * time.Millisecond) // let the frame after the answer reach the X server
			shot := filepath.Join(dir, shape.name+"-answer.png")
			screenshot(t, display, shot, shape.size)
			expectOnScreen(t, shot, ans.Citations[0].Title)
			keepScreenshot(t, shot, "kiosk-answer-"+shape.name+".png")

			// Type a question into the entry with real key events.
			click(t, display, targets["entry"])
			const question = "单位怎么办理住房公积金缴存登记"
			typeText(t, display, question)
			if seen := lastTyped(trace); seen != question {
				// Synthetic key events can be lost on a loaded X server; try
				// once more from a cleared entry before calling it a fault.
				t.Logf("typed %q, the entry holds %q: typing again", question, seen)
				click(t, display, targets["entry"])
				xdo(t, display, "key", "ctrl+a", "BackSpace")
				typeText(t, display, question)
				if seen := lastTyped(trace); seen != question {
					shot := filepath.Join(os.TempDir(), "xiaofu-window-test-"+shape.name+"-typing.png")
					screenshot(t, display, shot, shape.size)
					t.Fatalf("typed %q with key presses at the entry %v, the entry holds %q (screen: %s)", question, targets["entry"], seen, shot)
				}
			}
			xdo(t, display, "key", "Return")
			typed := waitTrace(t, trace, got.n, "answer", 20*time.Second)
			a := decodeAnswer(t, typed)
			if a.Q != question {
				t.Fatalf("typed %q, the kiosk received %q", question, a.Q)
			}
			if !a.Grounded || len(a.Citations) == 0 {
				t.Errorf("typed question not answered with a citation: %+v", a)
			}
		})
	}
}

func isService(name string) bool {
	for _, s := range []string{"按部门查找", "按主题查找", "政策匹配", "办事指南", "拍照提问", "我要提诉求", "查询诉求进度"} {
		if name == "tile:"+s {
			return true
		}
	}
	return false
}

// kioskBinary is bin/xiaofu as `make test` built it, or a fresh build.
func kioskBinary(t *testing.T) string {
	if b := os.Getenv("XIAOFU_BIN"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "xiaofu")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-o", out, ".")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return out
}

// startXvfb starts a private X server for one window.
func startXvfb(t *testing.T, screen string) string {
	display, stop, err := xvfb.Start(screen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return display
}

type traceHit struct {
	line traceLine
	n    int // lines read so far
}

// waitTrace waits for the first line after skip lines whose screen is want.
func waitTrace(t *testing.T, path string, skip int, want string, timeout time.Duration) traceHit {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		if err == nil {
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			for i := skip; i < len(lines); i++ {
				var l traceLine
				if json.Unmarshal([]byte(lines[i]), &l) == nil && l.Screen == want {
					return traceHit{line: l, n: i + 1}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the kiosk never showed %q within %v", want, timeout)
	return traceHit{}
}

// lastTyped is the entry's text as the kiosk last traced it, waiting a
// moment for the last key press to arrive.
func lastTyped(path string) string {
	var text string
	for i := 0; i < 40; i++ {
		b, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(b), "\n") {
			var l traceLine
			if json.Unmarshal([]byte(line), &l) == nil && l.Screen == "typing" {
				json.Unmarshal(l.Answer, &text)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return text
}

func decodeAnswer(t *testing.T, h traceHit) traced {
	var a traced
	if err := json.Unmarshal(h.line.Answer, &a); err != nil {
		t.Fatalf("answer line: %v", err)
	}
	return a
}

func click(t *testing.T, display string, r [4]int) {
	x, y := r[0]+r[2]/2, r[1]+r[3]/2
	xdo(t, display, "mousemove", fmt.Sprint(x), fmt.Sprint(y))
	time.Sleep(100 * time.Millisecond)
	xdo(t, display, "click", "1")
	time.Sleep(100 * time.Millisecond)
}

func xdo(t *testing.T, display string, args ...string) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, b)
	}
}

// typeText types text as key presses. Each character gets its own keysym on
// a spare keycode first (xmodmap), because xdotool's on-the-fly remapping
// loses characters when the application reads the event after the mapping
// was reverted.
func typeText(t *testing.T, display, text string) {
	free, mapped := keymap(t, display)
	var exprs, keys []string
	seen := map[rune]bool{}
	for _, r := range text {
		sym := fmt.Sprintf("U%04X", r)
		if r < 0x80 {
			sym = string(r)
		} else if !seen[r] && !mapped[strings.ToLower(sym)] {
			seen[r] = true
			if len(free) == 0 {
				t.Fatalf("no spare keycode left to type %q", r)
			}
			exprs = append(exprs, "-e", fmt.Sprintf("keycode %d = %s", free[0], sym))
			free = free[1:]
		}
		keys = append(keys, sym)
	}
	if len(exprs) > 0 {
		cmd := exec.Command("xmodmap", exprs...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xmodmap: %v\n%s", err, b)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, k := range keys {
		xdo(t, display, "key", k)
		time.Sleep(60 * time.Millisecond)
	}
}

// keymap lists the keycodes with no keysym (modifiers and media keys must
// not be reused: a character on Meta_L's keycode is swallowed) and the
// keysyms already on a key, lower-cased.
func keymap(t *testing.T, display string) ([]int, map[string]bool) {
	cmd := exec.Command("xmodmap", "-pke")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("xmodmap -pke: %v", err)
	}
	var free []int
	mapped := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for _, sym := range f[min(3, len(f)):] {
			mapped[strings.ToLower(sym)] = true
		}
		if len(f) == 3 && f[0] == "keycode" && f[2] == "=" {
			var n int
			if _, err := fmt.Sscan(f[1], &n); err == nil && n > 8 {
				free = append(free, n)
			}
		}
	}
	return free, mapped
}

func screenshot(t *testing.T, display, out, size string) {
	cmd := exec.Command("import", "-window", "root", "-crop", size+"+0+0", "+repage", out)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
}

// expectOnScreen reads the screenshot with OCR and checks that most of the
// characters of want appear in one run of the recognised text: enough to
// tell the real glyphs of the answer from boxes or a blank card.
func expectOnScreen(t *testing.T, png, want string) {
	t.Helper()
	cmd := exec.Command("tesseract", png, "-", "-l", "chi_sim", "--psm", "3")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("tesseract: %v", err)
	}
	seen := strings.Join(strings.Fields(string(b)), "")
	if frac := bestWindowMatch([]rune(want), []rune(seen)); frac < 0.6 {
		t.Errorf("the screenshot does not show %q (best match %.0f%%); OCR read:\n%s", want, frac*100, b)
	}
}

// bestWindowMatch is the largest fraction of want's characters found, in
// order, within any stretch of got as long as want plus a little slack.
func bestWindowMatch(want, got []rune) float64 {
	if len(want) == 0 {
		return 1
	}
	best := 0
	span := len(want) + 4
	for i := range got {
		j, n := 0, 0
		for k := i; k < len(got) && k < i+span && j < len(want); k++ {
			if got[k] == want[j] {
				n++
				j++
			} else if j+1 < len(want) && got[k] == want[j+1] {
				n++
				j += 2
			}
		}
		best = max(best, n)
	}
	return float64(best) / float64(len(want))
}

// keepScreenshot copies a screenshot into docs/screens when
// XIAOFU_UPDATE_SCREENS=1, so the committed screenshots are the real window's.
func keepScreenshot(t *testing.T, src, name string) {
	if os.Getenv("XIAOFU_UPDATE_SCREENS") != "1" {
		return
	}
	_, file, _, _ := runtime.Caller(0)
	dst := filepath.Join(filepath.Dir(file), "..", "..", "docs", "screens", name)
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o755)
	}
	if err == nil {
		err = os.WriteFile(dst, b, 0o644)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("keep screenshot: %v", err)
	}
}
