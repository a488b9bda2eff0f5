package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/pdu"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// Config is the kiosk's configuration file (see ventanilla.example.toml,
// which documents every field).
type Config struct {
	KioskID      string   `toml:"kiosk_id"`
	Office       string   `toml:"office"`
	Place        string   `toml:"place"`
	Languages    []string `toml:"languages"`
	IdleTimeout  duration `toml:"idle_timeout"`
	IdleWarning  duration `toml:"idle_warning"`
	CodeLength   int      `toml:"code_length"`
	DataDir      string   `toml:"data_dir"`
	HolidaysFile string   `toml:"holidays_file"`
	// MadridHolidaysFile adds Madrid's holidays (where FNMT works) for
	// years this build does not know; the known ones are built in.
	MadridHolidaysFile string      `toml:"madrid_holidays_file"`
	HelpDesk           string      `toml:"help_desk"`
	SMSSignature       string      `toml:"sms_signature"`
	CallCentre         callCentre  `toml:"call_centre"`
	Privacy            privacyConf `toml:"privacy"`
	SMTP               smtpConfig  `toml:"smtp"`
	Modem              modemConf   `toml:"modem"`
	Camera             cameraConf  `toml:"camera"`
	SSH                sshConf     `toml:"ssh"`
	Metrics            metricConf  `toml:"metrics"`
	Retention          retention   `toml:"retention"`
	FNMTLinks          fnmtLinks   `toml:"fnmt_links"`
	Outbox             outboxConf  `toml:"outbox"`
	DataKey            dataKeyConf `toml:"data_key"`

	langs    []i18n.Lang
	calendar *procedure.Calendar
}

// dataKeyConf says where the key that encrypts personal data comes from
// (datakey.go).
type dataKeyConf struct {
	Credential string `toml:"credential"`
	File       string `toml:"file"`
	BesideData bool   `toml:"beside_data"`
}

// outboxConf tunes redelivery; the defaults suit a kiosk.
type outboxConf struct {
	MaxAttempts int      `toml:"max_attempts"`
	BackoffBase duration `toml:"backoff_base"`
	BackoffMax  duration `toml:"backoff_max"`
}

// fnmtLinks override FNMT's pages when FNMT moves them, without a new build.
type fnmtLinks struct {
	Info         string            `toml:"info"`
	App          string            `toml:"app"`
	RequestForm  string            `toml:"request_form"`
	VideoID      string            `toml:"video_id"`
	Download     string            `toml:"download"`
	Offices      string            `toml:"offices"`
	Configurator map[string]string `toml:"configurator"`
}

func (f fnmtLinks) links() procedure.FNMTLinks {
	o := procedure.FNMTLinks{Info: f.Info, App: f.App, RequestForm: f.RequestForm, VideoID: f.VideoID,
		Download: f.Download, Offices: f.Offices}
	if len(f.Configurator) > 0 {
		o.Configurator = map[procedure.DeviceOS]string{}
		for k, v := range f.Configurator {
			o.Configurator[procedure.DeviceOS(k)] = v
		}
	}
	return procedure.DefaultFNMTLinks().Merge(o)
}

type callCentre struct {
	Email string `toml:"email"`
	Phone string `toml:"phone"`
	Hours string `toml:"hours"`
	// Addressee headed the long Cl@ve request model; the handwritten model
	// that replaced it (issue 13.14) has none. Still read, and ignored, so
	// the configuration files of kiosks already installed keep loading.
	Addressee string `toml:"addressee"`
}

// privacyConf is the data-protection notice's controller and contact.
type privacyConf struct {
	Controller string `toml:"controller"`
	Contact    string `toml:"contact"`
	Info       string `toml:"info"`
}

type smtpConfig struct {
	Host         string `toml:"host"`
	Port         int    `toml:"port"`
	Username     string `toml:"username"`
	PasswordFile string `toml:"password_file"`
	From         string `toml:"from"`
	TLS          string `toml:"tls"`
}

