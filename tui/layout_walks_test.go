package tui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// TestLayoutEveryScreen is the layout test described in layout_test.go.
// Each walk goes through one part of the kiosk as a visitor would,
// including the mistakes visitors make, and looks at every state it
// reaches.
func TestLayoutEveryScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("the layout walk renders every screen in six languages")
	}
	base := newLayout(t)
	walks := []struct {
		name string
		walk func(*layout, *harness)
	}{
		{"home", walkHome},
		{"shell", walkShell},
		{"fnmt", walkFNMT},
		{"fnmt-modem-down", walkFNMTModemDown},
		{"clave", walkClave},
		{"certificate", walkCertificate},
	}
	var mu sync.Mutex
	states, views := 0, 0
	t.Run("walks", func(t *testing.T) {
		for _, w := range walks {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				l := base.fork(t)
				w.walk(l, newHarness(t))
				mu.Lock()
				states, views = states+l.nStates, views+l.nViews
				mu.Unlock()
			})
		}
	})
	base.checkKnown(t)
	t.Logf("%d states, %d distinct screens checked, %d replays", states, views, replays.Load())
}

// mustSee stops the walk when the kiosk is not where the walk thinks:
// the walk, not the screen, needs fixing then.
func mustSee(t testing.TB, h *harness, key string, args ...any) {
	t.Helper()
	want := strings.Fields(h.env.T.T(key, args...))
	// Compare the first words: the screen wraps the text, sometimes in a
	// column beside a QR code.
	want = want[:min(3, len(want))]
	if !strings.Contains(strings.Join(strings.Fields(h.view()), " "), strings.Join(want, " ")) {
		t.Fatalf("walk lost: expected %s (%q) at %s:\n%s", key, want, h.where(), h.view())
	}
}

func walkHome(l *layout, h *harness) {
	l.look(h, "home", true)
	for i := 0; i < 3; i++ {
		h.press("down")
		l.look(h, "home: cursor moved", false)
	}
	h.press("enter") // the fourth item: staff help
	mustSee(l.t, h, "staff.title")
	l.look(h, "staff help", true)
	h.press("esc")
	h.send(MaintenanceMsg{On: true})
	mustSee(l.t, h, "maintenance.body")
	l.look(h, "out of service", true)
	h.send(MaintenanceMsg{On: false})
	l.look(h, "home after maintenance", false)
}

func walkShell(l *layout, h *harness) {
	// A procedure the office has not configured.
	h.set(func(h *harness) { delete(h.m.flows, kit.FlowClave) })
	h.press("down", "enter")
	mustSee(l.t, h, "shell.unavailable")
	l.look(h, "procedure unavailable", true)
	h.press("esc")

	h.press("enter") // FNMT
	h.press("f10")
	mustSee(l.t, h, "shell.cancel_title")
	l.look(h, "cancel dialog", false)
	h.press("esc")
	h.advance(h.env.Settings.IdleTimeout - h.env.Settings.IdleWarning + time.Second)
	mustSee(l.t, h, "shell.idle_title")
	l.look(h, "idle warning", false)

	// A terminal smaller than 80×24 says so, in words that fit it.
	for _, size := range [][2]int{{79, 24}, {60, 20}, {40, 12}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, lg := range i18n.All {
			h.env.T.SetLang(lg)
			v := h.m.View()
			for i, line := range strings.Split(v, "\n") {
				if w := lipgloss.Width(line); w > size[0] {
					l.errorf("too-small screen %dx%d [%s]: line %d is %d cells wide: %q", size[0], size[1], lg, i+1, w, line)
				}
				if full, cut := cutWord(lastWord(line), l.vocab[lg], l.sorted[lg]); cut {
					l.errorf("too-small screen %dx%d [%s]: line %d ends in a cut word (%q of %q)", size[0], size[1], lg, i+1, lastWord(line), full)
				}
			}
		}
		h.env.T.SetLang(i18n.ES)
	}
	h.send(tea.WindowSizeMsg{Width: MinWidth, Height: MinHeight})
}

