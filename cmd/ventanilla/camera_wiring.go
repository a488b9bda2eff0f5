package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"strings"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// kioskCamera is the one camera of the kiosk, shared by every photo step
// and the technician's preview. Sources are not safe for concurrent use,
// so Next is serialised; a step that is replaced while its frame is still
// being read cannot race the next one. It also opens the device lazily and
// again after it failed, so a camera plugged in after start-up is found,
// and it measures the frame rate for the console and metrics.
type kioskCamera struct {
	spec string
	met  *metrics.Metrics

	mu      sync.Mutex // serialises Next and guards src
	src     camera.Source
	lastTry time.Time
	lastErr error

	stat    sync.Mutex // guards the fields below (read by the console)
	frames  uint64
	fps     float64
	winN    int
	winT    time.Time
	last    camera.Frame
	hasLast bool
	errText string // the last open/stream error, for the console
	conv    camera.Converter
}

func newKioskCamera(spec string, met *metrics.Metrics) *kioskCamera {
	return &kioskCamera{spec: spec, met: met}
}

// reopenEvery limits how often a missing camera is looked for.
const reopenEvery = 2 * time.Second

func (c *kioskCamera) open() error {
	if c.src != nil {
		return nil
	}
	if !c.lastTry.IsZero() && time.Since(c.lastTry) < reopenEvery {
		return c.lastErr
	}
	c.lastTry = time.Now()
	src, err := camera.Open(c.spec)
	c.setErr(err)
	if err != nil {
		c.lastErr = err
		return err
	}
	c.src, c.lastErr = src, nil
	return nil
}

// Next implements camera.Source.
func (c *kioskCamera) Next(ctx context.Context) (camera.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.open(); err != nil {
		return camera.Frame{}, err
	}
	f, err := c.src.Next(ctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, camera.ErrUnavailable) {
			// The device is gone for good (a V4L2 source reopens by itself
			// first and reports Recovering meanwhile; a bad frame is just
			// skipped): drop it, the next call looks for it again.
			_ = c.src.Close()
			c.src = nil
			c.lastErr = err
			c.lastTry = time.Now()
			c.setErr(err)
		}
		return f, err
	}
	c.count(f)
	return f, nil
}

// setErr records err for Info; lock order is always mu, then stat.
func (c *kioskCamera) setErr(err error) {
	c.stat.Lock()
	if err != nil {
		c.errText = err.Error()
	} else {
		c.errText = ""
	}
	c.stat.Unlock()
}

func (c *kioskCamera) count(f camera.Frame) {
	c.stat.Lock()
	defer c.stat.Unlock()
	c.frames++
	now := time.Now()
	if c.winT.IsZero() {
		c.winT = now
	}
	c.winN++
	if d := now.Sub(c.winT); d >= time.Second {
		c.fps = float64(c.winN) / d.Seconds()
		c.winN, c.winT = 0, now
		c.met.SetCameraFPS(c.fps)
	}
	// Keep a copy of the newest frame for the technician's preview only
	// once in a while: copying every frame would cost for nothing.
	if !c.hasLast || now.Sub(c.last.Time) > 200*time.Millisecond {
		camera.CopyFrame(&c.last, f)
		c.last.Time = now
		c.hasLast = true
	}
}

// Stage implements camera.Stager for the simulated camera.
func (c *kioskCamera) Stage(s camera.Subject) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.src.(camera.Stager); ok {
		st.Stage(s)
	}
}

// Name implements camera.Source.
func (c *kioskCamera) Name() string { return c.spec }

// Close implements camera.Source.
func (c *kioskCamera) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.src == nil {
		return nil
	}
	err := c.src.Close()
	c.src = nil
	return err
}

// Info implements console.Camera.
func (c *kioskCamera) Info() console.CameraInfo {
	c.stat.Lock()
	defer c.stat.Unlock()
	info := console.CameraInfo{Device: c.spec, FPS: c.fps, Frames: c.frames,
		Simulated: c.spec == "sim" || strings.HasPrefix(c.spec, "sim:")}
	if c.hasLast {
		info.Width, info.Height = c.last.Width, c.last.Height
		info.Format = fmt.Sprintf("%s %dx%d", c.last.Format, c.last.Width, c.last.Height)
	}
	if time.Since(c.last.Time) > 5*time.Second {
		info.FPS = 0 // nobody is looking at the camera now
	}
	info.LastError = c.errText
	return info
}

// LatestFrame implements console.Camera: the newest frame seen by a photo
// step, converted for the technician's preview.
func (c *kioskCamera) LatestFrame() image.Image {
	c.stat.Lock()
	defer c.stat.Unlock()
	if !c.hasLast {
		return nil
	}
	img, err := c.conv.Convert(c.last)
	if err != nil {
		return nil
	}
	// The converter reuses its buffer; the console keeps the image.
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}
