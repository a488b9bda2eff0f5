// Package camera captures frames from the kiosk's USB webcam (V4L2), from a
// simulated camera (demo mode and tests) or from a folder of still images
// (support cases), and converts the raw frames to images.
//
// Quality analysis and auto-capture live in the quality sub-package; the
// synthetic scenes the simulated camera films live in the sim sub-package.
//
// Visitor images never leave this package except as values in memory: no
// source here writes a frame to disk. Persisting a capture is the store's
// job, which encrypts it.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"
)

// Format is the pixel format of a raw frame, as a camera delivers it.
type Format uint8

// The raw formats the kiosk understands. UVC webcams deliver YUYV (4:2:2,
// uncompressed) and MJPEG (a JPEG per frame, often without Huffman tables);
// FormatImage is an already decoded image (file source).
const (
	FormatUnknown Format = iota
	FormatYUYV
	FormatMJPEG
	FormatImage
)

// String names the format the way V4L2 tools do.
func (f Format) String() string {
	switch f {
	case FormatYUYV:
		return "YUYV"
	case FormatMJPEG:
		return "MJPG"
	case FormatImage:
		return "image"
	}
	return "unknown"
}

// Frame is one raw frame. Data (or Img for FormatImage) belongs to the source
// and is only valid until the next call to Next on that source: a source
// reuses its buffers so a 15 fps stream does not churn the garbage collector.
// Copy the bytes (CopyFrame) to keep them.
type Frame struct {
	Format Format
	Width  int
	Height int
	Data   []byte
	Img    image.Image
	// Seq counts frames delivered by the source, from 1.
	Seq uint64
	// Time is when the source delivered the frame (its clock).
	Time time.Time
}

// CopyFrame returns f with its own copy of the bytes, reusing dst's buffer
// when it is large enough.
func CopyFrame(dst *Frame, f Frame) {
	buf := dst.Data[:0]
	buf = append(buf, f.Data...)
	*dst = f
	dst.Data = buf
}

// Source delivers frames. Next blocks until a frame is ready, the context
// ends, or the source fails. Sources are not safe for concurrent use: the
// capture component keeps exactly one Next in flight.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	// Name says what the source is, for logs and `camera list` (never a
	// visitor detail).
	Name() string
	Close() error
}

// ErrUnavailable means there is no usable camera: none is plugged in, it was
// unplugged and did not come back, or it cannot stream. The screen must say
// the camera is unavailable; it must never pretend a capture happened.
var ErrUnavailable = errors.New("camera unavailable")

// ErrBadFrame marks a frame that could not be decoded (truncated MJPEG,
// short YUYV buffer). One bad frame is not a failure: skip it.
var ErrBadFrame = errors.New("bad frame")

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("camera closed")

// StreamError is a failure of the capture stream. Recovering is true while
// the source is closing and reopening the device: the screen shows
// "reconnecting" and keeps asking for frames; once the source gives up the
// error wraps ErrUnavailable instead.
type StreamError struct {
	Device     string
	Op         string
	Recovering bool
	Err        error
}

// Error says which device, what failed and whether it is being retried.
func (e *StreamError) Error() string {
	state := "gave up"
	if e.Recovering {
		state = "reconnecting"
	}
	return fmt.Sprintf("camera %s: %s: %v (%s)", e.Device, e.Op, e.Err, state)
}

// Unwrap gives the cause (ErrTimeout, ErrUnavailable, a syscall error).
func (e *StreamError) Unwrap() error { return e.Err }
