package callcentre

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/callcentre/callcentretest"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// updating reports whether -update was given (the flag is defined by the
// teatest golden package, which this package's tests link).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func screenEnv() (*kit.Env, *callcentretest.Outbox) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	out := &callcentretest.Outbox{}
	return &kit.Env{
		T:        i18n.NewTranslator(i18n.MustDefault(), i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    kit.NewFakeClock(t0),
		Outbox:   out,
		Modem:    &callcentretest.Modem{},
		Width:    80, Height: 19,
		Settings: kit.Settings{
			KioskID: "k1", Office: "Oficina de prueba", Place: "Getafe", CodeLength: 9, HelpDesk: "mostrador 3",
			CallCentre: kit.CallCentre{Email: "centro@example.org", Phone: "910 000 000", Hours: "de 9 a 18 h"},
		},
	}, out
}

// drive feeds msg to the screen and then every message its commands
// produce. A command still running after 20 s (one waiting on the fake
// clock, which these tests never advance) is abandoned; the bound is
// generous because the race detector on a loaded machine makes the photo
// re-encoding slow.
func drive(s *Screen, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if b, ok := m.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, run(c)...)
			}
			continue
		}
		_, cmd := s.Update(m)
		queue = append(queue, run(cmd)...)
	}
}

func run(c tea.Cmd) []tea.Msg {
	if c == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		if m == nil {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(20 * time.Second):
		return nil
	}
}