// capturePhoto shows the live camera; with advice, through the scripted
// visitor's bad phases (looking at each piece of advice) and past the
// help delay. Then the visitor holds still, the camera takes the photo,
// and the walk looks at the review. (Frames are most of the walk's time,
// and every probe after a photo replays them: photos whose advice another
// walk has seen go straight to the good frames.)
func capturePhoto(l *layout, h *harness, name string, advice bool) {
	h.frame(1)
	l.look(h, name+": live camera", false)
	if advice {
		// Still in the first bad phase after the help delay: the camera
		// explains the problem in full.
		h.advance(16 * time.Second)
		h.frame(1)
		l.look(h, name+": live camera with help", false)
		for i := 0; i < 4; i++ {
			h.frame(1)
			l.look(h, name+": live camera", false)
		}
	}
	// The visitor holds still until the camera takes the photo itself.
	review := strings.Fields(h.env.T.T("capture.review_good"))[0]
	for i := 0; i < 60 && !h.has(review) && !h.has(h.env.T.T("capture.review_problems")); i++ {
		h.record(func(h *harness) {
			h.clk.mu.Lock()
			h.clk.now = h.clk.now.Add(300 * time.Millisecond)
			h.clk.mu.Unlock()
		})
		h.frame(1)
	}
	if !h.has(review) {
		l.t.Fatalf("%s: no good photo after 60 frames:\n%s", name, h.view())
	}
	l.look(h, name+": review", true)
	h.press("enter")
}

func walkFNMT(l *layout, h *harness) {
	h.press("enter")
	mustSee(l.t, h, "fnmt.before.intro")
	l.look(h, "fnmt before", true)
	h.press("enter")
	mustSee(l.t, h, "steps.notice.heading")
	l.look(h, "fnmt notice", true)
	// "I would rather see a person": the staff screen, then back in.
	h.press("down", "enter")
	mustSee(l.t, h, "staff.body")
	l.look(h, "fnmt notice: a person instead", false)
	h.press("enter", "enter", "enter", "enter")
	mustSee(l.t, h, "fnmt.install.choose")
	l.look(h, "fnmt device", true)
	// Every device's install page (the configurator, FNMT's app), then
	// Windows.
	for i := 0; i < 5; i++ {
		h.press("enter")
		l.look(h, "fnmt install", i == 0 || i == 4)
		h.press("esc", "down")
	}
	h.press("up", "up", "up", "up", "up", "enter", "enter")
	mustSee(l.t, h, "fnmt.request.data_intro")
	l.look(h, "fnmt data", true)
	h.press("enter")
	l.look(h, "fnmt data: empty NIF", false)
	h.typ("1234", true)
	l.look(h, "fnmt data: short NIF", false)
	h.press("backspace", "backspace", "backspace", "backspace")
	h.typ("12345678Z", true)
	h.typ("García", true)
	h.typ("ana", true)
	l.look(h, "fnmt data: e-mail without @", false)
	for range "ana" {
		h.press("backspace")
	}
	h.typ("ana@example.es", true)
	h.typ("ana@example.com", true)
	l.look(h, "fnmt data: e-mails differ", false)
	for range ".com" {
		h.press("backspace")
	}
	h.typ(".es", true)
	mustSee(l.t, h, "fnmt.request.form_scan")
	l.look(h, "fnmt request form", true)
	h.press("enter")
	mustSee(l.t, h, "fnmt.request.code_intro")
	l.look(h, "fnmt code", true)
	h.typ("12345", true)
	l.look(h, "fnmt code: too short", false)
	for range "12345" {
		h.press("backspace")
	}
	h.typ("123456789", true)
	h.typ("123456780", true)
	l.look(h, "fnmt code: codes differ", false)
	h.press("backspace")
	h.typ("9", true)
	mustSee(l.t, h, "steps.mobile.intro")
	l.look(h, "fnmt mobile", true)
	h.typ("912345678", true)
	l.look(h, "fnmt mobile: landline", false)
	for range "912345678" {
		h.press("backspace")
	}
	h.typ("612345678", true)
	mustSee(l.t, h, "steps.mobile.valid_until", "Time", "")
	l.look(h, "fnmt code sent", true)
	h.typ("000000", true)
	l.look(h, "fnmt wrong code", false)
	h.typ("000000", true)
	h.typ("000000", true)
	l.look(h, "fnmt code locked", true)
	h.advance(61 * time.Second)
	l.look(h, "fnmt code locked, a minute later", true)
	h.press("f5")
	l.look(h, "fnmt new code", false)
	h.typeCode()
	mustSee(l.t, h, "steps.mobile.verified")
	l.look(h, "fnmt mobile verified", true)
	h.press("enter")
	capturePhoto(l, h, "fnmt rehearsal front", true)
	l.look(h, "fnmt rehearsal front done", true)
	h.press("enter")
	capturePhoto(l, h, "fnmt rehearsal back", false)
	h.press("enter")
	capturePhoto(l, h, "fnmt rehearsal face", true)
	l.look(h, "fnmt rehearsal face done", true)
	h.press("enter")
	mustSee(l.t, h, "fnmt.video.heading")
	l.look(h, "fnmt video", true)
	h.press("enter")
	mustSee(l.t, h, "fnmt.download.intro")
	l.look(h, "fnmt download", true)
	h.press("enter")
	mustSee(l.t, h, "fnmt.finish.next")
	l.look(h, "fnmt finish", true)
}

