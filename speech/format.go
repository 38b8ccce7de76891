// Package speech holds the kiosk's audio path: formats and frames, capture and
// playback through PortAudio, WAV files, voice-activity detection, and the
// speech-recognition and speech-synthesis clients. It does not import Fyne.
package speech

import "time"

// Format describes interleaved signed 16-bit little-endian PCM.
type Format struct {
	SampleRate int // Hz
	Channels   int
}

// Capture is the format every capture source delivers: 16 kHz mono.
var Capture = Format{SampleRate: 16000, Channels: 1}

// FrameDuration is the length of one capture frame.
const FrameDuration = 20 * time.Millisecond

// FrameSamples is the number of samples in one 20 ms frame at 16 kHz mono.
const FrameSamples = 320

// Frame is 20 ms of 16 kHz mono PCM. Receivers must not retain Samples after
// they return unless they copy it: sources reuse frames from a pool.
type Frame struct {
	Samples []int16
	At      time.Time // capture time of the first sample
}

// Chunk is a piece of synthesized or decoded audio with its format.
type Chunk struct {
	PCM    []int16
	Format Format
}

// Utterance is one stretch of speech cut out by the VAD, pre-roll included.
type Utterance struct {
	PCM       []int16 // 16 kHz mono
	Start     time.Time
	End       time.Time // when the VAD decided speech had ended
	Truncated bool      // capped at the maximum utterance length
}
