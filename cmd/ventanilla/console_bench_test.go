package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procKB reads a "Name:   N kB" line of /proc/PID/status.
func procKB(b *testing.B, pid int, name string) float64 {
	b.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}

// openFDs counts the kiosk's open file descriptors (sockets included).
func openFDs(b *testing.B, pid int) int {
	b.Helper()
	es, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		b.Fatal(err)
	}
	return len(es)
}

// BenchmarkIdleConnections measures what 5000 idle TCP connections to the
// SSH console cost the kiosk (issue 16.3: they were held for ever and took
// it from 29 to 60 MB): its resident memory before and after they are
// opened, its peak, and how many descriptors it still holds. Run it once:
//
//	go test -run '^$' -bench BenchmarkIdleConnections -benchtime 1x ./cmd/ventanilla
func BenchmarkIdleConnections(b *testing.B) {
	const n = 5000
	for range b.N {
		data := b.TempDir()
		cfg := filepath.Join(b.TempDir(), "k.toml")
		if err := os.WriteFile(cfg, []byte("[ssh]\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"\"\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(binPath, "run", "--demo", "--headless", "--config", cfg, "--data", data)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		pid := cmd.Process.Pid
		var addr string
		for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			log, _ := os.ReadFile(filepath.Join(data, "ventanilla.log"))
			if m := listenRE.FindStringSubmatch(string(log)); m != nil {
				addr = m[1]
			}
		}
		if addr == "" {
			_ = cmd.Process.Kill()
			b.Fatalf("the kiosk did not start: %s", out.String())
		}
		time.Sleep(2 * time.Second) // let start-up settle
		before, fdsBefore := procKB(b, pid, "VmRSS"), openFDs(b, pid)

		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				b.Fatalf("dial %d: %v", len(conns), err)
			}
			conns = append(conns, c)
		}
		time.Sleep(3 * time.Second) // idle, as an attacker's would be
		after, peak, fdsAfter := procKB(b, pid, "VmRSS"), procKB(b, pid, "VmHWM"), openFDs(b, pid)
		for _, c := range conns {
			_ = c.Close()
		}
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()

		b.ReportMetric(before/1024, "MB-rss-before")
		b.ReportMetric(after/1024, "MB-rss-after")
		b.ReportMetric(peak/1024, "MB-rss-peak")
		b.ReportMetric(float64(fdsAfter-fdsBefore), "fds-held")
	}
}
