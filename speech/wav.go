package speech

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/go-audio/wav"
)

// ErrBadWAV is wrapped by every error about a WAV file or stream whose header
// the kiosk cannot use (not RIFF/WAVE, not 16-bit PCM, no data chunk).
var ErrBadWAV = errors.New("not a usable WAV (16-bit PCM)")

// ReadWAV reads a whole 16-bit PCM WAV file.
func ReadWAV(r io.ReadSeeker) ([]int16, Format, error) {
	d := wav.NewDecoder(r)
	if !d.IsValidFile() {
		err := d.Err()
		if err == nil {
			err = errors.New("no RIFF/WAVE header with a format chunk")
		}
		return nil, Format{}, fmt.Errorf("read wav: %w: %v", ErrBadWAV, err)
	}
	if d.WavAudioFormat != 1 {
		return nil, Format{}, fmt.Errorf("read wav: %w: audio format %d is not PCM (1)", ErrBadWAV, d.WavAudioFormat)
	}
	if d.BitDepth != 16 {
		return nil, Format{}, fmt.Errorf("read wav: %w: %d bits per sample, want 16", ErrBadWAV, d.BitDepth)
	}
	f := Format{SampleRate: int(d.SampleRate), Channels: int(d.NumChans)}
	if !f.Valid() {
		return nil, Format{}, fmt.Errorf("read wav: %w: %d Hz, %d channels", ErrBadWAV, f.SampleRate, f.Channels)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return nil, Format{}, fmt.Errorf("read wav: %w: %v", ErrBadWAV, err)
	}
	pcm := make([]int16, len(buf.Data))
	for i, v := range buf.Data {
		pcm[i] = int16(v)
	}
	return pcm, f, nil
}

// ReadWAVFile reads a whole 16-bit PCM WAV file from disk.
func ReadWAVFile(path string) ([]int16, Format, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, Format{}, fmt.Errorf("read wav: %w", err)
	}
	defer fh.Close()
	pcm, f, err := ReadWAV(fh)
	if err != nil {
		return nil, Format{}, fmt.Errorf("%s: %w", path, err)
	}
	return pcm, f, nil
}

// WAVHeaderSize is the size of the canonical header EncodeWAV writes.
const WAVHeaderSize = 44

// EncodeWAV returns pcm as a canonical 44-byte-header WAV file, the shape
// every transcription endpoint accepts.
func EncodeWAV(pcm []int16, f Format) []byte {
	b := make([]byte, 0, WAVHeaderSize+2*len(pcm))
	b = appendWAVHeader(b, f, uint32(2*len(pcm)))
	return EncodePCM(b, pcm)
}

// WriteWAVFile writes pcm to path as a WAV file.
func WriteWAVFile(path string, pcm []int16, f Format) error {
	if err := os.WriteFile(path, EncodeWAV(pcm, f), 0o644); err != nil {
		return fmt.Errorf("write wav: %w", err)
	}
	return nil
}

func appendWAVHeader(b []byte, f Format, dataLen uint32) []byte {
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, 36+dataLen)
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, uint16(f.Channels))
	b = le.AppendUint32(b, uint32(f.SampleRate))
	b = le.AppendUint32(b, uint32(f.SampleRate*f.Channels*2))
	b = le.AppendUint16(b, uint16(f.Channels*2))
	b = le.AppendUint16(b, 16)
	b = append(b, "data"...)
	return le.AppendUint32(b, dataLen)
}

// WAVStream decodes a WAV file as its bytes arrive, so that synthesized
// speech starts playing before the response ends. Streaming servers often
// write 0 or 0xFFFFFFFF as the data length; the stream then runs to EOF.
type WAVStream struct {
	hdr    []byte // bytes held until the header is complete
	format Format
	ready  bool
	odd    []byte // a sample split between two writes
	err    error
}

// Format returns the stream's format once the header has been read.
func (s *WAVStream) Format() (Format, bool) { return s.format, s.ready }

// Write feeds the next bytes of the file and returns the samples they
// complete (nil while the header is incomplete). The returned slice is new
// on each call; callers may keep it.
func (s *WAVStream) Write(p []byte) ([]int16, error) {
	if s.err != nil {
		return nil, s.err
	}
	if !s.ready {
		s.hdr = append(s.hdr, p...)
		data, err := s.parseHeader()
		if err != nil {
			s.err = err
			return nil, err
		}
		if !s.ready {
			return nil, nil
		}
		s.hdr = nil
		p = data
	}
	if len(s.odd) > 0 {
		p = append(s.odd, p...)
		s.odd = nil
	}
	if len(p)%2 == 1 {
		s.odd = []byte{p[len(p)-1]}
		p = p[:len(p)-1]
	}
	return DecodePCM(make([]int16, 0, len(p)/2), p), nil
}

