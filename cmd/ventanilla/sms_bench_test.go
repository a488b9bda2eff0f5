package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkSMSSendProcess is `ventanilla sms send` of a one-part SMS as a
// technician runs it, whole process (exec to exit: start-up, opening and
// initialising the modem, the send, closing), against `ventanilla modem
// sim` on a pty, clean and with URC noise and "\r\r\n" framing. Target
// ≤ 100 ms. With VENTANILLA_BASELINE_BIN set to an older build, the same
// exchanges run through it too, in the same run, for a comparison:
//
//	go test -run '^$' -bench BenchmarkSMSSendProcess ./cmd/ventanilla/
func BenchmarkSMSSendProcess(b *testing.B) {
	bins := []struct{ name, path string }{{"current", binPath}}
	if p := os.Getenv("VENTANILLA_BASELINE_BIN"); p != "" {
		bins = append(bins, struct{ name, path string }{"baseline", p})
	}
	for _, sim := range []struct {
		name string
		args []string
	}{{"clean", nil}, {"noise-crcrlf", []string{"--noise", "--crcrlf"}}} {
		for _, bin := range bins {
			b.Run(sim.name+"/"+bin.name, func(b *testing.B) {
				port, lines := startSim(b, sim.args...)
				var total time.Duration
				for i := 0; i < b.N; i++ {
					start := time.Now()
					out, err := exec.Command(bin.path, "sms", "send", "--port", port, "--to", "+34600000000", "--text", "Su cita: lunes 10:30").CombinedOutput()
					total += time.Since(start)
					if err != nil {
						b.Fatalf("sms send: %v %s", err, out)
					}
					select {
					case <-lines:
					case <-time.After(5 * time.Second):
						b.Fatal("the emulator printed no SMS")
					}
				}
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/send")
			})
		}
	}
}
