package device_test

import (
	"errors"
	"strings"
	"testing"

	"xiaofu/speech/device"
)

// These run on any machine, with or without a sound card.

func TestUnknownDeviceIsAClearError(t *testing.T) {
	_, err := device.OpenCapture("no-such-microphone-xyz")
	if !errors.Is(err, device.ErrNoDevice) || !strings.Contains(err.Error(), `"no-such-microphone-xyz"`) {
		t.Fatalf("err = %v, want ErrNoDevice naming the device", err)
	}
	_, err = device.OpenPlayer(device.PlayerConfig{Device: "no-such-speaker-xyz"})
	if !errors.Is(err, device.ErrNoDevice) || !strings.Contains(err.Error(), "output") {
		t.Fatalf("err = %v, want ErrNoDevice for the output", err)
	}
}

func TestListDoesNotFail(t *testing.T) {
	devs, err := device.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Name == "" || d.Inputs+d.Outputs == 0 {
			t.Errorf("device without a name or channels: %+v", d)
		}
	}
}
