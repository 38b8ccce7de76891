package speech_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xiaofu/speech"
)

func TestWAVRoundTrip(t *testing.T) {
	f := speech.Format{SampleRate: 22050, Channels: 1}
	pcm := speech.Tone(f, 440, 300*time.Millisecond, 0.4)
	path := filepath.Join(t.TempDir(), "a.wav")
	if err := speech.WriteWAVFile(path, pcm, f); err != nil {
		t.Fatal(err)
	}
	got, gf, err := speech.ReadWAVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if gf != f || len(got) != len(pcm) || got[100] != pcm[100] {
		t.Fatalf("read back %v with %d samples, want %v with %d", gf, len(got), f, len(pcm))
	}
}

func TestReadWAVRejectsBadHeaders(t *testing.T) {
	good := speech.EncodeWAV(make([]int16, 1600), speech.Capture)
	eight := bytes.Clone(good)
	eight[34] = 8 // bits per sample
	float := bytes.Clone(good)
	float[20] = 3 // IEEE float
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("this is not audio at all, just words in a file")},
		{"mp3", append([]byte("ID3\x03\x00\x00\x00"), make([]byte, 100)...)},
		{"8-bit", eight},
		{"float", float},
		{"truncated header", good[:20]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := speech.ReadWAV(bytes.NewReader(tc.data))
			if !errors.Is(err, speech.ErrBadWAV) {
				t.Fatalf("ReadWAV = %v, want ErrBadWAV", err)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "bad.wav")
	os.WriteFile(path, []byte("garbage"), 0o644)
	if _, err := speech.OpenWAV(path); !errors.Is(err, speech.ErrBadWAV) || !bytes.Contains([]byte(err.Error()), []byte("bad.wav")) {
		t.Errorf("OpenWAV = %v, want ErrBadWAV naming the file", err)
	}
}

func TestWAVStreamByteByByte(t *testing.T) {
	f := speech.Format{SampleRate: 24000, Channels: 1}
	pcm := speech.Tone(f, 300, 100*time.Millisecond, 0.5)
	file := speech.EncodeWAV(pcm, f)
	// A streaming server does not know the length: it writes 0xFFFFFFFF,
	// and may put a LIST chunk before the data.
	for i := 40; i < 44; i++ {
		file[i] = 0xFF
	}
	list := append([]byte("LIST\x05\x00\x00\x00INFOx\x00"), file[36:]...)
	file = append(file[:36:36], list...)
	var s speech.WAVStream
	var got []int16
	for i := range file {
		out, err := s.Write(file[i : i+1])
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		got = append(got, out...)
	}
	if gf, ok := s.Format(); !ok || gf != f {
		t.Fatalf("format %v %v, want %v", gf, ok, f)
	}
	if len(got) != len(pcm) || got[len(got)-1] != pcm[len(pcm)-1] {
		t.Fatalf("decoded %d samples, want %d", len(got), len(pcm))
	}
}

func TestWAVStreamRejectsGarbage(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"json error", `{"error":{"message":"quota"}}`},
		{"riff but not wave", "RIFF\x00\x00\x00\x00AVI LIST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s speech.WAVStream
			if _, err := s.Write([]byte(tc.data)); !errors.Is(err, speech.ErrBadWAV) {
				t.Fatalf("Write = %v, want ErrBadWAV", err)
			}
		})
	}
}

func TestWAVSourceFrames(t *testing.T) {
	f := speech.Format{SampleRate: 48000, Channels: 2}
	path := filepath.Join(t.TempDir(), "s.wav")
	speech.WriteWAVFile(path, speech.Tone(f, 440, 1010*time.Millisecond, 0.3), f)
	src, err := speech.OpenWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Unix(1000, 0)
	src.Start = start
	frames, err := src.Frames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last time.Time
	for fr := range frames {
		if len(fr.Samples) != speech.FrameSamples {
			t.Fatalf("frame of %d samples", len(fr.Samples))
		}
		last = fr.At
		n++
	}
	if n != 51 {
		t.Errorf("1.01 s gave %d frames, want 51 (last one padded)", n)
	}
	if want := start.Add(50 * speech.FrameDuration); !last.Equal(want) {
		t.Errorf("last frame at %v, want %v", last, want)
	}
}

func TestWAVSourceStopsOnClose(t *testing.T) {
	src := speech.NewPCMSource(speech.Chunk{PCM: make([]int16, 16000*10), Format: speech.Capture})
	src.Realtime = true
	frames, _ := src.Frames(context.Background())
	<-frames
	done := make(chan struct{})
	go func() { src.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Close did not stop a real-time source")
	}
	for range frames { // the channel must be closed
	}
}
