//go:build linux

package modem

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openSerial opens a serial device for the engine: raw 8N1 at baud, no
// flow control, and — unlike tarm/serial — left non-blocking and
// registered with Go's poller. A read then parks its goroutine in the
// poller instead of waking the process every VTIME to find nothing, so an
// idle modem costs no CPU; Close wakes a pending read at once (os.ErrClosed)
// and deadlines work.
//
// tarm/serial cannot do this: it calls (*os.File).Fd and clears O_NONBLOCK,
// which takes the file out of the poller, and it keeps the *os.File
// unexported. On a blocking descriptor a read can be ended only by data or
// by VTIME, which is the 100 ms polling this replaces. Its other job,
// setting the line up with TCSETS, is the few lines below.
func openSerial(name string, baud int) (*os.File, error) {
	rate, ok := baudRates[baud]
	if !ok {
		return nil, fmt.Errorf("unsupported baud rate %d", baud)
	}
	// O_NONBLOCK also keeps open from waiting for carrier detect; O_NOCTTY
	// keeps the modem from becoming our controlling terminal.
	f, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	sc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	var ioErr error
	// Control, not Fd: Fd would switch the descriptor back to blocking.
	err = sc.Control(func(fd uintptr) {
		t := unix.Termios{
			Iflag:  unix.IGNPAR,
			Cflag:  unix.CREAD | unix.CLOCAL | unix.CS8 | rate,
			Ispeed: rate,
			Ospeed: rate,
		}
		// Reads return as soon as one byte is there; with O_NONBLOCK an
		// empty line gives EAGAIN and the poller waits for the next byte.
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		if e := unix.IoctlSetTermios(int(fd), unix.TCSETS, &t); e != nil {
			ioErr = fmt.Errorf("set line (TCSETS): %w", e)
			return
		}
		// Input that arrived while nobody had the port open belongs to no
		// one, and output a former owner left unsent is stale.
		if e := unix.IoctlSetInt(int(fd), unix.TCFLSH, unix.TCIOFLUSH); e != nil {
			ioErr = fmt.Errorf("flush (TCFLSH): %w", e)
		}
	})
	if err == nil {
		err = ioErr
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

var baudRates = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200,
	230400: unix.B230400, 460800: unix.B460800, 921600: unix.B921600,
	1000000: unix.B1000000, 2000000: unix.B2000000, 3000000: unix.B3000000, 4000000: unix.B4000000,
}
