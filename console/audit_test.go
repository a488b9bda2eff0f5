package console

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// metricLine reads one series (name{labels}) from the metrics the console
// was given; "0" when absent.
func metricLine(t *testing.T, e *testEnv, series string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := e.met.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(buf.String())
	if m == nil {
		return "0"
	}
	return m[1]
}

// auditFailures reads ventanilla_audit_write_failures_total{event}.
func auditFailures(t *testing.T, e *testEnv, event string) string {
	t.Helper()
	return metricLine(t, e, `ventanilla_audit_write_failures_total{event="`+event+`"}`)
}

// TestActionsRefusedWhenTheAuditLogFails: with an audit sink that fails,
// no technician action is performed (maintenance, retry, test SMS, key
// reload), each exits 1 saying why, and the metric counts every refusal.
// Looking (status) still works, with a warning.
func TestActionsRefusedWhenTheAuditLogFails(t *testing.T) {
	e := newEnv(t, nil)
	e.audit.failing(func(string) bool { return true })

	for _, c := range []string{"maintenance on", "queue retry 01JOB00000000000000000000B", "modem test +34600000012", "keys reload"} {
		out, errOut, code := e.run(t, c)
		if code != exitNo || !strings.Contains(errOut, "not done: audit log not writable") || !strings.Contains(errOut, "no space left") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and the reason", c, code, out, errOut)
		}
	}
	if got := e.kiosk.maintenanceCalls(); len(got) != 0 {
		t.Errorf("maintenance changed without an audit record: %v", got)
	}
	if got := e.queue.retriedIDs(); len(got) != 0 {
		t.Errorf("job retried without an audit record: %v", got)
	}
	e.modem.mu.Lock()
	sent := slices.Clone(e.modem.sent)
	e.modem.mu.Unlock()
	if len(sent) != 0 {
		t.Errorf("test SMS sent without an audit record: %v", sent)
	}
	for ev, want := range map[string]string{"ssh.maintenance": "1", "ssh.queue_retry": "1", "ssh.modem_test": "1",
		"ssh.keys_reload": "1", "ssh.login": "4", "ssh.command": "4"} {
		if got := auditFailures(t, e, ev); got != want {
			t.Errorf("audit failures for %s = %s, want %s", ev, got, want)
		}
	}

	out, errOut, code := e.run(t, "status")
	if code != exitOK || !strings.Contains(out, "mad-012") || !strings.Contains(errOut, "commands that change anything are refused") {
		t.Errorf("status with the audit log down: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestActionAuditedBeforeAndAfter: the request is in the log before the
// action, the outcome after it; when only the outcome cannot be written
// the action stands and the technician is warned.
func TestActionAuditedBeforeAndAfter(t *testing.T) {
	e := newEnv(t, nil)
	if _, _, code := e.run(t, "queue retry 01JOB00000000000000000000B"); code != exitOK {
		t.Fatalf("retry exit %d", code)
	}
	req, res := e.audit.events("ssh.queue_retry"), e.audit.events("ssh.queue_retry.result")
	if len(req) != 1 || req[0].fields["job"] != "01JOB00000000000000000000B" || req[0].fields["fingerprint"] == "" {
		t.Fatalf("request records %+v", req)
	}
	if len(res) != 1 || res[0].fields["ok"] != "true" {
		t.Fatalf("result records %+v", res)
	}

	e.audit.failing(func(ev string) bool { return strings.HasSuffix(ev, ".result") })
	out, errOut, code := e.run(t, "maintenance on")
	if code != exitOK || out != "maintenance on\n" || !strings.Contains(errOut, "outcome is not in the audit log") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := e.kiosk.maintenanceCalls(); !slices.Equal(got, []bool{true}) {
		t.Fatalf("maintenance calls %v", got)
	}
	if got := auditFailures(t, e, "ssh.maintenance.result"); got != "1" {
		t.Fatalf("outcome failure counted %s times", got)
	}
}

// TestMaintenanceErrorsReachTheTechnician: a kiosk that cannot change
// maintenance mode (headless, screen not confirming) makes the command
// fail with its reason, and the outcome is audited as failed.
func TestMaintenanceErrorsReachTheTechnician(t *testing.T) {
	e := newEnv(t, nil)
	e.kiosk.failWith(errors.New("this kiosk runs --headless: there is no visitor screen to put out of service"))
	out, errOut, code := e.run(t, "maintenance on")
	if code != exitNo || out != "" || !strings.Contains(errOut, "maintenance on: this kiosk runs --headless") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and the kiosk's reason", code, out, errOut)
	}
	res := e.audit.events("ssh.maintenance.result")
	if len(res) != 1 || res[0].fields["ok"] != "false" || !strings.Contains(res[0].fields["error"], "headless") {
		t.Fatalf("outcome %+v", res)
	}
	if st, _, _ := e.run(t, "status --json"); !strings.Contains(st, `"maintenance":false`) {
		t.Fatalf("status after a refused change: %s", st)
	}
}

// TestInteractiveActionsRefusedWhenTheAuditLogFails: in the console UI the
// maintenance toggle and the camera preview do nothing when they cannot be
// audited, and say why.
func TestInteractiveActionsRefusedWhenTheAuditLogFails(t *testing.T) {
	e := newEnv(t, nil)
	e.audit.failing(func(ev string) bool { return ev != "ssh.login" })
	tm := e.openTerm(t, e.mustDial(t), 100, 30)
	tm.waitFor("ventanilla console")
	tm.send("m")
	tm.waitFor("(y/n)")
	tm.send("y")
	tm.waitFor("maintenance on: not done: audit log not writable")
	if got := e.kiosk.maintenanceCalls(); len(got) != 0 {
		t.Fatalf("maintenance changed: %v", got)
	}
	tm.send("3")
	tm.waitFor("Format")
	tm.send("p")
	tm.waitFor("camera preview not shown")
	if strings.Contains(tm.screen(), "Live preview") {
		t.Fatal("preview shown without an audit record")
	}
	tm.send("q")
	if err := tm.wait(); err != nil {
		t.Fatal(err)
	}
}
