package picture

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindCamera(t *testing.T) {
	dev := t.TempDir()
	sys := t.TempDir()
	none := func(string) (string, error) { return "", errors.New("not found") }
	only := func(want string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == want {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		}
	}
	if _, err := findCamera(dev, sys, only("ffmpeg")); !errors.Is(err, ErrNoCamera) {
		t.Fatalf("no device: %v", err)
	}
	// video1 is the capture node here, video0 a metadata node (index 1),
	// as a UVC camera can end up after a replug; video10 sorts after video2.
	for _, n := range []string{"video0", "video1", "video10"} {
		os.WriteFile(filepath.Join(dev, n), nil, 0o600)
		os.MkdirAll(filepath.Join(sys, n), 0o700)
	}
	os.WriteFile(filepath.Join(sys, "video0", "index"), []byte("1\n"), 0o600)
	os.WriteFile(filepath.Join(sys, "video1", "index"), []byte("0\n"), 0o600)
	os.WriteFile(filepath.Join(sys, "video10", "index"), []byte("0\n"), 0o600)
	if _, err := findCamera(dev, sys, none); !errors.Is(err, ErrNoCamera) || !strings.Contains(err.Error(), "fswebcam") {
		t.Fatalf("device but no tool: %v", err)
	}
	c, err := findCamera(dev, sys, only("ffmpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != filepath.Join(dev, "video1") || c.Tool != "/usr/bin/ffmpeg" {
		t.Errorf("picked %s with %s", c.Device, c.Tool)
	}
	both := func(name string) (string, error) { return "/usr/bin/" + name, nil }
	if c, _ := findCamera(dev, sys, both); c.Tool != "/usr/bin/fswebcam" {
		t.Errorf("prefers %s; fswebcam skips dark frames more simply", c.Tool)
	}
}

// fakeTool writes a script that records its arguments and prints a file, as
// fswebcam and ffmpeg print the JPEG to stdout.
func fakeTool(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCameraCapture(t *testing.T) {
	jpg := filepath.Join(t.TempDir(), "frame.jpg")
	os.WriteFile(jpg, []byte("\xff\xd8fake jpeg\xff\xd9"), 0o600)
	args := filepath.Join(t.TempDir(), "args")
	for _, name := range []string{"fswebcam", "ffmpeg"} {
		t.Run(name, func(t *testing.T) {
			tool := fakeTool(t, name, `echo "$@" > `+args+"\ncat "+jpg+"\n")
			c := &Camera{Device: "/dev/video0", Tool: tool}
			got, err := c.Capture(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "\xff\xd8fake jpeg\xff\xd9" {
				t.Errorf("got %q", got)
			}
			a, _ := os.ReadFile(args)
			for _, want := range []string{"/dev/video0", "1920x1080"} {
				if !strings.Contains(string(a), want) {
					t.Errorf("%s run without %q: %s", name, want, a)
				}
			}
		})
	}
	t.Run("tool fails", func(t *testing.T) {
		c := &Camera{Device: "/dev/video0", Tool: fakeTool(t, "fswebcam", "echo 'Error opening device: /dev/video0' >&2\nexit 1\n")}
		_, err := c.Capture(context.Background())
		if err == nil || !strings.Contains(err.Error(), "Error opening device") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("tool writes nothing", func(t *testing.T) {
		c := &Camera{Device: "/dev/video0", Tool: fakeTool(t, "fswebcam", "exit 0\n")}
		if _, err := c.Capture(context.Background()); err == nil {
			t.Error("no error for an empty capture")
		}
	})
	t.Run("tool hangs", func(t *testing.T) {
		c := &Camera{Device: "/dev/video0", Tool: fakeTool(t, "ffmpeg", "sleep 30\n"), Timeout: 200_000_000}
		if _, err := c.Capture(context.Background()); err == nil {
			t.Error("no error for a hung tool")
		}
	})
}