type modemConf struct {
	Port string `toml:"port"`
	PIN  string `toml:"pin"`
	Baud int    `toml:"baud"`
}

type cameraConf struct {
	Device string `toml:"device"`
}

type sshConf struct {
	Listen string `toml:"listen"`
	// Limits of the console (0: the console's defaults, see console.Config).
	LoginGraceTime    duration `toml:"login_grace_time"`
	MaxStartups       int      `toml:"max_startups"`
	MaxPerAddress     int      `toml:"max_per_address"`
	SessionsPerMinute int      `toml:"sessions_per_minute"`
	SessionBurst      int      `toml:"session_burst"`
}

type metricConf struct {
	Listen string `toml:"listen"`
}

type retention struct {
	MaxAge      duration `toml:"max_age"`
	DeadPayload duration `toml:"dead_payload"`
}

// duration reads "90s" / "72h" from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like \"90s\", \"5m\" or \"72h\")", string(b))
	}
	d.Duration = v
	return nil
}

// defaultConfig is what a kiosk uses for anything its file leaves out.
func defaultConfig() Config {
	return Config{
		KioskID:     "kiosk",
		Office:      "Oficina de atención ciudadana",
		Languages:   []string{"es", "ca", "gl", "eu", "en", "fr"},
		IdleTimeout: duration{90 * time.Second},
		IdleWarning: duration{30 * time.Second},
		CodeLength:  9,
		DataDir:     "./var",
		SMTP:        smtpConfig{Port: 587, TLS: "mandatory"},
		Modem:       modemConf{Baud: 115200},
		Camera:      cameraConf{Device: "/dev/video0"},
		SSH:         sshConf{Listen: "127.0.0.1:2222"},
		Metrics:     metricConf{Listen: "127.0.0.1:9464"},
		Retention:   retention{MaxAge: duration{72 * time.Hour}},
		Outbox:      outboxConf{MaxAttempts: 8, BackoffBase: duration{30 * time.Second}, BackoffMax: duration{time.Hour}},
		DataKey:     dataKeyConf{Credential: defaultKeyCredential},
	}
}

// demoConfig is the configuration of `run --demo` without a file: every
// device simulated, all addresses on loopback, obviously fictitious
// call-centre details.
func demoConfig() Config {
	c := defaultConfig()
	c.KioskID = "demo"
	c.Office = "Oficina de demostración · Ventanilla"
	c.Place = "Madrid"
	c.HelpDesk = "el mostrador de información"
	c.CallCentre = callCentre{
		Email: "centro-atencion@demo.invalid",
		Phone: "900 000 000",
		Hours: "L-V 9:00-18:00",
	}
	c.Privacy = privacyConf{
		Controller: "Oficina de demostración (responsable ficticio)",
		Contact:    "protecciondedatos@demo.invalid",
	}
	c.SMTP = smtpConfig{From: "ventanilla-demo@localhost", TLS: "none"}
	c.Camera.Device = "sim"
	c.Modem.Port = "sim"
	return c
}

// ConfigError names the file, the field and what is wrong with it.
type ConfigError struct {
	File, Field, Problem string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("config %s: %s", e.File, e.Problem)
	}
	return fmt.Sprintf("config %s: field %q: %s", e.File, e.Field, e.Problem)
}

// loadConfig reads file over base. A missing file, a syntax error, an
// unknown field or a bad value is a *ConfigError.
func loadConfig(file string, base Config) (Config, error) {
	c := base
	if file != "" {
		buf, err := os.ReadFile(file)
		if err != nil {
			return c, &ConfigError{File: file, Problem: fmt.Sprintf("cannot read it: %v", errors.Unwrap(err))}
		}
		md, err := toml.Decode(string(buf), &c)
		if err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return c, &ConfigError{File: file, Problem: fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}
			}
			// Type errors name the field in their text; keep it whole.
			return c, &ConfigError{File: file, Problem: err.Error()}
		}
		if und := md.Undecoded(); len(und) > 0 {
			return c, &ConfigError{File: file, Field: und[0].String(), Problem: "unknown field (check the spelling against ventanilla.example.toml)"}
		}
	} else {
		file = "(built-in)"
	}
	return c, c.validate(file)
}

