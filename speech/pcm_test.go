package speech_test

import (
	"math"
	"testing"
	"time"

	"xiaofu/speech"
)

// zeroCrossings estimates a tone's frequency from its sign changes.
func toneFreq(pcm []int16, rate int) float64 {
	n := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(pcm)) / float64(rate))
}

func TestResamplerKeepsPitchAndLevel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to int
		hz       float64
	}{
		{"48k to 16k", 48000, 16000, 440},
		{"44.1k to 16k", 44100, 16000, 1000},
		{"22.05k to 48k", 22050, 48000, 300},
		{"16k to 44.1k", 16000, 44100, 440},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := speech.Tone(speech.Format{SampleRate: tc.from, Channels: 1}, tc.hz, time.Second, 0.5)
			rs := speech.NewResampler(tc.from, tc.to)
			var out []int16
			// Odd buffer sizes, as devices deliver them, must join seamlessly.
			for off := 0; off < len(in); off += 441 {
				out = rs.Process(out, in[off:min(off+441, len(in))])
			}
			if got, want := len(out), tc.to; math.Abs(float64(got-want)) > 3 {
				t.Errorf("1 s at %d Hz gave %d samples at %d Hz, want about %d", tc.from, got, tc.to, want)
			}
			if f := toneFreq(out, tc.to); math.Abs(f-tc.hz) > 3 {
				t.Errorf("tone came out at %.1f Hz, want %.0f", f, tc.hz)
			}
			inRMS, outRMS := speech.RMS(in), speech.RMS(out)
			if outRMS < inRMS*0.85 || outRMS > inRMS*1.05 {
				t.Errorf("level changed from %.3f to %.3f", inRMS, outRMS)
			}
		})
	}
}

func TestDownsamplingDoesNotFoldHighNoiseIntoSpeech(t *testing.T) {
	// A 10 kHz whine at 48 kHz would fold to 6 kHz at 16 kHz.
	in := speech.Tone(speech.Format{SampleRate: 48000, Channels: 1}, 10000, time.Second, 0.5)
	out := speech.NewResampler(48000, 16000).Process(nil, in)
	if got := speech.RMS(out[1000:]) / speech.RMS(in); got > 0.05 {
		t.Errorf("10 kHz came through at %.1f dB, want below -26 dB", speech.DBFS(got))
	}
	in = speech.Tone(speech.Format{SampleRate: 44100, Channels: 1}, 9000, time.Second, 0.5)
	out = speech.NewResampler(44100, 16000).Process(nil, in)
	if got := speech.RMS(out[1000:]) / speech.RMS(in); got > 0.05 {
		t.Errorf("9 kHz at 44.1 kHz came through at %.1f dB, want below -26 dB", speech.DBFS(got))
	}
}

func TestConvertStereoToMono(t *testing.T) {
	c := speech.Chunk{PCM: []int16{100, 300, -100, -300}, Format: speech.Format{SampleRate: 16000, Channels: 2}}
	got := speech.Convert(c, speech.Capture)
	if len(got) != 2 || got[0] != 200 || got[1] != -200 {
		t.Fatalf("Convert = %v, want the channel average [200 -200]", got)
	}
}

func TestLevels(t *testing.T) {
	sq := []int16{16384, -16384, 16384, -16384}
	if got := speech.RMS(sq); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("RMS of a half-scale square = %v, want 0.5", got)
	}
	if got := speech.Peak([]int16{3, -32768, 5}); got != 1 {
		t.Errorf("Peak = %v, want 1", got)
	}
	if got := speech.DBFS(0); got != -120 {
		t.Errorf("DBFS(0) = %v, want -120", got)
	}
	if got := speech.DBFS(0.5); math.Abs(got+6.02) > 0.01 {
		t.Errorf("DBFS(0.5) = %v, want -6.02", got)
	}
}

func BenchmarkResample48kTo16k20ms(b *testing.B) {
	in := speech.Tone(speech.Format{SampleRate: 48000, Channels: 1}, 440, 20*time.Millisecond, 0.5)
	rs := speech.NewResampler(48000, 16000)
	out := make([]int16, 0, 400)
	b.ReportAllocs()
	for b.Loop() {
		out = rs.Process(out[:0], in)
	}
}
