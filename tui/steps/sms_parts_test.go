package steps

import (
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
)

// TestCodeSMSIsOnePart: the verification code must arrive as one SMS in
// every language (accented Spanish forces UCS-2: 70 characters).
func TestCodeSMSIsOnePart(t *testing.T) {
	c := i18n.MustDefault()
	for _, l := range i18n.All {
		text := c.Text(l, "steps.mobile.sms", "Code", "028660", "Minutes", 10)
		if strings.Contains(text, "⟦") {
			t.Fatalf("%s: %q", l, text)
		}
		if n, enc := modem.Parts(text); n != 1 {
			t.Errorf("%s: %q is %d parts (%v)", l, text, n, enc)
		}
	}
}