func (c *Config) validate(file string) error {
	bad := func(field, format string, a ...any) error {
		return &ConfigError{File: file, Field: field, Problem: fmt.Sprintf(format, a...)}
	}
	if strings.TrimSpace(c.KioskID) == "" {
		return bad("kiosk_id", "must not be empty: it names this kiosk in logs and metrics")
	}
	if strings.TrimSpace(c.Office) == "" {
		return bad("office", "must not be empty: it is shown on the home screen")
	}
	c.langs = nil
	seen := map[i18n.Lang]bool{}
	for _, s := range c.Languages {
		l, err := i18n.Parse(s)
		if err != nil {
			return bad("languages", "%v", err)
		}
		if !seen[l] {
			c.langs = append(c.langs, l)
			seen[l] = true
		}
	}
	if !seen[i18n.ES] {
		return bad("languages", "must include \"es\": Spanish is the kiosk's default and source language")
	}
	if c.IdleTimeout.Duration < 30*time.Second || c.IdleTimeout.Duration > 30*time.Minute {
		return bad("idle_timeout", "%v is out of range: use between 30s and 30m", c.IdleTimeout.Duration)
	}
	if c.IdleWarning.Duration < 10*time.Second || c.IdleWarning.Duration >= c.IdleTimeout.Duration {
		return bad("idle_warning", "%v must be at least 10s and shorter than idle_timeout (%v)", c.IdleWarning.Duration, c.IdleTimeout.Duration)
	}
	if n, enc := modem.Parts(c.SMSSignature); utf8.RuneCountInString(c.SMSSignature) > kit.MaxSMSSignature || (n > 0 && enc != pdu.GSM7) {
		return bad("sms_signature", "%q: at most %d characters of the SMS (GSM) alphabet, which has é, è, ñ and ü but not á, í, ó, ú or ·; a longer or accented signature would make every SMS longer (\"Ayto. Getafe\")", c.SMSSignature, kit.MaxSMSSignature)
	}
	if c.CodeLength < procedure.MinRequestCodeLength || c.CodeLength > procedure.MaxRequestCodeLength {
		return bad("code_length", "%d is out of range: use between %d and %d digits (FNMT's código de solicitud has 9 today)", c.CodeLength, procedure.MinRequestCodeLength, procedure.MaxRequestCodeLength)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return bad("data_dir", "must not be empty")
	}
	if c.CallCentre.Email != "" {
		if a, err := mail.ParseAddress(c.CallCentre.Email); err != nil || a.Address != c.CallCentre.Email {
			return bad("call_centre.email", "%q is not a plain e-mail address", c.CallCentre.Email)
		}
	}
	if c.SMTP.From != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			return bad("smtp.from", "%q is not an e-mail address", c.SMTP.From)
		}
	}
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		return bad("smtp.port", "%d is not a TCP port", c.SMTP.Port)
	}
	switch c.SMTP.TLS {
	case "mandatory", "implicit":
	case "opportunistic", "none":
		// The e-mails carry DNI images and the relay password: only a
		// relay on this machine may be spoken to without TLS.
		if c.SMTP.Host != "" && !loopbackHost(c.SMTP.Host) {
			return bad("smtp.tls", "%q would send DNI images and the relay password to %s in clear (or to anyone between who strips STARTTLS): use \"mandatory\" (STARTTLS, port 587) or \"implicit\" (TLS, port 465); \"opportunistic\" and \"none\" are only for a relay on this machine", c.SMTP.TLS, c.SMTP.Host)
		}
	default:
		return bad("smtp.tls", "%q: use \"mandatory\" (STARTTLS required), \"implicit\" (TLS from the start, port 465), or for a relay on this machine \"opportunistic\" or \"none\"", c.SMTP.TLS)
	}
	if c.SMTP.PasswordFile != "" {
		if err := checkSecretFile(c.SMTP.PasswordFile); err != nil {
			return bad("smtp.password_file", "%v", err)
		}
	}
	if c.DataKey.Credential == "" || strings.ContainsAny(c.DataKey.Credential, "/\x00") || c.DataKey.Credential == "." || c.DataKey.Credential == ".." {
		return bad("data_key.credential", "%q is not a credential name (as in LoadCredentialEncrypted=NAME:…; default %q)", c.DataKey.Credential, defaultKeyCredential)
	}
	if c.DataKey.File != "" && !filepath.IsAbs(c.DataKey.File) {
		return bad("data_key.file", "%q must be an absolute path (on another filesystem than the data)", c.DataKey.File)
	}
	if c.Modem.PIN != "" && (len(c.Modem.PIN) < 4 || len(c.Modem.PIN) > 8 || strings.Trim(c.Modem.PIN, "0123456789") != "") {
		return bad("modem.pin", "a SIM PIN is 4 to 8 digits")
	}
	switch c.Modem.Baud {
	case 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600:
	default:
		return bad("modem.baud", "%d is not a standard serial speed (115200 for most USB modems)", c.Modem.Baud)
	}
	for field, n := range map[string]int{"ssh.max_startups": c.SSH.MaxStartups, "ssh.max_per_address": c.SSH.MaxPerAddress,
		"ssh.sessions_per_minute": c.SSH.SessionsPerMinute, "ssh.session_burst": c.SSH.SessionBurst} {
		if n < 0 {
			return bad(field, "%d: use a positive number (0 for the default)", n)
		}
	}
	if c.SSH.LoginGraceTime.Duration < 0 {
		return bad("ssh.login_grace_time", "must not be negative (0 for the default, 20s)")
	}
	for field, addr := range map[string]string{"ssh.listen": c.SSH.Listen, "metrics.listen": c.Metrics.Listen} {
		if addr == "" {
			continue // empty disables the service
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return bad(field, "%q is not host:port (for example 127.0.0.1:2222)", addr)
		}
	}
	for field, u := range map[string]string{"fnmt_links.info": c.FNMTLinks.Info, "fnmt_links.request_form": c.FNMTLinks.RequestForm,
		"fnmt_links.video_id": c.FNMTLinks.VideoID, "fnmt_links.download": c.FNMTLinks.Download,
		"fnmt_links.app": c.FNMTLinks.App, "fnmt_links.offices": c.FNMTLinks.Offices} {
		if u != "" && !strings.HasPrefix(u, "https://") {
			return bad(field, "%q must be an https:// address", u)
		}
		if len(u) > procedure.MaxQRLinkLength {
			return bad(field, "%q is %d bytes: at most %d fit the QR code on an 80x24 screen (use a shorter address or a redirect)", u, len(u), procedure.MaxQRLinkLength)
		}
	}
	for dev, u := range c.FNMTLinks.Configurator {
		if !validDevice(dev) {
			return bad("fnmt_links.configurator."+dev, "unknown device (use %s)", strings.Join(deviceNames(), ", "))
		}
		if procedure.DeviceOS(dev).UsesApp() {
			return bad("fnmt_links.configurator."+dev, "phones and tablets use FNMT's app, not the configurator: set fnmt_links.app instead")
		}
		if u != "" && !strings.HasPrefix(u, "https://") {
			return bad("fnmt_links.configurator."+dev, "%q must be an https:// address (or \"\" to hide that device)", u)
		}
	}
	if _, err := procedure.LoadFNMTCalendar(c.HolidaysFile, ""); err != nil {
		return bad("holidays_file", "%v", err)
	}
	cal, err := procedure.LoadFNMTCalendar(c.HolidaysFile, c.MadridHolidaysFile)
	if err != nil {
		return bad("madrid_holidays_file", "%v", err)
	}
	c.calendar = cal
	if c.Outbox.MaxAttempts < 1 || c.Outbox.MaxAttempts > 100 {
		return bad("outbox.max_attempts", "%d is out of range: use 1 to 100", c.Outbox.MaxAttempts)
	}
	if c.Outbox.BackoffBase.Duration < time.Second || c.Outbox.BackoffBase.Duration > c.Outbox.BackoffMax.Duration {
		return bad("outbox.backoff_base", "%v must be at least 1s and at most backoff_max (%v)", c.Outbox.BackoffBase.Duration, c.Outbox.BackoffMax.Duration)
	}
	if c.Retention.DeadPayload.Duration < 0 || c.Retention.DeadPayload.Duration > c.Retention.MaxAge.Duration {
		return bad("retention.dead_payload", "%v must be between 0s and max_age (%v)", c.Retention.DeadPayload.Duration, c.Retention.MaxAge.Duration)
	}
	if c.Retention.MaxAge.Duration < time.Hour {
		return bad("retention.max_age", "%v is too short: undelivered requests need time to leave when the network is down (use at least 1h)", c.Retention.MaxAge.Duration)
	}
	return nil
}

