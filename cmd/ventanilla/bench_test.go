package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The process benchmarks run the real binary. Each reports statistics over
// all its iterations (b.ReportMetric keeps only the last value given for a
// unit, so one call per iteration would report the last iteration alone).
//
// VENTANILLA_BASELINE_BIN=/path/to/an/older/ventanilla runs each of them
// against that binary too, in the same run, as sub-benchmark "baseline"
// beside "current" (the tree under test):
//
//	git stash; go build -o /tmp/old ./cmd/ventanilla; git stash pop
//	VENTANILLA_BASELINE_BIN=/tmp/old go test -run '^$' -bench Startup -benchtime 20x ./cmd/ventanilla

// eachBinary runs f as a sub-benchmark for the binary under test and, when
// VENTANILLA_BASELINE_BIN names one, for the baseline; without a baseline
// f runs directly, so names stay as they were.
func eachBinary(b *testing.B, f func(b *testing.B, bin string)) {
	base := os.Getenv("VENTANILLA_BASELINE_BIN")
	if base == "" {
		f(b, binPath)
		return
	}
	b.Run("baseline", func(b *testing.B) { f(b, base) })
	b.Run("current", func(b *testing.B) { f(b, binPath) })
}

// BenchmarkStartupToFirstFrame measures `run --demo` from exec to the home
// screen on a pseudo-terminal: process start, configuration, database,
// translations and the first render (devices and the console come up in
// the background). "fresh" starts on an empty data folder each time (key
// and database created), "restart" on the folder of the previous start, as
// a kiosk that restarts. Target ≤ 80 ms (issue 15.4), median.
func BenchmarkStartupToFirstFrame(b *testing.B) {
	eachBinary(b, benchStartup)
}

func benchStartup(b *testing.B, bin string) {
	for _, fresh := range []bool{true, false} {
		name := "restart"
		if fresh {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			cfg := benchConfig(b)
			data := b.TempDir()
			var took []time.Duration
			for i := 0; i < b.N; i++ {
				if fresh {
					b.StopTimer()
					data = b.TempDir()
					b.StartTimer()
				}
				cmd := exec.Command(bin, "run", "--demo", "--config", cfg, "--data", data)
				cmd.Env = append(os.Environ(), "TERM=xterm-256color")
				start := time.Now()
				ptmx := startPTY(b, cmd)
				screen := &syncBuffer{}
				go answerTerminal(ptmx, screen)
				for !strings.Contains(screen.String(), "Necesito ayuda") {
					if time.Since(start) > 10*time.Second {
						b.Fatalf("no home screen: %q", screen.String())
					}
					time.Sleep(200 * time.Microsecond)
				}
				took = append(took, time.Since(start))
				b.StopTimer()
				ptmx.Close()
				_ = cmd.Wait()
				b.StartTimer()
			}
			reportDurations(b, took, "ms-to-home")
		})
	}
}

// BenchmarkVersion measures `ventanilla version`, whole process: start,
// package initialisation, exit. Most of it is what every command pays
// before doing anything, the kiosk included.
func BenchmarkVersion(b *testing.B) {
	eachBinary(b, benchVersion)
}

func benchVersion(b *testing.B, bin string) {
	var took []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			b.Fatalf("version: %v %s", err, out)
		}
		took = append(took, time.Since(start))
	}
	reportDurations(b, took, "ms")
}

// reportDurations reports the median and the mean of ds in milliseconds.
func reportDurations(b *testing.B, ds []time.Duration, unit string) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(med), unit+"-p50")
	b.ReportMetric(ms(sum/time.Duration(len(s))), unit+"-mean")
}

var modemReadyRE = regexp.MustCompile(`modem: ready`)

// BenchmarkIdleKiosk leaves the demo kiosk on its home screen, the modem
// emulator attached and ready, for VENTANILLA_IDLE_WINDOW (default 30 s)
// per iteration and reports the average CPU it used (user + system time of
// the whole process over wall time, all iterations together; target
// ≤ 1 ms/s, issue 15.3) and the highest peak resident memory (target
// ≤ 40 MB).
func BenchmarkIdleKiosk(b *testing.B) {
	eachBinary(b, benchIdle)
}

func benchIdle(b *testing.B, bin string) {
	window := 30 * time.Second
	if s := os.Getenv("VENTANILLA_IDLE_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("VENTANILLA_IDLE_WINDOW: %v", err)
		}
		window = d
	}
	cfg := benchConfig(b)
	var cpu, wall time.Duration
	var peak int64
	for i := 0; i < b.N; i++ {
		data := b.TempDir()
		cmd := exec.Command(bin, "run", "--demo", "--config", cfg, "--data", data)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		ptmx := startPTY(b, cmd)
		screen := &syncBuffer{}
		go answerTerminal(ptmx, screen)
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(screen.String(), "Necesito ayuda") || !logMatches(data, modemReadyRE) {
			if time.Now().After(deadline) {
				b.Fatalf("no home screen with a ready modem; log:\n%s", readLog(data))
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second) // start-up work settles
		pid := cmd.Process.Pid
		c0, t0 := processCPU(b, pid), time.Now()
		time.Sleep(window)
		cpu += processCPU(b, pid) - c0
		wall += time.Since(t0)
		peak = max(peak, peakRSSKiB(b, pid))
		ptmx.Close()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/wall.Seconds(), "cpu-ms/s-idle")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}

func benchConfig(b *testing.B) string {
	f := b.TempDir() + "/k.toml"
	if err := os.WriteFile(f, []byte("[ssh]\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"\"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return f
}

func readLog(data string) string {
	raw, _ := os.ReadFile(filepath.Join(data, "ventanilla.log"))
	return string(raw)
}

func logMatches(data string, re *regexp.Regexp) bool { return re.MatchString(readLog(data)) }

// processCPU is the CPU time (user + system, every thread, exited ones
// included) process pid has used so far: its CPU-time clock, in
// nanoseconds; /proc's clock ticks (10 ms) when the clock cannot be read.
func processCPU(b *testing.B, pid int) time.Duration {
	// The clock id of a process's CPU clock, as glibc's
	// clock_getcpuclockid computes it: CPUCLOCK_SCHED of the whole process.
	clock := int32(^pid<<3 | 2)
	var ts unix.Timespec
	if err := unix.ClockGettime(clock, &ts); err == nil {
		return time.Duration(ts.Nano())
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at ")".
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
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
