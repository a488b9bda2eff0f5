//go:build linux

package emulator

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/creack/pty"
)

// openPTY opens a pseudo-terminal pair. The master comes back non-blocking
// and registered with Go's poller, so Close interrupts a pending Read and
// write deadlines work; creack/pty hands it over in blocking mode, where a
// Close would wait for the blocked Read forever and the client would never
// see the hang-up. The slave is put in raw mode so the line discipline
// neither echoes nor turns "\r" into "\n" before the client sets its own
// mode (tarm/serial and gammu both do).
func openPTY() (master, slave *os.File, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: open pty: %w", err)
	}
	fd, err := syscall.Dup(int(m.Fd()))
	_ = m.Close()
	if err != nil {
		_ = s.Close()
		return nil, nil, fmt.Errorf("emulator: dup pty master: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		_ = s.Close()
		return nil, nil, fmt.Errorf("emulator: pty master non-blocking: %w", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := makeRaw(s); err != nil {
		_ = master.Close()
		_ = s.Close()
		return nil, nil, fmt.Errorf("emulator: raw mode: %w", err)
	}
	return master, s, nil
}

func makeRaw(f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	err = sc.Control(func(fd uintptr) {
		var t syscall.Termios
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
			ioErr = e
			return
		}
		t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP |
			syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
		t.Oflag &^= syscall.OPOST
		t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
		t.Cflag &^= syscall.CSIZE | syscall.PARENB
		t.Cflag |= syscall.CS8
		t.Cc[syscall.VMIN] = 1
		t.Cc[syscall.VTIME] = 0
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&t))); e != 0 {
			ioErr = e
		}
	})
	if err != nil {
		return err
	}
	return ioErr
}