// requireVisitorSettings checks what only the visitor screen needs: the
// data-protection notice names the controller and where to exercise the
// rights (RGPD art. 13), so a kiosk that shows visitors anything does not
// start without them. A --headless run (devices, outbox, console) shows no
// notice and does not need them.
func (c *Config) requireVisitorSettings(file string) error {
	if file == "" {
		file = "(built-in)"
	}
	bad := func(field, problem string) error { return &ConfigError{File: file, Field: field, Problem: problem} }
	if strings.TrimSpace(c.Privacy.Controller) == "" {
		return bad("privacy.controller", "must be set: the data-protection notice names who is responsible for the visitor's data (RGPD art. 13), e.g. controller = \"Ayuntamiento de Getafe\"")
	}
	if strings.TrimSpace(c.Privacy.Contact) == "" {
		return bad("privacy.contact", "must be set: the notice says where to exercise the data-protection rights (an e-mail or the DPO's address), e.g. contact = \"dpd@getafe.es\"")
	}
	return nil
}

// deviceNames are the computers a configurator address may be set for.
// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// checkSecretFile checks a file holding a secret as OpenSSH checks a key:
// a regular file nobody but its owner can read or write (0600 or 0400).
func checkSecretFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o: others can read the password; chmod 600 %s", path, perm, path)
	}
	return nil
}

