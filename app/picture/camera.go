package picture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNoCamera is returned by FindCamera when no V4L2 device or no capture
// tool is present.
var ErrNoCamera = errors.New("no camera")

// Camera takes a still from a V4L2 camera by running an installed tool
// (fswebcam, else ffmpeg), so the kiosk needs no video library. It has been
// tested only against stand-in scripts, not against a real camera.
type Camera struct {
	Device  string // e.g. /dev/video0
	Tool    string // full path of fswebcam or ffmpeg
	Width   int    // requested resolution (default 1920x1080)
	Height  int
	Timeout time.Duration // default 10 s
}

// FindCamera looks for /dev/video* and an installed fswebcam or ffmpeg.
func FindCamera() (*Camera, error) {
	return findCamera("/dev", "/sys/class/video4linux", exec.LookPath)
}

func findCamera(devDir, sysDir string, lookPath func(string) (string, error)) (*Camera, error) {
	devs, _ := filepath.Glob(filepath.Join(devDir, "video*"))
	// A USB camera usually makes two nodes: the capture node (index 0) and a
	// metadata node. Prefer nodes whose sysfs index is 0, lowest number first.
	sort.Slice(devs, func(i, j int) bool { return videoNum(devs[i]) < videoNum(devs[j]) })
	var dev string
	for _, d := range devs {
		idx, err := os.ReadFile(filepath.Join(sysDir, filepath.Base(d), "index"))
		if err != nil || strings.TrimSpace(string(idx)) == "0" {
			dev = d
			break
		}
	}
	if dev == "" {
		return nil, fmt.Errorf("find camera: no video device: %w", ErrNoCamera)
	}
	for _, name := range []string{"fswebcam", "ffmpeg"} {
		if p, err := lookPath(name); err == nil {
			return &Camera{Device: dev, Tool: p}, nil
		}
	}
	return nil, fmt.Errorf("find camera: %s present but neither fswebcam nor ffmpeg installed: %w", dev, ErrNoCamera)
}

func videoNum(path string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(path), "video"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// args builds the tool's command line. Both tools skip the first frames
// (about a second), which cameras deliver dark while their exposure settles.
func (c *Camera) args() []string {
	w, h := c.Width, c.Height
	if w <= 0 || h <= 0 {
		w, h = 1920, 1080
	}
	res := fmt.Sprintf("%dx%d", w, h)
	if filepath.Base(c.Tool) == "ffmpeg" {
		return []string{"-hide_banner", "-loglevel", "error", "-f", "v4l2", "-video_size", res,
			"-i", c.Device, "-vf", `select=gte(n\,15)`, "-frames:v", "1",
			"-f", "image2pipe", "-vcodec", "mjpeg", "-q:v", "3", "pipe:1"}
	}
	return []string{"--quiet", "--no-banner", "-d", c.Device, "-r", res, "--skip", "15", "--jpeg", "90", "-"}
}

// Capture takes one picture and returns the tool's JPEG bytes, to be passed
// to Session.Offer (which checks and shrinks it like an upload).
func (c *Camera) Capture(ctx context.Context) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Tool, c.args()...)
	// A tool's child that keeps stdout open must not hold Capture past the
	// timeout.
	cmd.WaitDelay = time.Second
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &limitedBuffer{buf: &errb, max: 4 << 10}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("capture: %s: %w: %s", filepath.Base(c.Tool), err, strings.TrimSpace(errb.String()))
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("capture: %s wrote no picture: %s", filepath.Base(c.Tool), strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps the first max bytes of a tool's chatter for the error.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
