package speech

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by players and sources used after Close.
var ErrClosed = errors.New("closed")

// PlayQueue is the part of a player that does not touch a device: it takes
// chunks in any format, converts them to the device's format, queues them
// in a lock-free ring, and hands them out from Fill, which runs on the audio
// callback (it never blocks or allocates). It measures the level of the
// audio as it is actually handed out, 20 ms at a time, for the avatar's
// mouth. One goroutine may Play at a time; Fill runs on another.
type PlayQueue struct {
	device Format
	ring   []int16
	mask   int64
	wpos   atomic.Int64 // samples ever written
	rpos   atomic.Int64 // samples ever handed out
	flush  atomic.Int64 // discard up to here; -1 when no flush is pending
	space  chan struct{}

	// Play side: conversion state, kept between chunks of one format so
	// that the joins stay seamless.
	mu      sync.Mutex
	from    Format
	rs      *Resampler
	scratch []int16
	watches []watch // cancellations that still have audio in the queue

	// Level tap, on the callback side.
	levelN   int // device samples per 20 ms
	levelAcc float64
	levelCnt int
	levelHad bool // the window had queued audio in it
	wasLoud  bool
	levels   chan float64
	lvDrops  atomic.Uint64
	underrun atomic.Uint64
	dryMid   bool // the last Fill ran dry part-way (callback side only)
	fills    atomic.Uint64
}

// NewPlayQueue returns a queue for a device of the given format holding up
// to `buffer` of audio before Play blocks.
func NewPlayQueue(device Format, buffer time.Duration) *PlayQueue {
	n := int64(1)
	for n < int64(device.Samples(buffer)*device.Channels) {
		n <<= 1
	}
	q := &PlayQueue{
		device: device,
		ring:   make([]int16, n),
		mask:   n - 1,
		space:  make(chan struct{}, 1),
		levelN: device.Samples(FrameDuration) * device.Channels,
		levels: make(chan float64, 64),
	}
	q.flush.Store(-1)
	return q
}

// Format returns the device format the queue converts to.
func (q *PlayQueue) Format() Format { return q.device }

// Levels delivers the RMS level (0..1) of each 20 ms of audio handed to the
// device, and one 0 when playback falls silent. Levels that the receiver is
// too slow for are dropped, never waited for.
func (q *PlayQueue) Levels() <-chan float64 { return q.levels }

// Pending returns how much queued audio has not been handed out yet.
func (q *PlayQueue) Pending() time.Duration {
	return q.device.Duration(int(q.wpos.Load() - q.rpos.Load()))
}

// Fills counts the device's requests for audio: a running device asks
// every buffer period.
func (q *PlayQueue) Fills() uint64 { return q.fills.Load() }

// Underruns counts gaps inside a stream: a device buffer that ran dry
// part-way with more audio arriving for the next one (the producer fell
// behind real time).
func (q *PlayQueue) Underruns() uint64 { return q.underrun.Load() }

// Play converts c to the device format and queues it, blocking while the
// queue is full. When ctx ends, everything queued is discarded at once and
// ctx's error is returned.
func (q *PlayQueue) Play(ctx context.Context, c Chunk) error {
	if err := ctx.Err(); err != nil {
		q.Stop()
		return err
	}
	if len(c.PCM) == 0 {
		return nil
	}
	if !c.Format.Valid() {
		return errors.New("play: invalid chunk format")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if c.Format != q.from || q.rs == nil {
		// A new format (say the offline voice after the remote one): start a
		// fresh conversion rather than interpolate across the two.
		q.from = c.Format
		q.rs = NewResampler(c.Format.SampleRate, q.device.SampleRate)
	}
	mono := c.PCM
	if c.Format.Channels > 1 {
		mono = Downmix(q.scratch[:0], c.PCM, c.Format.Channels)
		q.scratch = mono
	}
	pcm := Upmix(q.rs.Process(nil, mono), q.device.Channels)
	q.release()
	end := q.wpos.Load() + int64(len(pcm))
	// The caller may return from Play long before its audio has been heard,
	// so the cancellation must outlive this call: it stays registered until
	// the chunk has been handed out, and then does nothing.
	q.watches = append(q.watches, watch{end: end, stop: context.AfterFunc(ctx, func() {
		if q.rpos.Load() < end {
			q.Stop()
		}
	})})
	for len(pcm) > 0 {
		free := int64(len(q.ring)) - (q.wpos.Load() - q.rpos.Load())
		if free <= 0 {
			select {
			case <-q.space:
				continue
			case <-ctx.Done():
				q.Stop()
				return ctx.Err()
			}
		}
		n := min(int64(len(pcm)), free)
		w := q.wpos.Load()
		for i := int64(0); i < n; i++ {
			q.ring[(w+i)&q.mask] = pcm[i]
		}
		q.wpos.Store(w + n)
		pcm = pcm[n:]
	}
	return nil
}

type watch struct {
	end  int64
	stop func() bool
}

// release drops the cancellation watches of chunks already handed out.
// Callers hold q.mu.
func (q *PlayQueue) release() {
	r := q.rpos.Load()
	keep := q.watches[:0]
	for _, w := range q.watches {
		if w.end > r {
			keep = append(keep, w)
			continue
		}
		w.stop()
	}
	q.watches = keep
}

// Wait blocks until everything queued has been handed to the device, or ctx
// ends (which discards what is left).
func (q *PlayQueue) Wait(ctx context.Context) error {
	for q.wpos.Load() > q.rpos.Load() {
		select {
		case <-q.space:
		case <-ctx.Done():
			q.Stop()
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	q.mu.Lock()
	q.release()
	q.mu.Unlock()
	return nil
}

// Stop discards everything queued; the device falls silent within one
// callback.
func (q *PlayQueue) Stop() {
	q.flush.Store(q.wpos.Load())
}

// Fill writes the next len(out) interleaved samples for the device into
// out, padding with silence when the queue runs dry. It runs on the audio
// callback: no locks, no allocation, no blocking.
func (q *PlayQueue) Fill(out []int16) {
	q.fills.Add(1)
	r := q.rpos.Load()
	if f := q.flush.Swap(-1); f > r {
		r = f
	}
	w := q.wpos.Load()
	n := min(int64(len(out)), w-r)
	for i := int64(0); i < n; i++ {
		out[i] = q.ring[(r+i)&q.mask]
	}
	clear(out[n:])
	q.rpos.Store(r + n)
	// A buffer that ran dry part-way and audio that resumes at the very
	// next callback is a gap the visitor hears as a click: the producer fell
	// behind mid-stream. The end of a stream runs dry part-way too, but
	// nothing follows it.
	if n > 0 && q.dryMid {
		q.underrun.Add(1)
	}
	q.dryMid = n > 0 && n < int64(len(out))
	if n > 0 || len(out) > 0 {
		select {
		case q.space <- struct{}{}:
		default:
		}
	}
	for i, s := range out {
		v := float64(s)
		q.levelAcc += v * v
		q.levelCnt++
		if int64(i) < n {
			q.levelHad = true
		}
		if q.levelCnt == q.levelN {
			q.emitLevel()
		}
	}
}

func (q *PlayQueue) emitLevel() {
	had := q.levelHad
	level := 0.0
	if had {
		level = sqrt(q.levelAcc/float64(q.levelCnt)) / 32768
	}
	q.levelAcc, q.levelCnt, q.levelHad = 0, 0, false
	if !had && !q.wasLoud {
		return // silence stays silence: nothing to tell the mouth
	}
	q.wasLoud = had
	select {
	case q.levels <- level:
	default:
		q.lvDrops.Add(1)
	}
}