func deviceNames() []string {
	var out []string
	for _, d := range procedure.DeviceOSes() {
		if !d.UsesApp() {
			out = append(out, string(d))
		}
	}
	return out
}

func validDevice(s string) bool {
	for _, d := range procedure.DeviceOSes() {
		if string(d) == s {
			return true
		}
	}
	return false
}

// holidayWarnings says, in the technician's words, which holiday data is
// missing for the current and the next year (in Madrid's time): without
// it FNMT's answer day is counted with national holidays only there and
// comes out a day or two early around regional and local holidays. Checked
// when asked, so a kiosk running across New Year starts warning by itself.
func (c *Config) holidayWarnings(now time.Time) []string {
	if c.calendar == nil {
		return nil
	}
	y := now.In(procedure.Madrid()).Year()
	var out []string
	if c.HolidaysFile == "" {
		out = append(out, "holidays: no holidays_file is set, so FNMT deadlines skip national and Madrid holidays only, not this office's regional and local ones: write them (from the BOE, the regional bulletin and the town hall) to a file and set holidays_file")
	}
	for _, g := range c.calendar.Gaps(y, y+1) {
		switch {
		case g.Place == procedure.PlaceOffice && c.HolidaysFile == "":
		case g.Place == procedure.PlaceOffice:
			out = append(out, fmt.Sprintf("holidays: %s has no days for %d: add the office's regional and local holidays for %d (BOE, regional bulletin, town hall)", c.HolidaysFile, g.Year, g.Year))
		case g.Place == procedure.PlaceMadrid:
			out = append(out, fmt.Sprintf("holidays: Madrid's holidays for %d (FNMT works there) are not built into this version: add them from the BOE and the BOCM to a file and set madrid_holidays_file", g.Year))
		}
	}
	return out
}
