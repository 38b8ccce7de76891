// Package device connects the speech path to the sound card through
// PortAudio: a capture source of 16 kHz mono 20 ms frames and a player with
// a level tap. All the logic that can be tested without a device (framing,
// resampling, the play queue, levels) lives in package speech; this package
// only opens streams and moves buffers.
//
// On Linux PortAudio goes through ALSA; on a machine with PulseAudio,
// ALSA's default device is Pulse when PULSE_SERVER points at the server (see
// scripts/audio/start.sh).
package device

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gordonklaus/portaudio"
)

// ErrNoDevice is returned when no input (or output) device is found, by
// name or as the default.
var ErrNoDevice = errors.New("no audio device")

var (
	initMu    sync.Mutex
	initCount int
)

// acquire initialises PortAudio for one user; release undoes it. PortAudio
// scans devices at initialisation, so a device plugged in later is seen by
// streams opened after every earlier user has released.
func acquire() error {
	initMu.Lock()
	defer initMu.Unlock()
	if initCount == 0 {
		if err := portaudio.Initialize(); err != nil {
			return fmt.Errorf("portaudio: %w", err)
		}
	}
	initCount++
	return nil
}

func release() {
	initMu.Lock()
	defer initMu.Unlock()
	if initCount == 0 {
		return
	}
	initCount--
	if initCount == 0 {
		portaudio.Terminate()
	}
}

// Info describes one device for `xiaofu selftest audio` and the config.
type Info struct {
	Name          string
	HostAPI       string
	Inputs        int // max input channels
	Outputs       int // max output channels
	SampleRate    float64
	DefaultInput  bool
	DefaultOutput bool
}

// List returns the devices PortAudio sees.
func List() ([]Info, error) {
	if err := acquire(); err != nil {
		return nil, err
	}
	defer release()
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	in, _ := portaudio.DefaultInputDevice()
	out, _ := portaudio.DefaultOutputDevice()
	infos := make([]Info, 0, len(devs))
	for _, d := range devs {
		i := Info{Name: d.Name, Inputs: d.MaxInputChannels, Outputs: d.MaxOutputChannels, SampleRate: d.DefaultSampleRate,
			DefaultInput: in != nil && d == in, DefaultOutput: out != nil && d == out}
		if d.HostApi != nil {
			i.HostAPI = d.HostApi.Name
		}
		infos = append(infos, i)
	}
	return infos, nil
}

// find returns the device called name (exact, then case-insensitive
// substring) with channels in the wanted direction, or the default one when
// name is empty.
func find(name string, input bool) (*portaudio.DeviceInfo, error) {
	dir := "output"
	if input {
		dir = "input"
	}
	if name == "" {
		var d *portaudio.DeviceInfo
		var err error
		if input {
			d, err = portaudio.DefaultInputDevice()
		} else {
			d, err = portaudio.DefaultOutputDevice()
		}
		if err != nil || d == nil {
			return nil, fmt.Errorf("%w: no default %s device", ErrNoDevice, dir)
		}
		return d, nil
	}
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	usable := func(d *portaudio.DeviceInfo) bool {
		if input {
			return d.MaxInputChannels > 0
		}
		return d.MaxOutputChannels > 0
	}
	var names []string
	for _, d := range devs {
		if usable(d) && d.Name == name {
			return d, nil
		}
	}
	for _, d := range devs {
		if usable(d) {
			names = append(names, fmt.Sprintf("%q", d.Name))
			if strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
				return d, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no %s device named %q (have %s)", ErrNoDevice, dir, name, strings.Join(names, ", "))
}
