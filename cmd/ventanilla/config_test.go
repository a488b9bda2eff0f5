package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigLoads(t *testing.T) {
	// The example points at /etc/ventanilla; use the holiday file shipped
	// next to it instead.
	raw, err := os.ReadFile("../../ventanilla.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("../../deploy/holidays.example.txt")
	body := strings.Replace(string(raw), "/etc/ventanilla/holidays.txt", abs, 1)
	pw := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body = strings.Replace(body, "/etc/ventanilla/smtp-password", pw, 1)
	f := filepath.Join(t.TempDir(), "ventanilla.toml")
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(f, defaultConfig())
	if err != nil {
		t.Fatalf("the documented example must load: %v", err)
	}
	if c.Privacy.Controller != "Ayuntamiento de Getafe" || c.Privacy.Contact != "dpd@getafe.es" {
		t.Fatalf("privacy: %+v", c.Privacy)
	}
	if c.KioskID != "getafe-01" || c.IdleTimeout.Seconds() != 90 || c.CodeLength != 9 || len(c.langs) != 6 || c.SMSSignature != "Ayto. Getafe" {
		t.Fatalf("unexpected values: %+v", c)
	}
}

func TestBadConfigNamesFileFieldAndProblem(t *testing.T) {
	cases := []struct {
		name, body, field, problem string
	}{
		{"syntax", "office = \"x\nkiosk_id = 1", "", "line"},
		{"unknown", "ofice = \"x\"", "ofice", "unknown field"},
		{"type", "code_length = \"nine\"", "", "code_length"},
		{"code length", "code_length = 21", "code_length", "between 6 and 20"},
		{"duration", "idle_timeout = \"ninety\"", "", "duration"},
		{"idle range", "idle_timeout = \"5s\"", "idle_timeout", "out of range"},
		{"warning", "idle_timeout = \"60s\"\nidle_warning = \"60s\"", "idle_warning", "shorter"},
		{"language", "languages = [\"es\", \"de\"]", "languages", "unknown language"},
		{"no spanish", "languages = [\"en\"]", "languages", "must include"},
		{"email", "[call_centre]\nemail = \"not an address\"", "call_centre.email", "e-mail"},
		{"tls", "[smtp]\ntls = \"yes\"", "smtp.tls", "mandatory"},
		{"tls none to a remote relay", "[smtp]\nhost = \"smtp.example.es\"\ntls = \"none\"", "smtp.tls", "in clear"},
		{"tls opportunistic to a remote relay", "[smtp]\nhost = \"10.0.0.25\"\ntls = \"opportunistic\"", "smtp.tls", "in clear"},
		{"password file missing", "[smtp]\npassword_file = \"/nonexistent/pw\"", "smtp.password_file", "cannot read"},
		{"pin", "[modem]\npin = \"12a4\"", "modem.pin", "4 to 8 digits"},
		{"baud", "[modem]\nbaud = 1234", "modem.baud", "serial speed"},
		{"listen", "[ssh]\nlisten = \"2222\"", "ssh.listen", "host:port"},
		{"retention", "[retention]\nmax_age = \"10m\"", "retention.max_age", "too short"},
		{"holidays", "holidays_file = \"/nonexistent/h.txt\"", "holidays_file", "no such file"},
		{"fnmt link", "[fnmt_links]\nrequest_form = \"http://x\"", "fnmt_links.request_form", "https"},
		{"sms signature accent", "sms_signature = \"Atención\"", "sms_signature", "GSM"},
		{"sms signature length", "sms_signature = \"Ayuntamiento de Villaviciosa\"", "sms_signature", "at most 18"},
		{"fnmt device", "[fnmt_links.configurator]\nbeos = \"https://x\"", "fnmt_links.configurator.beos", "unknown device"},
		{"fnmt phone configurator", "[fnmt_links.configurator]\nios = \"https://x\"", "fnmt_links.configurator.ios", "fnmt_links.app"},
		{"fnmt app link", "[fnmt_links]\napp = \"http://x\"", "fnmt_links.app", "https"},
		{"madrid holidays", "madrid_holidays_file = \"/nonexistent/m.txt\"", "madrid_holidays_file", "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "k.toml")
			if err := os.WriteFile(f, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(f, defaultConfig())
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want *ConfigError, got %v", err)
			}
			if ce.File != f || ce.Field != tc.field || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("got file=%q field=%q msg=%q; want field %q and %q in the message", ce.File, ce.Field, err, tc.field, tc.problem)
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := loadConfig(filepath.Join(t.TempDir(), "none.toml"), defaultConfig())
	if err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("got %v", err)
	}
}

func TestDemoConfigIsValid(t *testing.T) {
	if _, err := loadConfig("", demoConfig()); err != nil {
		t.Fatal(err)
	}
}

// TestHolidayWarnings: the console is told which holiday data is missing
// for this year and the next (issue 13.2), and stops saying it once the
// files cover them.
func TestHolidayWarnings(t *testing.T) {
	dec2026 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	base := defaultConfig()
	c, err := loadConfig("", base)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(c.holidayWarnings(dec2026), "\n")
	for _, want := range []string{"no holidays_file is set", "Madrid's holidays for 2027", "madrid_holidays_file"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "Madrid's holidays for 2026") {
		t.Errorf("2026 is built in:\n%s", w)
	}

	dir := t.TempDir()
	office := filepath.Join(dir, "office.txt")
	if err := os.WriteFile(office, []byte("2026-05-15 San Isidro\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(f, []byte(fmt.Sprintf("holidays_file = %q\n", office)), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = loadConfig(f, base); err != nil {
		t.Fatal(err)
	}
	w = strings.Join(c.holidayWarnings(dec2026), "\n")
	if !strings.Contains(w, office+" has no days for 2027") || strings.Contains(w, "for 2026") {
		t.Errorf("office file covering 2026 only:\n%s", w)
	}

	madrid := filepath.Join(dir, "madrid.txt")
	if err := os.WriteFile(office, []byte("2026-05-15 San Isidro\n2027-05-15 San Isidro\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(madrid, []byte("2027-05-15 San Isidro\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(fmt.Sprintf("holidays_file = %q\nmadrid_holidays_file = %q\n", office, madrid)), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = loadConfig(f, base); err != nil {
		t.Fatal(err)
	}
	if w := c.holidayWarnings(dec2026); len(w) != 0 {
		t.Errorf("covered years still warn: %q", w)
	}
	// In January 2027 the next year is 2028.
	if w := c.holidayWarnings(time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)); len(w) != 2 {
		t.Errorf("2028 not warned about: %q", w)
	}
}

// TestPrivacyRequired: a kiosk that shows visitors anything does not
// start without [privacy], since the notice would name nobody (issue
// 13.7); the demo has fictitious values.
func TestPrivacyRequired(t *testing.T) {
	for _, tc := range []struct{ body, field, problem string }{
		{"", "privacy.controller", "RGPD art. 13"},
		{"[privacy]\ncontact = \"dpd@x.es\"", "privacy.controller", "RGPD art. 13"},
		{"[privacy]\ncontroller = \"Ayuntamiento\"", "privacy.contact", "rights"},
	} {
		f := filepath.Join(t.TempDir(), "k.toml")
		if err := os.WriteFile(f, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(f, defaultConfig())
		if err != nil {
			t.Fatalf("%q: %v", tc.body, err)
		}
		err = c.requireVisitorSettings(f)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.File != f || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%q: %v, want field %s", tc.body, err, tc.field)
		}
	}
	c, err := loadConfig("", demoConfig())
	if err != nil || c.requireVisitorSettings("") != nil || !strings.HasSuffix(c.Privacy.Contact, ".invalid") {
		t.Fatalf("demo privacy: %+v %v", c.Privacy, err)
	}
}

// TestSMTPPasswordFileMode: a password file others can read is refused,
// as OpenSSH refuses such a key; 0600 and 0400 are fine.
func TestSMTPPasswordFileMode(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o640, false}, {0o644, false}, {0o666, false}} {
		dir := t.TempDir()
		pw := filepath.Join(dir, "pw")
		if err := os.WriteFile(pw, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(pw, tc.mode); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "k.toml")
		if err := os.WriteFile(f, []byte(withPrivacy(fmt.Sprintf("[smtp]\nhost = \"smtp.example.es\"\npassword_file = %q\n", pw))), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadConfig(f, defaultConfig())
		var ce *ConfigError
		switch {
		case tc.ok && err != nil:
			t.Errorf("mode %04o refused: %v", tc.mode, err)
		case !tc.ok && (!errors.As(err, &ce) || ce.Field != "smtp.password_file" || !strings.Contains(err.Error(), "chmod 600")):
			t.Errorf("mode %04o: %v, want a smtp.password_file error saying chmod 600", tc.mode, err)
		}
	}
}

// TestSMTPClearOnlyOnLoopback: "none" and "opportunistic" stay allowed for
// a relay on this machine (a local MTA, the demo's catcher).
func TestSMTPClearOnlyOnLoopback(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "[::1]"} {
		for _, tls := range []string{"none", "opportunistic"} {
			f := filepath.Join(t.TempDir(), "k.toml")
			if err := os.WriteFile(f, []byte(withPrivacy(fmt.Sprintf("[smtp]\nhost = %q\ntls = %q\n", host, tls))), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := loadConfig(f, defaultConfig()); err != nil {
				t.Errorf("host %s tls %s: %v", host, tls, err)
			}
		}
	}
	f := filepath.Join(t.TempDir(), "k.toml")
	if err := os.WriteFile(f, []byte(withPrivacy("[smtp]\nhost = \"smtp.example.es\"\ntls = \"implicit\"\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(f, defaultConfig()); err != nil {
		t.Errorf("implicit TLS: %v", err)
	}
}

// withPrivacy completes a test file with the [privacy] a kiosk needs.
func withPrivacy(body string) string {
	return body + "[privacy]\ncontroller = \"Ayuntamiento\"\ncontact = \"dpd@example.es\"\n"
}

// TestRunWithoutPrivacyRefuses: `run` (with the visitor screen, not demo)
// stops at once with exit status 2 and names the missing field; nothing
// is opened.
func TestRunWithoutPrivacyRefuses(t *testing.T) {
	data := t.TempDir()
	f := filepath.Join(t.TempDir(), "k.toml")
	if err := os.WriteFile(f, []byte("[ssh]\nlisten = \"\"\n[metrics]\nlisten = \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binPath, "run", "--config", f, "--data", data).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), `"privacy.controller"`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(data, "ventanilla.db")); err == nil {
		t.Fatal("the database was opened before the configuration was complete")
	}
}
