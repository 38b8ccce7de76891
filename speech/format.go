// Package speech holds the kiosk's audio path: formats and frames, capture and
// playback through PortAudio, WAV files, voice-activity detection, and the
// speech-recognition and speech-synthesis clients. It does not import Fyne.
//
// This package is pure Go and needs no audio device: formats, PCM helpers and
// the resampler, WAV reading and incremental decoding, the Framer that turns
// device buffers into 16 kHz mono 20 ms frames on the capture callback, the
// PlayQueue that feeds the playback callback and taps its level, a WAV file
// source and an in-memory sink for tests, and the sentinel errors of the
// remote clients. Sub-packages:
//
//	speech/device     PortAudio capture and player (cgo)
//	speech/vad        voice-activity detection with an adaptive noise floor
//	speech/asr        OpenAI-compatible transcription, DashScope real-time ASR
//	speech/tts        OpenAI-compatible speech, DashScope CosyVoice, espeak-ng
//	speech/normalize  answer text as it should be spoken
//	speech/sentence   streamed answer text cut into sentences
//	speech/selftest   `xiaofu selftest audio`
//
// Units everywhere: 16-bit signed little-endian PCM, interleaved; capture is
// 16 kHz mono in 20 ms frames; synthesized audio comes in Chunks that carry
// their own format and the player converts. Whoever starts a goroutine stops
// it: sources and players have Close, and every blocking call takes a
// context whose end stops it at once.
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
