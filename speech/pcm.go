package speech

import (
	"encoding/binary"
	"math"
	"time"
)

// Samples returns how many samples per channel d of audio holds in f.
func (f Format) Samples(d time.Duration) int {
	return int(int64(f.SampleRate) * int64(d) / int64(time.Second))
}

// Duration returns how long n interleaved samples last in f.
func (f Format) Duration(n int) time.Duration {
	if f.SampleRate <= 0 || f.Channels <= 0 {
		return 0
	}
	return time.Duration(int64(n/f.Channels) * int64(time.Second) / int64(f.SampleRate))
}

// Valid reports whether f can be played or resampled.
func (f Format) Valid() bool {
	return f.SampleRate >= 4000 && f.SampleRate <= 192000 && f.Channels >= 1 && f.Channels <= 8
}

// Duration returns the length of the chunk's audio.
func (c Chunk) Duration() time.Duration { return c.Format.Duration(len(c.PCM)) }

// Duration returns the length of the utterance's audio.
func (u Utterance) Duration() time.Duration { return Capture.Duration(len(u.PCM)) }

// RMS returns the root-mean-square level of samples on a 0..1 scale
// (1 is a full-scale square wave). It does not allocate.
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		v := float64(s)
		sum += v * v
	}
	return math.Sqrt(sum/float64(len(samples))) / 32768
}

// Peak returns the largest absolute sample on a 0..1 scale.
func Peak(samples []int16) float64 {
	var m int32
	for _, s := range samples {
		v := int32(s)
		if v < 0 {
			v = -v
		}
		if v > m {
			m = v
		}
	}
	return float64(m) / 32768
}

// DBFS converts a 0..1 level to decibels relative to full scale; silence is
// reported as -120 rather than -Inf so that it prints and compares sanely.
func DBFS(level float64) float64 {
	if level <= 1e-6 {
		return -120
	}
	return 20 * math.Log10(level)
}

// DecodePCM appends the little-endian 16-bit samples in b to dst. A trailing
// odd byte is ignored; streaming callers keep it for the next call.
func DecodePCM(dst []int16, b []byte) []int16 {
	for i := 0; i+1 < len(b); i += 2 {
		dst = append(dst, int16(binary.LittleEndian.Uint16(b[i:])))
	}
	return dst
}

// EncodePCM appends samples to dst as little-endian 16-bit bytes.
func EncodePCM(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// Downmix appends the mono mix of interleaved samples with the given channel
// count to dst (the average of the channels).
func Downmix(dst, interleaved []int16, channels int) []int16 {
	if channels <= 1 {
		return append(dst, interleaved...)
	}
	for i := 0; i+channels <= len(interleaved); i += channels {
		var sum int32
		for c := 0; c < channels; c++ {
			sum += int32(interleaved[i+c])
		}
		dst = append(dst, int16(sum/int32(channels)))
	}
	return dst
}

// Resampler converts a mono stream from one sample rate to another, one
// buffer at a time, keeping its phase across calls so that the joins between
// buffers are seamless. Downsampling first low-passes the input with a
// windowed-sinc filter just under the new Nyquist frequency, so that what a
// 48 kHz microphone hears above 8 kHz does not fold back into the speech
// band; then it interpolates linearly. The zero value is not usable; make
// one with NewResampler. Not safe for concurrent use.
type Resampler struct {
	from, to int
	step     float64 // input samples per output sample
	pos      float64 // position of the next output sample, relative to hist
	hist     [2]float64
	primed   bool
	taps     []float64 // low-pass filter; nil when upsampling
	delay    []float64 // the last len(taps) inputs, twice over so a window never wraps
	at       int
}

// NewResampler returns a resampler from rate `from` to rate `to` (Hz).
func NewResampler(from, to int) *Resampler {
	r := &Resampler{from: from, to: to, step: float64(from) / float64(to)}
	if from > to {
		r.taps = lowPass(0.45*float64(to)/float64(from), 12*int(math.Ceil(r.step))+1)
		r.delay = make([]float64, 2*len(r.taps))
	}
	return r
}

// lowPass returns a Hann-windowed sinc filter of n taps (n odd) with the
// cutoff given as a fraction of the sample rate, normalised to unit gain.
func lowPass(cutoff float64, n int) []float64 {
	h := make([]float64, n)
	m := float64(n-1) / 2
	var sum float64
	for i := range h {
		x := float64(i) - m
		v := 2 * cutoff
		if x != 0 {
			v = math.Sin(2*math.Pi*cutoff*x) / (math.Pi * x)
		}
		v *= 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		h[i] = v
		sum += v
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

// Rates returns the input and output rates.
func (r *Resampler) Rates() (from, to int) { return r.from, r.to }

// Reset forgets the stream's history, for a new stream at the same rates.
func (r *Resampler) Reset() {
	r.pos, r.primed, r.at = 0, false, 0
	r.hist = [2]float64{}
	clear(r.delay)
}

// Process appends the resampled src to dst and returns it. With enough
// capacity in dst it does not allocate.
func (r *Resampler) Process(dst, src []int16) []int16 {
	if r.from == r.to {
		return append(dst, src...)
	}
	n := len(r.taps)
	for _, s := range src {
		x := float64(s)
		if n > 0 {
			// Write each input twice, n apart, so the window delay[at:at+n]
			// is always contiguous.
			r.delay[r.at], r.delay[r.at+n] = x, x
			r.at++
			if r.at == n {
				r.at = 0
			}
			win := r.delay[r.at : r.at+n]
			var acc float64
			for i, h := range r.taps {
				acc += h * win[i]
			}
			x = acc
		}
		if !r.primed {
			r.hist = [2]float64{x, x}
			r.primed = true
		} else {
			r.hist[0], r.hist[1] = r.hist[1], x
		}
		// Output every sample whose position falls between hist[0] and hist[1].
		for r.pos <= 1 {
			v := r.hist[0] + (r.hist[1]-r.hist[0])*r.pos
			dst = append(dst, clamp16(v))
			r.pos += r.step
		}
		r.pos--
	}
	return dst
}

func clamp16(v float64) int16 {
	v = math.Round(v)
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}

// Convert returns c's audio as mono (or the channel count of `to`) at to's
// rate. It is for whole chunks; streams use a Resampler.
func Convert(c Chunk, to Format) []int16 {
	mono := c.PCM
	if c.Format.Channels > 1 {
		mono = Downmix(make([]int16, 0, len(c.PCM)/c.Format.Channels), c.PCM, c.Format.Channels)
	}
	out := mono
	if c.Format.SampleRate != to.SampleRate {
		out = NewResampler(c.Format.SampleRate, to.SampleRate).Process(make([]int16, 0, len(mono)*to.SampleRate/c.Format.SampleRate+4), mono)
	}
	return Upmix(out, to.Channels)
}

// Upmix returns mono samples duplicated into the given channel count.
func Upmix(mono []int16, channels int) []int16 {
	if channels <= 1 {
		return mono
	}
	out := make([]int16, 0, len(mono)*channels)
	for _, s := range mono {
		for c := 0; c < channels; c++ {
			out = append(out, s)
		}
	}
	return out
}

// Tone returns a sine wave of the given frequency, duration and amplitude
// (0..1) in f (mono content duplicated to every channel).
func Tone(f Format, hz float64, d time.Duration, amp float64) []int16 {
	n := f.Samples(d)
	mono := make([]int16, n)
	for i := range mono {
		mono[i] = clamp16(amp * 32767 * math.Sin(2*math.Pi*hz*float64(i)/float64(f.SampleRate)))
	}
	return Upmix(mono, f.Channels)
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
