package speech

import (
	"context"
	"sync"
	"time"
)

// MemorySink is a player that keeps what it is given instead of sounding
// it: the fake for tests of whatever drives playback. It converts every chunk
// to Format (16 kHz mono when zero), reports levels per 20 ms like the real
// player, and with Realtime takes as long as the audio lasts, so that
// cancellation mid-sentence can be tested. Safe for concurrent use.
type MemorySink struct {
	Format   Format
	Realtime bool
	OnLevel  func(level float64) // called from Play's goroutine

	mu     sync.Mutex
	pcm    []int16
	chunks int
}

// Play records c, or the part of it that "played" before ctx ended.
func (m *MemorySink) Play(ctx context.Context, c Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f := m.Format
	if f.SampleRate == 0 {
		f = Capture
	}
	pcm := Convert(c, f)
	step := f.Samples(FrameDuration) * f.Channels
	m.mu.Lock()
	m.chunks++
	m.mu.Unlock()
	for off := 0; off < len(pcm); off += step {
		win := pcm[off:min(off+step, len(pcm))]
		if m.Realtime {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(f.Duration(len(win))):
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		m.mu.Lock()
		m.pcm = append(m.pcm, win...)
		m.mu.Unlock()
		if m.OnLevel != nil {
			m.OnLevel(RMS(win))
		}
	}
	return nil
}

// PCM returns a copy of everything played so far, in Format.
func (m *MemorySink) PCM() []int16 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int16(nil), m.pcm...)
}

// Chunks returns how many chunks Play was given.
func (m *MemorySink) Chunks() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.chunks
}
