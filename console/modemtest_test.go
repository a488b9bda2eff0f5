package console

import (
	"slices"
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// TestModemTestNationalNumber (issue 14.11): `modem test` takes a number
// the way the visitor screens and `sms send` do — here a national one —
// asks the kiosk to read it, and sends to what the kiosk read.
func TestModemTestNationalNumber(t *testing.T) {
	e := newEnv(t, nil)
	out, errOut, code := e.run(t, "modem test 600 000 013")
	if code != 0 || !strings.Contains(out, "test SMS sent to "+mask.Phone("+34600000013")) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	e.modem.mu.Lock()
	sent := slices.Clone(e.modem.sent)
	e.modem.mu.Unlock()
	if !slices.Equal(sent, []string{"+34600000013"}) {
		t.Fatalf("sent to %v", sent)
	}
	_, errOut, code = e.run(t, "modem test 612 34")
	if code != exitUsage || !strings.Contains(errOut, "not a phone number") || strings.Contains(errOut, "612 34") ||
		!strings.Contains(errOut, "600 000 000") || !strings.Contains(errOut, "+33 6 12 34 56 78") {
		t.Fatalf("bad number: exit %d, stderr %q (want 2, the reason and valid forms, not the digits)", code, errOut)
	}
}
