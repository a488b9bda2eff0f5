package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestMetrics(stats map[string]int, err error) *Metrics {
	return New(Options{
		Version: "v1.2.3", KioskID: "test-1",
		QueueStats: func(context.Context) (map[string]int, error) {
			if err != nil {
				return nil, err
			}
			cp := map[string]int{}
			for k, v := range stats {
				cp[k] = v
			}
			return cp, nil
		},
		CameraFPS: func() float64 { return 14.5 },
	})
}

func exercise(m *Metrics) {
	m.JobDelivered("sms", 3*time.Second)
	m.JobFailed("email", true)
	m.SetModem(true, -71)
	m.SessionStarted("fnmt")
	m.SessionFinished("fnmt")
	m.SessionAbandoned("clave", "2-request")
	m.SSHLogin(true)
	m.SSHSessionOpened()
	m.AuditFailed("ssh.maintenance")
}

func text(t *testing.T, m *Metrics) string {
	t.Helper()
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestValues(t *testing.T) {
	m := newTestMetrics(map[string]int{"pending": 3, "sent": 10}, nil)
	exercise(m)
	m.JobDelivered("sms", 90*time.Second)
	out := text(t, m)
	for _, want := range []string{
		`ventanilla_outbox_jobs{state="pending"} 3`,
		`ventanilla_outbox_jobs{state="dead"} 0`,
		`ventanilla_outbox_up 1`,
		`ventanilla_outbox_delivered_total{kind="sms"} 2`,
		`ventanilla_outbox_delivery_latency_seconds_bucket{kind="sms",le="5"} 1`,
		`ventanilla_outbox_delivery_latency_seconds_bucket{kind="sms",le="300"} 2`,
		`ventanilla_outbox_failures_total{kind="email",permanent="true"} 1`,
		`ventanilla_modem_registered 1`,
		`ventanilla_modem_signal_dbm -71`,
		`ventanilla_camera_fps 14.5`,
		`ventanilla_visitor_sessions_abandoned_total{flow="clave",step="2-request"} 1`,
		`ventanilla_ssh_logins_total{result="accepted"} 1`,
		`ventanilla_ssh_logins_total{result="rejected"} 0`,
		`ventanilla_ssh_sessions 1`,
		`ventanilla_build_info{kiosk_id="test-1",version="v1.2.3"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
	m.SetModem(false, 0)
	if !strings.Contains(text(t, m), "ventanilla_modem_registered 0\n") {
		t.Error("registered not 0 after SetModem(false)")
	}
}

func TestQueueStatsErrorMarksDown(t *testing.T) {
	m := newTestMetrics(nil, errors.New("db locked"))
	out := text(t, m)
	if !strings.Contains(out, "ventanilla_outbox_up 0\n") {
		t.Fatalf("outbox_up not 0:\n%s", out)
	}
	if strings.Contains(out, "ventanilla_outbox_jobs{") {
		t.Fatal("jobs exposed although stats failed")
	}
}

func TestNilSafe(t *testing.T) {
	var m *Metrics
	exercise(m) // must not panic
	m.SSHSessionClosed()
	m.SetCameraFPS(3)
}

func TestSetCameraFPSWithoutFunc(t *testing.T) {
	m := New(Options{})
	m.SetCameraFPS(7.25)
	if !strings.Contains(text(t, m), "ventanilla_camera_fps 7.25\n") {
		t.Fatal("fps not exposed")
	}
}

// TestAlertRulesUseKnownMetrics keeps ALERTS.md honest: every ventanilla_*
// metric named in a rule expression must exist in the registry's output.
func TestAlertRulesUseKnownMetrics(t *testing.T) {
	doc, err := os.ReadFile("../ALERTS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMetrics(map[string]int{"pending": 1}, nil)
	exercise(m)
	out := text(t, m)
	exprRe := regexp.MustCompile(`(?m)^\s*expr:\s*(.+)$`)
	nameRe := regexp.MustCompile(`ventanilla_[a-z_]+`)
	exprs := exprRe.FindAllStringSubmatch(string(doc), -1)
	if len(exprs) < 2 {
		t.Fatalf("found %d rule expressions in ALERTS.md, want at least 2", len(exprs))
	}
	checked := 0
	for _, e := range exprs {
		for _, name := range nameRe.FindAllString(e[1], -1) {
			checked++
			if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).MatchString(out) {
				t.Errorf("alert expression %q uses %s, which the registry does not expose", e[1], name)
			}
		}
	}
	for _, must := range []string{`ventanilla_outbox_jobs{state="dead"} > 0`, `ventanilla_modem_registered == 0`} {
		if !strings.Contains(string(doc), must) {
			t.Errorf("ALERTS.md lacks the rule %q", must)
		}
	}
	if checked == 0 {
		t.Fatal("no metric names checked")
	}
}

func TestServeLoopbackOnly(t *testing.T) {
	m := newTestMetrics(map[string]int{"pending": 2}, nil)
	if _, err := m.Serve("0.0.0.0:0"); !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("Serve(0.0.0.0) err = %v, want ErrNotLoopback", err)
	}
	s, err := m.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `ventanilla_outbox_jobs{state="pending"} 2`) {
		t.Fatalf("status %d body:\n%s", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkScrape(b *testing.B) {
	m := newTestMetrics(map[string]int{"pending": 3, "sent": 100, "dead": 1}, nil)
	exercise(m)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := m.WriteText(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