func keys(s *Screen, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			drive(s, tea.KeyMsg{Type: tea.KeyEnter})
		case "right":
			drive(s, tea.KeyMsg{Type: tea.KeyRight})
		case "down":
			drive(s, tea.KeyMsg{Type: tea.KeyDown})
		default:
			for _, r := range k {
				drive(s, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenLines(t, name, got, 19)
}

// goldenLines is golden for a view of at most maxLines lines.
func goldenLines(t *testing.T, name, got string, maxLines int) {
	t.Helper()
	for i, l := range strings.Split(got, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("%s: line %d is %d cells wide, over 80: %q", name, i+1, w, l)
		}
	}
	if n := strings.Count(got, "\n") + 1; n > maxLines {
		t.Errorf("%s: %d lines, over %d", name, n, maxLines)
	}
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui/callcentre -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// TestPagesGolden walks the Cl@ve flow page by page, checks each page fits
// the 80x19 body and matches its golden file.
func TestPagesGolden(t *testing.T) {
	env, _ := screenEnv()
	cam := newCamera()
	old := newPhoto
	newPhoto = cam.factory
	defer func() { newPhoto = old }()
	s := newScreen(env, nil, clave)
	// A fixed reference, so the golden files are stable.
	s.req.Reference = "CLV-7KQ4-M2"
	golden(t, "clave_1_intro", s.View())
	keys(s, "enter")
	keys(s, "enter")
	golden(t, "clave_2_identity_empty", s.View())
	keys(s, "X1234567L", "enter", "E1234", "enter")
	golden(t, "clave_3_identity_error", s.View())
	s.identity.SetValue("support", "E12345678")
	keys(s, "enter", "Ana María", "enter", "García", "enter", "López", "enter")
	if s.page != pgMobile {
		t.Fatalf("page %s after the identity form", pageNames[s.page])
	}
	// Skip the SMS exchange (tested end to end): verified number.
	s.req.Mobile, s.req.VerifiedMobile = "+34600123456", "+34600123456"
	s.goTo(pgContact)
	keys(s, "ana@example.com", "enter", "ana@example.con", "enter")
	golden(t, "clave_4_contact_mismatch", s.View())
	s.contact.SetValue("email", "ana@example.com")
	keys(s, "enter", "right", "enter", "enter")
	if s.page != pgFront {
		t.Fatalf("page %s after the contact form", pageNames[s.page])
	}
	keys(s, "enter", "enter")
	golden(t, "clave_5_sheet", s.View())
	keys(s, "enter", "enter")
	golden(t, "clave_6_review", s.View())
	keys(s, "enter")
	if s.page != pgDone {
		t.Fatalf("page %s after sending", pageNames[s.page])
	}
	golden(t, "clave_7_done", s.View())
	if n, total := s.Progress(); n != 0 || total != 0 {
		t.Errorf("done page shows step %d of %d", n, total)
	}
}

// TestProgressAndTitles checks "Paso N de 4" on each page and that every
// title key the flow uses is in the catalogue in all six languages.
func TestProgressAndTitles(t *testing.T) {
	env, _ := screenEnv()
	cat := i18n.MustDefault()
	for _, v := range []variant{clave, cert} {
		s := newScreen(env, nil, v)
		want := map[page]int{pgIntro: 0, pgNotice: 0, pgIdentity: 1, pgMobile: 1, pgContact: 1, pgFront: 2,
			pgBack: 2, pgSheet: 3, pgSigned: 3, pgCode: 3, pgReview: 4, pgSending: 4, pgFailed: 4, pgDone: 0}
		for _, p := range append(s.order, pgSending, pgFailed, pgDone) {
			s.page = p
			n, total := s.Progress()
			if n != want[p] || (n > 0 && total != 4) {
				t.Errorf("%s %s: step %d of %d, want %d of 4", v.flow, pageNames[p], n, total, want[p])
			}
			title := s.Title()
			if strings.Contains(title, "⟦") {
				t.Errorf("%s %s: untranslated title %s", v.flow, pageNames[p], title)
			}
			if (p == pgFailed || p == pgSending) && title == env.T.T("callcentre.finish.title") {
				t.Errorf("%s %s: titled %q before anything was queued", v.flow, pageNames[p], title)
			}
		}
		for _, st := range procedure.CallCentreFlow(v.id).Steps {
			for _, l := range i18n.All {
				if _, ok := cat.Keys(l)[st.TitleKey]; !ok {
					t.Errorf("%s: title key %s missing", l, st.TitleKey)
				}
			}
		}
	}
	// Keys built at run time rather than written literally.
	var dyn []string
	for _, l := range procedure.CallLanguages {
		dyn = append(dyn, "callcentre.lang."+l)
	}
	dyn = append(dyn, "callcentre.slot.morning", "callcentre.slot.afternoon",
		procedure.KeySMSClaveSent, procedure.KeySMSCertificateSent)
	for _, k := range dyn {
		for _, l := range i18n.All {
			if _, ok := cat.Keys(l)[k]; !ok {
				t.Errorf("%s: key %s missing", l, k)
			}
		}
	}
}

// TestBackNavigation: Esc goes back page by page and leaves at the first.
func TestBackNavigation(t *testing.T) {
	env, _ := screenEnv()
	s := newScreen(env, nil, cert)
	keys(s, "enter", "enter")
	if s.page != pgIdentity || !s.req.NoticeRead {
		t.Fatalf("page %s consent %v", pageNames[s.page], s.req.NoticeRead)
	}
	if _, _, ok := s.Back(); !ok || s.page != pgNotice || s.req.NoticeRead {
		t.Fatalf("back from identity: page %s consent %v", pageNames[s.page], s.req.NoticeRead)
	}
	s.Back()
	if _, _, ok := s.Back(); ok {
		t.Fatal("back from the first page should leave the procedure")
	}
}

// TestLanguageSwitchMidFlow: labels and errors follow F2 at once, and the
// values typed stay.
func TestLanguageSwitchMidFlow(t *testing.T) {
	env, _ := screenEnv()
	s := newScreen(env, nil, clave)
	keys(s, "enter", "enter", "1234", "enter")
	es := s.View()
	env.T.SetLang(i18n.EN)
	en := s.View()
	if !strings.Contains(es, "Primer apellido") || !strings.Contains(en, "First surname") {
		t.Fatalf("labels not translated:\n%s\n%s", es, en)
	}
	if !strings.Contains(en, "1234") {
		t.Fatal("the typed value was lost")
	}
	if !strings.Contains(en, "digits") {
		t.Fatalf("the error stayed in Spanish:\n%s", en)
	}
}

func BenchmarkPrepareAttachment(b *testing.B) {
	src := callcentretest.JPEG(1920, 1080)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := PrepareAttachment(src); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNoCameraIsHonest: without a camera the photo page says so, offers
// staff, and the flow cannot move on as if a photo had been taken.
func TestNoCameraIsHonest(t *testing.T) {
	env, _ := screenEnv()
	s := newScreen(env, nil, clave)
	s.goTo(pgFront)
	keys(s, "enter", " ", "enter")
	v := s.View()
	if !strings.Contains(v, "no está disponible") || !strings.Contains(v, "mostrador 3") {
		t.Fatalf("no honest message:\n%s", v)
	}
	if s.page != pgFront || len(s.req.Front.Data) != 0 {
		t.Fatalf("moved on to %s without a photo", pageNames[s.page])
	}
}

// TestPagesFitEveryLanguage renders every page in the six languages, in
// normal and large-text mode, with errors showing, and checks each fits
// the 80x19 body (the root would cut what does not: a cut-off menu is a
// dead end for the visitor).
func TestPagesFitEveryLanguage(t *testing.T) {
	for _, high := range []bool{false, true} {
		for _, l := range i18n.All {
			for _, v := range []variant{clave, cert} {
				env, _ := screenEnv()
				env.Styles = kit.NewStyles(env.Renderer, high)
				env.T.SetLang(l)
				s := newScreen(env, nil, v)
				s.req.Reference = "CLV-7KQ4-M2"
				s.identity.SetHidden("support", false)
				s.identity.Submit()
				s.contact.Submit()
				if s.code != nil {
					s.code.Submit()
				}
				s.failKey = "callcentre.failed.queue"
				for _, p := range []page{pgIntro, pgNotice, pgIdentity, pgContact, pgCode, pgSheet, pgReview, pgFailed, pgDone} {
					if p == pgCode && s.code == nil || p == pgSheet && s.code != nil {
						continue
					}
					s.page = p
					if p == pgReview {
						s.reviewTried = true
					}
					view := s.View()
					if h := lipgloss.Height(view); h > env.Height {
						t.Errorf("%s %s high=%v %s: %d lines, body has %d", v.flow, l, high, pageNames[p], h, env.Height)
					}
					if w := lipgloss.Width(view); w > env.Width {
						t.Errorf("%s %s high=%v %s: %d columns, body has %d", v.flow, l, high, pageNames[p], w, env.Width)
					}
					if p == pgReview && !strings.Contains(view, "▸ 1.") {
						t.Errorf("%s %s high=%v: the review menu was cut off", v.flow, l, high)
					}
				}
			}
		}
	}
}

// TestFixDataReturnsToReview: "correct my details" goes through the data
// pages (skipping an already verified mobile) and back to the review with
// the change applied; the call language follows the visitor's language.
func TestFixDataReturnsToReview(t *testing.T) {
	env, _ := screenEnv()
	cam := newCamera()
	old := newPhoto
	newPhoto = cam.factory
	defer func() { newPhoto = old }()
	carry := &kit.Visitor{NIF: "12345678Z", Name: "Ana", Surname1: "García", Email: "ana@example.com",
		Mobile: "+34600123456", MobileVerified: true, Code: "123456789"}
	env.T.SetLang(i18n.GL)
	s := newScreen(env, carry, cert)
	keys(s, "enter", "enter", "enter", "enter", "enter", "enter")
	if s.page != pgContact {
		t.Fatalf("page %s, want contact (verified mobile skipped)", pageNames[s.page])
	}
	if got := s.contact.Value("language"); got != "gl" {
		t.Fatalf("call language preselected %q, want gl", got)
	}
	keys(s, "enter", "enter", "right", "enter", "enter", "enter", "enter", "enter", "enter")
	if s.page != pgReview {
		t.Fatalf("page %s, want review", pageNames[s.page])
	}
	keys(s, "down", "enter") // correct my details
	if s.page != pgIdentity {
		t.Fatalf("page %s, want identity", pageNames[s.page])
	}
	s.identity.SetValue("name", "Ana Belén")
	keys(s, "enter", "enter", "enter", "enter")
	if s.page != pgContact {
		t.Fatalf("page %s, want contact", pageNames[s.page])
	}
	keys(s, "enter", "enter", "enter", "enter")
	if s.page != pgReview || s.req.Name != "Ana Belén" {
		t.Fatalf("page %s name %q, want the review with the new name", pageNames[s.page], s.req.Name)
	}
	if !s.req.Complete(procedure.CheckOptions{CodeLength: 9}) {
		t.Fatalf("request incomplete: %v", s.req.Check(procedure.CheckOptions{CodeLength: 9}))
	}
}

// TestNoCallCentreAddress: a kiosk without the call centre's address says
// so on the first page instead of after the last photo, and reports it to
// the technician.
func TestNoCallCentreAddress(t *testing.T) {
	env, _ := screenEnv()
	env.Settings.CallCentre.Email = ""
	s := newScreen(env, nil, clave)
	msg := run(s.Init())
	if len(msg) != 1 {
		t.Fatal("no technician error reported")
	}
	if e, ok := msg[0].(kit.ErrorMsg); !ok || !errors.Is(e.Err, procedure.ErrNoCallCentreAddress) {
		t.Fatalf("got %#v", msg[0])
	}
	keys(s, "enter", "enter")
	if s.page != pgIntro || !strings.Contains(s.View(), "no se puede hacer ahora") {
		t.Fatalf("page %s:\n%s", pageNames[s.page], s.View())
	}
}

// TestFrameGolden renders a whole 80x24 frame through the root (header
// with "Paso 1 de 4", title, body, help bar), to see the screen as the
// visitor does.
func TestFrameGolden(t *testing.T) {
	env, _ := screenEnv()
	root := tui.New(tui.Options{Env: env, Flows: map[string]tui.FlowFactory{kit.FlowClave: NewClave}})
	var m tea.Model = root
	step := func(msg tea.Msg) {
		queue := []tea.Msg{msg}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			if b, ok := cur.(tea.BatchMsg); ok {
				for _, c := range b {
					queue = append(queue, runFor(c, 200*time.Millisecond)...)
				}
				continue
			}
			var cmd tea.Cmd
			m, cmd = m.Update(cur)
			queue = append(queue, runFor(cmd, 200*time.Millisecond)...)
		}
	}
	step(tea.WindowSizeMsg{Width: 80, Height: 24})
	step(kit.OpenMsg{Flow: kit.FlowClave})
	step(tea.KeyMsg{Type: tea.KeyEnter})
	step(tea.KeyMsg{Type: tea.KeyEnter})
	for _, r := range "12345678A" {
		step(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	step(tea.KeyMsg{Type: tea.KeyEnter})
	view := m.View()
	goldenLines(t, "frame_identity", view, 24)
	if !strings.Contains(view, "Paso 1 de 4") || !strings.Contains(view, "F10") {
		t.Fatalf("header step or the cancel key missing:\n%s", view)
	}
}

// runFor is run with a short bound, for commands that wait on the fake
// clock (the root's idle timer).
func runFor(c tea.Cmd, d time.Duration) []tea.Msg {
	if c == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		if m == nil {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(d):
		return nil
	}
}

// TestOwnKeysRenderWithAnyNumber renders every text of this package's
// catalogues in every language with the numbers 0, 1 and 2: an argument
// named Count turns on go-i18n's plural forms, and a text without the
// "one" form then renders as ⟦key⟧ for a single item.
func TestOwnKeysRenderWithAnyNumber(t *testing.T) {
	cat := i18n.MustDefault()
	checked := 0
	for key, es := range cat.Keys(i18n.ES) {
		if !strings.HasPrefix(key, "callcentre.") && !strings.HasPrefix(key, "form.") && !strings.HasPrefix(key, "sms.") {
			continue
		}
		names := regexp.MustCompile(`\{\{\.(\w+)\}\}`).FindAllStringSubmatch(es, -1)
		for _, n := range []int{0, 1, 2} {
			var args []any
			for _, m := range names {
				args = append(args, m[1], n)
			}
			for _, l := range i18n.All {
				if got := cat.Text(l, key, args...); strings.Contains(got, "⟦") {
					t.Errorf("%s %s with %d: %s", l, key, n, got)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no keys checked")
	}
}
