package device

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"

	"xiaofu/speech"
)

// Capture is the microphone: a PortAudio input stream delivering 16 kHz
// mono 20 ms frames, resampled when the device runs at another rate. The
// audio callback only copies into a ring of frames and never blocks; frames
// the receiver is too slow for are dropped and counted.
type Capture struct {
	dev    *portaudio.DeviceInfo
	format speech.Format // what the device delivers

	mu      sync.Mutex
	stream  *portaudio.Stream
	framer  *speech.Framer
	cancel  context.CancelFunc
	done    chan struct{}
	closed  bool
	dropped uint64 // from earlier runs
}

// OpenCapture opens the input device called name (exact, or a part of its
// name), or the default input device when name is empty. It does not start
// recording; Frames does.
func OpenCapture(name string) (*Capture, error) {
	return OpenCaptureWith(CaptureConfig{Device: name})
}

// CaptureConfig chooses the input device and, for devices that must run at
// their own rate, the rate to open it at.
type CaptureConfig struct {
	Device string // name or part of it; "" for the default input
	// SampleRate opens the device at this rate and resamples to 16 kHz
	// here; 0 asks for 16 kHz and falls back to the device's own rate.
	SampleRate int
}

// OpenCaptureWith opens an input device as cfg says.
func OpenCaptureWith(cfg CaptureConfig) (*Capture, error) {
	if err := acquire(); err != nil {
		return nil, err
	}
	dev, err := find(cfg.Device, true)
	if err != nil {
		release()
		return nil, fmt.Errorf("open capture: %w", err)
	}
	c := &Capture{dev: dev}
	// Ask for 16 kHz mono; most devices (and Pulse) convert for us. A bare
	// hw: device may only run at its own rate: then resample here.
	rates := []float64{float64(speech.Capture.SampleRate), dev.DefaultSampleRate, 48000, 44100}
	if cfg.SampleRate != 0 {
		rates = []float64{float64(cfg.SampleRate)}
	}
	for _, rate := range rates {
		for _, ch := range []int{1, 2} {
			if ch > dev.MaxInputChannels {
				continue
			}
			p := portaudio.StreamParameters{
				Input:      portaudio.StreamDeviceParameters{Device: dev, Channels: ch, Latency: dev.DefaultLowInputLatency},
				SampleRate: rate, FramesPerBuffer: int(rate) / 50,
			}
			if portaudio.IsFormatSupported(p, make([]int16, 1)) == nil {
				c.format = speech.Format{SampleRate: int(rate), Channels: ch}
				return c, nil
			}
		}
	}
	release()
	return nil, fmt.Errorf("open capture: %w: %q supports no 16-bit format at %v Hz", ErrNoDevice, dev.Name, rates)
}

// Name returns the device's name.
func (c *Capture) Name() string { return c.dev.Name }

// DeviceFormat returns the rate and channels the device runs at.
func (c *Capture) DeviceFormat() speech.Format { return c.format }

// Frames starts recording and returns the frames. The channel closes when
// ctx ends or on Close; recording can then be started again. Receivers must
// copy a frame's samples if they keep them (see speech.Framer).
func (c *Capture) Frames(ctx context.Context) (<-chan speech.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("capture: %w", speech.ErrClosed)
	}
	if c.stream != nil {
		return nil, errors.New("capture: already recording")
	}
	framer := speech.NewFramer(c.format)
	p := portaudio.StreamParameters{
		Input:      portaudio.StreamDeviceParameters{Device: c.dev, Channels: c.format.Channels, Latency: c.dev.DefaultLowInputLatency},
		SampleRate: float64(c.format.SampleRate), FramesPerBuffer: c.format.SampleRate / 50,
	}
	stream, err := portaudio.OpenStream(p, func(in []int16) {
		framer.Write(in, time.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("capture: open stream on %q: %w", c.dev.Name, err)
	}
	if err := stream.Start(); err != nil {
		stream.Close()
		return nil, fmt.Errorf("capture: start %q: %w", c.dev.Name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.stream, c.framer, c.cancel, c.done = stream, framer, cancel, make(chan struct{})
	go func() {
		<-ctx.Done()
		c.stop()
	}()
	return framer.Frames(), nil
}

// stop ends the current recording: the stream stops (so the callback is no
// longer running) before the frame channel closes.
func (c *Capture) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil {
		return
	}
	c.stream.Stop()
	c.stream.Close()
	c.dropped += c.framer.Dropped()
	c.framer.Close()
	c.stream, c.framer = nil, nil
	close(c.done)
}

// Dropped returns how many frames were lost to a slow receiver, all runs
// together.
func (c *Capture) Dropped() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.dropped
	if c.framer != nil {
		n += c.framer.Dropped()
	}
	return n
}

// Close stops recording and releases the device.
func (c *Capture) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	release()
	return nil
}