// maxWAVHeader bounds how much a stream may send before its data chunk
// (LIST/INFO chunks are small); beyond it the stream is garbage.
const maxWAVHeader = 64 << 10

// parseHeader walks the RIFF chunks held so far; once the data chunk starts
// it records the format and returns the bytes after the data chunk header.
func (s *WAVStream) parseHeader() ([]byte, error) {
	b := s.hdr
	if len(b) >= 4 && !bytes.Equal(b[:4], []byte("RIFF")) {
		return nil, fmt.Errorf("wav stream: %w: starts with %q, not RIFF", ErrBadWAV, printable(b[:4]))
	}
	if len(b) >= 12 && !bytes.Equal(b[8:12], []byte("WAVE")) {
		return nil, fmt.Errorf("wav stream: %w: RIFF type %q, not WAVE", ErrBadWAV, printable(b[8:12]))
	}
	if len(b) > maxWAVHeader {
		return nil, fmt.Errorf("wav stream: %w: no data chunk in the first %d bytes", ErrBadWAV, maxWAVHeader)
	}
	var haveFmt bool
	off := 12
	for off+8 <= len(b) {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if id == "data" {
			if !haveFmt {
				return nil, fmt.Errorf("wav stream: %w: data chunk before fmt chunk", ErrBadWAV)
			}
			s.ready = true
			return b[body:], nil
		}
		if body+size > len(b) {
			return nil, nil // wait for the rest of this chunk
		}
		if id == "fmt " {
			if size < 16 {
				return nil, fmt.Errorf("wav stream: %w: fmt chunk of %d bytes", ErrBadWAV, size)
			}
			le := binary.LittleEndian
			tag := le.Uint16(b[body:])
			ch := int(le.Uint16(b[body+2:]))
			rate := int(le.Uint32(b[body+4:]))
			bits := le.Uint16(b[body+14:])
			if tag != 1 && tag != 0xFFFE {
				return nil, fmt.Errorf("wav stream: %w: audio format %d is not PCM", ErrBadWAV, tag)
			}
			if bits != 16 {
				return nil, fmt.Errorf("wav stream: %w: %d bits per sample, want 16", ErrBadWAV, bits)
			}
			s.format = Format{SampleRate: rate, Channels: ch}
			if !s.format.Valid() {
				return nil, fmt.Errorf("wav stream: %w: %d Hz, %d channels", ErrBadWAV, rate, ch)
			}
			haveFmt = true
		}
		off = body + size + size%2 // chunks are word-aligned
	}
	return nil, nil
}

func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 32 || c > 126 {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// WAVSource delivers a WAV file as capture frames: 20 ms of 16 kHz mono,
// converted from whatever the file holds. It stands in for the microphone in
// tests and in `xiaofu` tools that replay a recording.
type WAVSource struct {
	pcm []int16 // already 16 kHz mono

	// Realtime paces frames at 20 ms each, like a microphone; otherwise
	// they are sent as fast as the receiver takes them.
	Realtime bool
	// Start is the capture time given to the first frame; frame n is
	// stamped Start + n*20 ms. Zero means time.Now() when Frames is called.
	Start time.Time
	// TrailingSilence appends this much silence, so that a VAD sees the
	// end of speech in a file that stops right after the last word.
	TrailingSilence time.Duration

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// OpenWAV reads path and returns a source of its audio as capture frames.
func OpenWAV(path string) (*WAVSource, error) {
	pcm, f, err := ReadWAVFile(path)
	if err != nil {
		return nil, err
	}
	return NewPCMSource(Chunk{PCM: pcm, Format: f}), nil
}

// NewPCMSource returns a source that plays c as capture frames.
func NewPCMSource(c Chunk) *WAVSource {
	return &WAVSource{pcm: Convert(c, Capture)}
}

// Frames starts delivering frames on the returned channel, which is closed
// at the end of the audio, when ctx ends or on Close. A source runs once.
func (s *WAVSource) Frames(ctx context.Context) (<-chan Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return nil, errors.New("wav source: already started")
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	out := make(chan Frame, 8)
	start := s.Start
	if start.IsZero() {
		start = time.Now()
	}
	pcm := s.pcm
	if s.TrailingSilence > 0 {
		pcm = append(pcm[:len(pcm):len(pcm)], make([]int16, Capture.Samples(s.TrailingSilence))...)
	}
	go func() {
		defer close(s.done)
		defer close(out)
		var tick *time.Ticker
		if s.Realtime {
			tick = time.NewTicker(FrameDuration)
			defer tick.Stop()
		}
		for n := 0; n*FrameSamples < len(pcm); n++ {
			if tick != nil {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
			samples := make([]int16, FrameSamples) // the last frame is padded with silence
			copy(samples, pcm[n*FrameSamples:])
			select {
			case out <- Frame{Samples: samples, At: start.Add(time.Duration(n) * FrameDuration)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Close stops the source and waits for its goroutine to end.
func (s *WAVSource) Close() error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}
