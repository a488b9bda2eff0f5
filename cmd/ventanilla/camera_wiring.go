package main

import (
	"fmt"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// newKioskCamera is the kiosk's one camera (camera.Shared: serialised
// reads, reopening, frame rate, the preview's kept frame), its frame rate
// published as a metric.
func newKioskCamera(spec string, met *metrics.Metrics) *camera.Shared {
	cfg := camera.SharedConfig{Spec: spec}
	if met != nil {
		cfg.OnFPS = met.SetCameraFPS
	}
	return camera.NewShared(cfg)
}

// consoleCamera is the shared camera as the technician console sees it.
type consoleCamera struct{ *camera.Shared }

// Info implements console.Camera.
func (c consoleCamera) Info() console.CameraInfo {
	st := c.Status()
	info := console.CameraInfo{Device: st.Spec, FPS: st.FPS, Frames: st.Frames,
		Simulated: st.Simulated, LastError: st.LastError}
	if st.Frames > 0 {
		info.Width, info.Height = st.Width, st.Height
		info.Format = fmt.Sprintf("%s %dx%d", st.Format, st.Width, st.Height)
	}
	return info
}
