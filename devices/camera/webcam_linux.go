//go:build linux

package camera

import (
	"errors"
	"time"

	"github.com/blackjack/webcam"
)

// webcamDevice adapts blackjack/webcam to Device; its methods are the
// library's, renamed (see Device for their contracts).
type webcamDevice struct {
	cam  *webcam.Webcam
	name string
}

func openWebcam(path string) (Device, error) {
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, err
	}
	name, err := cam.GetName()
	if err != nil || name == "" {
		name = path
	}
	return &webcamDevice{cam: cam, name: name}, nil
}

func (d *webcamDevice) Formats() map[uint32]string {
	out := map[uint32]string{}
	for f, s := range d.cam.GetSupportedFormats() {
		out[uint32(f)] = s
	}
	return out
}

func (d *webcamDevice) FrameSizes(f uint32) []FrameSize {
	var out []FrameSize
	for _, s := range d.cam.GetSupportedFrameSizes(webcam.PixelFormat(f)) {
		out = append(out, FrameSize{s.MinWidth, s.MaxWidth, s.StepWidth, s.MinHeight, s.MaxHeight, s.StepHeight})
	}
	return out
}

func (d *webcamDevice) SetFormat(f, w, h uint32) (uint32, uint32, uint32, error) {
	pf, gw, gh, err := d.cam.SetImageFormat(webcam.PixelFormat(f), w, h)
	return uint32(pf), gw, gh, err
}

func (d *webcamDevice) SetBufferCount(n uint32) error { return d.cam.SetBufferCount(n) }
func (d *webcamDevice) Start() error                  { return d.cam.StartStreaming() }

func (d *webcamDevice) Wait(timeout time.Duration) error {
	// The library takes whole seconds; 0 polls.
	secs := uint32((timeout + time.Second - 1) / time.Second)
	err := d.cam.WaitForFrame(secs)
	var t *webcam.Timeout
	if errors.As(err, &t) {
		return ErrTimeout
	}
	return err
}

func (d *webcamDevice) Frame() ([]byte, uint32, error) { return d.cam.GetFrame() }
func (d *webcamDevice) Release(i uint32) error         { return d.cam.ReleaseFrame(i) }
func (d *webcamDevice) Stop() error                    { return d.cam.StopStreaming() }
func (d *webcamDevice) Close() error                   { return d.cam.Close() }
func (d *webcamDevice) Name() string                   { return d.name }