func walkFNMTModemDown(l *layout, h *harness) {
	h.set(func(h *harness) { h.modem.ready = false })
	h.press("enter", "enter", "enter", "enter", "enter")
	h.typ("12345678Z", true)
	h.typ("García", true)
	h.typ("ana@example.es", true)
	h.typ("ana@example.es", true)
	// F8 from the request: why the e-mail is needed, who can help.
	h.press("f8")
	mustSee(l.t, h, "fnmt.help.why")
	l.look(h, "fnmt other ways", true)
	h.press("esc") // back to the request, data kept
	mustSee(l.t, h, "fnmt.request.form_scan")
	h.press("enter")
	h.typ("123456789", true)
	h.typ("123456789", true)
	h.typ("612345678", true)
	l.look(h, "fnmt modem down", true)
	h.press("f7")
	l.look(h, "fnmt mobile not verified", true)
	h.set(func(h *harness) { h.env.Camera = nil })
	h.press("enter")
	l.look(h, "fnmt camera unavailable", true)
	h.press("f7")
	l.look(h, "fnmt rehearsal skipped", true)
	h.press("enter", "f7", "enter", "f7", "enter", "enter")
	h.set(func(h *harness) { h.out.fail = true })
	h.press("enter")
	mustSee(l.t, h, "fnmt.finish.next")
	l.look(h, "fnmt finish, SMS not queued", true)
}

// callCentreStart walks the shared first part of both call-centre
// procedures; item is the home menu position.
func callCentreStart(l *layout, h *harness, item int, name string, advice bool) {
	for i := 0; i < item; i++ {
		h.press("down")
	}
	h.press("enter")
	l.look(h, name+" intro", true)
	h.press("enter")
	l.look(h, name+" notice", true)
	h.press("enter")
	mustSee(l.t, h, "callcentre.identity.intro")
	l.look(h, name+" identity", true)
	h.press("enter")
	l.look(h, name+" identity: empty", false)
	h.typ("X1234567L", true)
	l.look(h, name+" identity: NIE asks the support number", false)
	h.typ("12", true)
	l.look(h, name+" identity: bad support number", false)
	h.press("backspace", "backspace")
	h.typ("E12345678", true)
	h.typ("Ana María", true)
	h.typ("García", true)
	h.typ("López", true)
	mustSee(l.t, h, "steps.mobile.intro")
	h.typ("612345678", true)
	h.typeCode()
	mustSee(l.t, h, "callcentre.contact.intro")
	l.look(h, name+" contact", true)
	h.typ("ana@gmial.com", true)
	h.typ("ana@gmial.com", true)
	l.look(h, name+" contact: slot", false)
	h.press("enter")
	l.look(h, name+" contact: no slot chosen", false)
	h.press("right", "enter", "enter")
	capturePhoto(l, h, name+" front photo", advice)
	capturePhoto(l, h, name+" back photo", advice)
}

func callCentreEnd(l *layout, h *harness, name string) {
	mustSee(l.t, h, "callcentre.review.title")
	l.look(h, name+" review", true)
	h.set(func(h *harness) { h.out.fail = true })
	h.press("enter")
	l.look(h, name+" failed", true)
	h.set(func(h *harness) { h.out.fail = false })
	h.press("enter")
	mustSee(l.t, h, "callcentre.done.reference_intro")
	l.look(h, name+" done", true)
}

func walkClave(l *layout, h *harness) {
	callCentreStart(l, h, 1, "clave", true)
	mustSee(l.t, h, "callcentre.sheet.spanish_note")
	l.look(h, "clave sheet", true)
	h.press("enter")
	capturePhoto(l, h, "clave signed request photo", true)
	callCentreEnd(l, h, "clave")
}

func walkCertificate(l *layout, h *harness) {
	callCentreStart(l, h, 2, "certificate", false)
	mustSee(l.t, h, "callcentre.code.intro")
	l.look(h, "certificate code", true)
	h.typ("123456789", true)
	h.typ("123456789", true)
	callCentreEnd(l, h, "certificate")
}
