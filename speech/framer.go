package speech

import (
	"sync/atomic"
	"time"
)

// framerRing is how many frame buffers a Framer cycles through. A frame's
// samples stay valid until framerRing-framerQueue more frames have been
// sent, which is far longer than any receiver holds one.
const (
	framerRing  = 64
	framerQueue = 16
)

// Framer turns the buffers an audio device delivers (any rate, any channel
// count, any buffer size) into 16 kHz mono 20 ms frames on a channel. Write
// is meant to run on the audio callback: it never blocks and, after the
// first call, never allocates. When the receiver falls behind, frames are
// dropped and counted instead of stalling the device.
//
// Frame samples come from a ring of buffers: a receiver must copy a frame
// before it has received 40 more frames (0.8 s). Write must be called from one
// goroutine at a time.
type Framer struct {
	out      chan Frame
	channels int
	rs       *Resampler
	mono     []int16 // scratch for the downmix
	acc      []int16 // resampled samples not yet framed
	ring     [framerRing][]int16
	next     int
	start    time.Time
	sent     int64 // frames produced (sent or dropped), for timestamps
	dropped  atomic.Uint64
	frames   atomic.Uint64
	closed   bool
}

// NewFramer returns a framer for a device delivering interleaved samples at
// the given format.
func NewFramer(device Format) *Framer {
	f := &Framer{
		out:      make(chan Frame, framerQueue),
		channels: device.Channels,
		rs:       NewResampler(device.SampleRate, Capture.SampleRate),
		acc:      make([]int16, 0, 8*FrameSamples),
	}
	for i := range f.ring {
		f.ring[i] = make([]int16, FrameSamples)
	}
	return f
}

// Frames returns the channel frames are sent on; Close closes it.
func (f *Framer) Frames() <-chan Frame { return f.out }

// Write takes one device buffer. now is when the callback ran; the first
// call anchors the frames' timestamps, later frames follow at 20 ms steps so
// that timestamps stay evenly spaced whatever the device's buffer size.
func (f *Framer) Write(in []int16, now time.Time) {
	if f.closed {
		return
	}
	if f.start.IsZero() {
		f.start = now
	}
	src := in
	if f.channels > 1 {
		if cap(f.mono) < len(in)/f.channels {
			f.mono = make([]int16, 0, len(in)/f.channels) // first call only, for a stable buffer size
		}
		f.mono = Downmix(f.mono[:0], in, f.channels)
		src = f.mono
	}
	if need := len(f.acc) + len(src)*Capture.SampleRate/f.rs.from + 4; need > cap(f.acc) {
		grown := make([]int16, len(f.acc), 2*need) // only when the device's buffer grows
		copy(grown, f.acc)
		f.acc = grown
	}
	f.acc = f.rs.Process(f.acc, src)
	n := 0
	for ; n+FrameSamples <= len(f.acc); n += FrameSamples {
		buf := f.ring[f.next]
		copy(buf, f.acc[n:n+FrameSamples])
		fr := Frame{Samples: buf, At: f.start.Add(time.Duration(f.sent) * FrameDuration)}
		f.sent++
		select {
		case f.out <- fr:
			f.next = (f.next + 1) % framerRing
			f.frames.Add(1)
		default:
			f.dropped.Add(1)
		}
	}
	f.acc = f.acc[:copy(f.acc, f.acc[n:])]
}

// Dropped returns how many frames were lost because the receiver was slow.
func (f *Framer) Dropped() uint64 { return f.dropped.Load() }

// Delivered returns how many frames were handed to the receiver.
func (f *Framer) Delivered() uint64 { return f.frames.Load() }

// Close closes the frame channel. Call it after the device has stopped
// calling Write.
func (f *Framer) Close() {
	if !f.closed {
		f.closed = true
		close(f.out)
	}
}
