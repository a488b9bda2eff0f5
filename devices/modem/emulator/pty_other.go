//go:build !linux

package emulator

import (
	"errors"
	"os"
)

// openPTY is only implemented for Linux, the kiosk's platform.
func openPTY() (master, slave *os.File, err error) {
	return nil, nil, errors.New("emulator: pseudo-terminals are only supported on Linux")
}
