package modem_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// idleWindow is how long BenchmarkIdleCPU leaves the modem alone per
// iteration (issue 15.3 asks for 30 s). VENTANILLA_IDLE_WINDOW shortens it
// for a quick look.
func idleWindow(b *testing.B) time.Duration {
	if s := os.Getenv("VENTANILLA_IDLE_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("VENTANILLA_IDLE_WINDOW: %v", err)
		}
		return d
	}
	return 30 * time.Second
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleCPU is the modem side of an idle kiosk: the emulator on a
// pty (no fault on, as in demo mode) and a client that opened it, with
// nothing to send. It reports the CPU the whole process (client reader,
// emulator, Go runtime) used per second of wall time, summed over every
// iteration and divided once: an average, not the last iteration. Run:
//
//	go test -run '^$' -bench BenchmarkIdleCPU -benchtime 2x ./devices/modem/
func BenchmarkIdleCPU(b *testing.B) {
	window := idleWindow(b)
	var cpu, wall time.Duration
	for i := 0; i < b.N; i++ {
		emu, err := emulator.Start(emulator.Options{})
		if err != nil {
			b.Fatal(err)
		}
		m := openModem(b, fastConfig(emu.Path()))
		time.Sleep(200 * time.Millisecond) // start-up settles
		c0, t0 := processCPU(b), time.Now()
		time.Sleep(window)
		cpu += processCPU(b) - c0
		wall += time.Since(t0)
		_ = m.Close()
		_ = emu.Close()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/wall.Seconds(), "cpu-ms/s")
}
