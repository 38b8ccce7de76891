package device

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"

	"xiaofu/speech"
)

// Player is the loudspeaker: a PortAudio output stream that runs from Open
// to Close, fed from a speech.PlayQueue. Play queues audio in any format
// (converted to the device's), cancelling a Play's context silences the
// speaker within one device buffer and discards what was queued, and
// OnLevel hears the level of every 20 ms actually played.
type Player struct {
	dev    *portaudio.DeviceInfo
	q      *speech.PlayQueue
	stream *portaudio.Stream

	level     atomic.Uint64 // math.Float64bits of the last level
	closeOnce sync.Once
	done      chan struct{} // closed by Close
	levelDone chan struct{}
}

// PlayerConfig tunes OpenPlayer.
type PlayerConfig struct {
	Device string // name or part of it; "" for the default output
	// OnLevel receives the RMS level (0..1) of each 20 ms of audio as it
	// is played, and 0 when playback stops: it drives the avatar's mouth.
	// It runs on the player's own goroutine, never on the audio callback.
	OnLevel func(level float64)
	// Buffer is how much audio may be queued ahead of the speaker (20 s
	// when zero, 2 MB at 44.1 kHz mono); Play blocks beyond it.
	// A whole synthesized sentence should fit, so that Play returns at
	// once and the next sentence is synthesized while this one plays.
	Buffer time.Duration
}

// OpenPlayer opens and starts the output device.
func OpenPlayer(cfg PlayerConfig) (*Player, error) {
	if err := acquire(); err != nil {
		return nil, err
	}
	dev, err := find(cfg.Device, false)
	if err != nil {
		release()
		return nil, fmt.Errorf("open player: %w", err)
	}
	var format speech.Format
	var params portaudio.StreamParameters
	for _, rate := range []float64{dev.DefaultSampleRate, 48000, 44100, 16000} {
		for _, ch := range []int{1, 2} {
			if ch > dev.MaxOutputChannels {
				continue
			}
			params = portaudio.StreamParameters{
				Output:     portaudio.StreamDeviceParameters{Device: dev, Channels: ch, Latency: dev.DefaultLowOutputLatency},
				SampleRate: rate, FramesPerBuffer: int(rate) / 100, // 10 ms: a cancel is heard at once
			}
			if portaudio.IsFormatSupported(params, make([]int16, 1)) == nil {
				format = speech.Format{SampleRate: int(rate), Channels: ch}
				break
			}
		}
		if format.SampleRate != 0 {
			break
		}
	}
	if format.SampleRate == 0 {
		release()
		return nil, fmt.Errorf("open player: %w: %q supports no 16-bit output format", ErrNoDevice, dev.Name)
	}
	buffer := cfg.Buffer
	if buffer == 0 {
		buffer = 20 * time.Second
	}
	p := &Player{dev: dev, q: speech.NewPlayQueue(format, buffer), done: make(chan struct{}), levelDone: make(chan struct{})}
	stream, err := portaudio.OpenStream(params, func(out []int16) { p.q.Fill(out) })
	if err != nil {
		release()
		return nil, fmt.Errorf("open player: stream on %q: %w", dev.Name, err)
	}
	if err := stream.Start(); err != nil {
		stream.Close()
		release()
		return nil, fmt.Errorf("open player: start %q: %w", dev.Name, err)
	}
	p.stream = stream
	go func() {
		defer close(p.levelDone)
		for {
			select {
			case l := <-p.q.Levels():
				p.level.Store(math.Float64bits(l))
				if cfg.OnLevel != nil {
					cfg.OnLevel(l)
				}
			case <-p.done:
				return
			}
		}
	}()
	return p, nil
}

// Name returns the device's name.
func (p *Player) Name() string { return p.dev.Name }

// DeviceFormat returns the rate and channels the device plays at.
func (p *Player) DeviceFormat() speech.Format { return p.q.Format() }

// Play queues c; it returns once the audio is queued (blocking while the
// queue is full), not when it has been heard: call Wait for that. When ctx
// ends, before or after Play returns, the queued audio is discarded and the
// speaker falls silent.
func (p *Player) Play(ctx context.Context, c speech.Chunk) error {
	if p.isClosed() {
		return fmt.Errorf("play: %w", speech.ErrClosed)
	}
	if err := p.q.Play(ctx, c); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	return nil
}

// Wait blocks until everything queued has been handed to the device.
func (p *Player) Wait(ctx context.Context) error { return p.q.Wait(ctx) }

// Stop silences the speaker and discards what is queued.
func (p *Player) Stop() { p.q.Stop() }

// Level returns the RMS level (0..1) of the last 20 ms played, 0 when the
// speaker is silent: what the microphone gate compares the room with, so
// the kiosk does not take its own voice for a visitor's.
func (p *Player) Level() float64 { return math.Float64frombits(p.level.Load()) }

// Pending returns how much queued audio the speaker has not played yet.
func (p *Player) Pending() time.Duration { return p.q.Pending() }

// WaitRunning blocks until the device is taking audio at its steady pace.
// Through ALSA's pulse plugin an output stream takes up to ~2 s after Open
// before it plays anything (it fills its buffer, then waits for the
// server): open the player when the kiosk starts, not when it first speaks,
// and wait for this in tests that time what is heard.
func (p *Player) WaitRunning(ctx context.Context) error {
	// A starting stream asks for a few buffers at once to prime itself;
	// ten more mean it is being played out.
	const steady = 10
	start := p.q.Fills()
	var primed uint64
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("player: %w", ctx.Err())
		case <-tick.C:
		}
		n := p.q.Fills() - start
		if primed == 0 && n > 0 {
			primed = n
		}
		if primed > 0 && n >= primed+steady {
			return nil
		}
	}
}

// Underruns counts device buffers that ran dry in the middle of audio.
func (p *Player) Underruns() uint64 { return p.q.Underruns() }

func (p *Player) isClosed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Close stops the stream and releases the device.
func (p *Player) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.q.Stop()
		close(p.done)
		err = p.stream.Stop()
		p.stream.Close()
		<-p.levelDone
		release()
	})
	return err
}
