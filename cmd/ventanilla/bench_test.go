package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartupToFirstFrame measures `run --demo` from exec to the home
// screen on a pseudo-terminal: process start, configuration, database,
// translations and the first render (devices and the console come up in
// the background). The data directory is kept between iterations, as on a
// kiosk that restarts; the first iteration creates it. Target ≤ 150 ms.
func BenchmarkStartupToFirstFrame(b *testing.B) {
	cfg := benchConfig(b)
	data := b.TempDir()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(binPath, "run", "--demo", "--config", cfg, "--data", data)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		start := time.Now()
		ptmx := startPTY(b, cmd)
		screen := &syncBuffer{}
		go answerTerminal(ptmx, screen)
		for !strings.Contains(screen.String(), "Necesito ayuda") {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no home screen: %q", screen.String())
			}
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms-to-home")
		b.StopTimer()
		ptmx.Close()
		_ = cmd.Wait()
		b.StartTimer()
	}
}

// BenchmarkIdleKiosk leaves the kiosk on its home screen for two seconds
// and reports the CPU it used meanwhile (target ≈ 0: nothing ticks while
// nobody is there) and the peak resident memory of the whole demo process
// (target ≤ 40 MB).
func BenchmarkIdleKiosk(b *testing.B) {
	cfg := benchConfig(b)
	for i := 0; i < b.N; i++ {
		data := b.TempDir()
		cmd := exec.Command(binPath, "run", "--demo", "--config", cfg, "--data", data)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		ptmx := startPTY(b, cmd)
		screen := &syncBuffer{}
		go answerTerminal(ptmx, screen)
		for !strings.Contains(screen.String(), "Necesito ayuda") {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // let start-up work settle
		before := cpuTicks(b, cmd.Process.Pid)
		const idle = 2 * time.Second
		time.Sleep(idle)
		after := cpuTicks(b, cmd.Process.Pid)
		// Clock ticks are 1/100 s on Linux.
		b.ReportMetric(float64(after-before)*10/idle.Seconds(), "cpu-ms/s-idle")
		b.ReportMetric(float64(peakRSSKiB(b, cmd.Process.Pid))/1024, "peak-RSS-MiB")
		ptmx.Close()
		_ = cmd.Wait()
	}
}

func benchConfig(b *testing.B) string {
	f := b.TempDir() + "/k.toml"
	if err := os.WriteFile(f, []byte("[ssh]\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"\"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return f
}

func cpuTicks(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at ")".
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

func peakRSSKiB(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return n
		}
	}
	return 0
}
