package i18n_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// producedMessages drives procedure's public API the way the screens do
// and collects every message it emits, with the arguments it really gives.
// The static scan (keys_test.go) proves each key exists; this proves each
// renders, in every language, with nothing missing.
func producedMessages(t *testing.T) []procedure.Message {
	var out []procedure.Message
	add := func(err error) {
		if p, ok := procedure.AsProblem(err); ok {
			out = append(out, p.Message())
		}
	}
	for _, s := range []string{"", "12345678/", "1234567Z", "12345678", "12345678A", "B1234567", "12345678ZZ",
		"T1234567L", "X123456L", "X1234567A", "K1234567A"} {
		_, err := procedure.ParseNIF(s)
		add(err)
	}
	_, err := procedure.ParseDNIOrNIE("K1234567L")
	add(err)
	for _, s := range []string{"", "6a", "+33612345678", "60012345", "911234567", "900123456", "700123456"} {
		_, err := procedure.ParseMobile(s)
		add(err)
	}
	for _, tc := range []struct {
		s string
		k procedure.IDKind
	}{{"", procedure.KindDNI}, {"_", procedure.KindDNI}, {"E01234567", procedure.KindDNI}, {"BAA123456", procedure.KindNIE}} {
		_, err := procedure.ParseSupportNumber(tc.s, tc.k)
		add(err)
	}
	for _, s := range []string{"", "a b@c.es", "<a@b.es>", "a", "a@@b.es", "@b.es", strings.Repeat("a", 65) + "@b.es", "á@b.es",
		"a..b@c.es", "a@", "a@b", "a@" + strings.Repeat("b.", 130) + "es", "a@-b.es", "a@b..es", "a@b.1"} {
		_, err := procedure.ParseEmail(s)
		add(err)
	}
	_, err = procedure.ConfirmEmail("a@b.es", "a@c.es")
	add(err)
	for _, s := range []string{"", "12a", "123"} {
		_, err := procedure.ParseRequestCode(s, 0)
		add(err)
	}
	_, err = procedure.ConfirmRequestCode("123456789", "123456780", 0)
	add(err)
	for _, s := range []string{"", "J2", strings.Repeat("a", 81)} {
		_, err := procedure.ParseName(s, "name", procedure.KeyNameEmpty)
		add(err)
	}
	_, err = procedure.ParseName("", "surname1", procedure.KeySurname1Empty)
	add(err)
	if s, ok := procedure.SuggestEmail("juan@gmial.com"); ok {
		out = append(out, procedure.Message{Key: procedure.KeyEmailSuggest, Args: map[string]any{"Suggestion": s}})
	} else {
		t.Error("no suggestion for gmial.com")
	}

	now := time.Date(2026, 11, 23, 10, 0, 0, 0, procedure.Madrid())
	for _, v := range []procedure.Variant{procedure.VariantClave, procedure.VariantCertificate} {
		r, err := procedure.NewRequest(v, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Check(procedure.CheckOptions{}) {
			out = append(out, p.Message())
		}
		r.ID, _ = procedure.ParseNIF("X1234567L")
		r.Name, r.Surname1 = "Ana", "García"
		r.Mobile = "+34600123456"
		r.Front = procedure.Image{Data: testJPEG(t), Issues: []string{"blurry"}}
		r.Back = procedure.Image{Data: []byte("x")}
		r.Signed = procedure.Image{Data: []byte("x")}
		for _, p := range r.Check(procedure.CheckOptions{}) {
			out = append(out, p.Message())
		}
		out = append(out, r.SentSMS())
	}
	for _, p := range (&procedure.Request{Variant: "x"}).Check(procedure.CheckOptions{}) {
		out = append(out, p.Message())
	}
	visit := &procedure.FNMTVisit{RequestCode: "123456789"}
	for _, s := range procedure.FNMTFlow().Steps {
		for _, p := range visit.Missing(s.ID, procedure.DefaultFNMTLinks(), 0) {
			out = append(out, p.Message())
		}
	}
	out = append(out, procedure.Message{Key: procedure.KeyOfficeMissing}) // raised by the UI when config lacks the office
	out = append(out, procedure.FNMTRequirements()...)
	out = append(out, procedure.FNMTChecksAfterInstall()...)
	password, emailFixed := procedure.FNMTReminders()
	out = append(out, password, emailFixed)
	for _, d := range procedure.DeviceOSes() {
		out = append(out, procedure.FNMTTakeHome(d)...)
		out = append(out, procedure.FNMTDownloadSteps(d)...)
	}
	out = append(out, procedure.FNMTVideoSteps()...)
	sum := visit.Summary(now, nil)
	out = append(out, sum.SMS, sum.IfToday.Message(), procedure.FNMTDeadlineMessage("martes 24 de noviembre"))
	out = append(out, sum.TakeHome...)
	for _, f := range procedure.Flows() {
		out = append(out, procedure.Message{Key: f.TitleKey})
		for _, s := range f.Steps {
			out = append(out, procedure.Message{Key: s.TitleKey})
			if m, ok := f.PositionMessage(s.ID); ok {
				out = append(out, m)
			}
		}
	}
	for _, d := range procedure.DeviceOSes() {
		out = append(out, procedure.Message{Key: d.NameKey()})
	}
	for _, s := range []procedure.Slot{procedure.SlotMorning, procedure.SlotAfternoon} {
		out = append(out, procedure.Message{Key: s.NameKey()})
	}
	for _, l := range procedure.CallLanguages {
		out = append(out, procedure.Message{Key: "callcentre.lang." + l})
	}
	return out
}

func testJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 40)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestProcedureMessagesRender renders every message procedure produced
// above in every language, the way the screens do (steps.MessageText; SMS
// through steps.SMSText), and fails on a raw key or a missing argument.
func TestProcedureMessagesRender(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	env := &kit.Env{T: i18n.NewTranslator(i18n.MustDefault(), i18n.ES), Styles: kit.NewStyles(r, false), Renderer: r}
	msgs := producedMessages(t)
	keys := map[string]bool{}
	for _, m := range msgs {
		keys[m.Key] = true
	}
	if len(keys) < 90 {
		t.Fatalf("only %d distinct keys produced: the driver above is broken", len(keys))
	}
	for _, l := range i18n.All {
		env.T.SetLang(l)
		for _, m := range msgs {
			text := steps.MessageText(env, m)
			if strings.HasPrefix(m.Key, "sms.") {
				text = steps.SMSText(env, m)
			}
			if strings.Contains(text, "⟦") || strings.Contains(text, "<no value>") || strings.TrimSpace(text) == "" {
				t.Errorf("%s %s %v: %q", l, m.Key, m.Args, text)
			}
		}
	}
}
