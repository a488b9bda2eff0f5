//go:build !linux

package modem

import (
	"errors"
	"os"
)

// openSerial is implemented for Linux only, the kiosk's platform; the rest
// of the package (the engine over any io.ReadWriteCloser, PDUs) builds
// everywhere.
func openSerial(string, int) (*os.File, error) {
	return nil, errors.New("serial ports are supported on Linux only")
}
