package store

import "golang.org/x/sys/unix"

// kernelClockSynced asks the kernel whether NTP (systemd-timesyncd,
// chrony) has synchronised the wall clock.
func kernelClockSynced() bool {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	return err == nil && state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
}
