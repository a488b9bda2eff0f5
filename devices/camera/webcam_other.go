//go:build !linux

package camera

import "errors"

func openWebcam(path string) (Device, error) {
	return nil, errors.New("V4L2 cameras are only supported on Linux")
}
