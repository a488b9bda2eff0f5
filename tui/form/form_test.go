package form

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

func testEnv() *kit.Env {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return &kit.Env{
		T:        i18n.NewTranslator(i18n.MustDefault(), i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    kit.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		Width:    80, Height: 19,
	}
}

func typeText(f *Form, s string) {
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

func press(f *Form, t tea.KeyType) tea.Cmd { return f.Update(tea.KeyMsg{Type: t}) }

// upper is a validator that normalises to upper case and refuses digits
// with a form.Error, so tests do not depend on another package's keys.
func upper(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &Error{Key: "form.invalid"}
	}
	if strings.ContainsAny(s, "0123456789") {
		return "", &Error{Key: "form.too_long", Args: []any{"Max", 3}}
	}
	return strings.ToUpper(s), nil
}

func code(s string) (string, error) { return procedure.ParseRequestCode(s, 9) }

func newTestForm(env *kit.Env) *Form {
	f := New(env,
		Field{Name: "name", Label: "form.keys.next", Validate: upper, MaxLen: 10},
		Field{Name: "code", Label: "form.keys.prev", Confirm: "form.keys.submit", Validate: code, MaxLen: 20},
	)
	f.ID = "t"
	return f
}

func TestNavigationAndSubmit(t *testing.T) {
	f := newTestForm(testEnv())
	if f.Focused() != "name" {
		t.Fatalf("focus %q, want name", f.Focused())
	}
	typeText(f, "ana")
	if cmd := press(f, tea.KeyEnter); cmd != nil {
		t.Fatal("Enter on the first box must not submit")
	}
	if f.Focused() != "code" || f.Value("name") != "ANA" {
		t.Fatalf("after Enter: focus %q value %q", f.Focused(), f.Value("name"))
	}
	typeText(f, "123 456 789")
	press(f, tea.KeyTab)
	if f.Focused() != "code_confirm" {
		t.Fatalf("Tab went to %q", f.Focused())
	}
	typeText(f, "123456789")
	cmd := press(f, tea.KeyEnter)
	if cmd == nil {
		t.Fatal("Enter on the last valid box must submit")
	}
	msg, ok := cmd().(SubmittedMsg)
	if !ok || msg.ID != "t" {
		t.Fatalf("got %#v", msg)
	}
	want := map[string]string{"name": "ANA", "code": "123456789"}
	if len(msg.Values) != len(want) {
		t.Fatalf("values %v", msg.Values)
	}
	for k, v := range want {
		if msg.Values[k] != v {
			t.Errorf("%s = %q, want %q", k, msg.Values[k], v)
		}
	}
	// ↑ goes back, wrapping from the first box to the last.
	press(f, tea.KeyUp)
	press(f, tea.KeyUp)
	press(f, tea.KeyUp)
	if f.Focused() != "code_confirm" {
		t.Fatalf("↑ from the first box went to %q", f.Focused())
	}
}

func TestErrorsAreSpecificAndUnderTheRightBox(t *testing.T) {
	tests := []struct {
		name            string
		nameVal, c1, c2 string
		wantBox         string
		wantKey         string
	}{
		{"empty name", "", "123456789", "123456789", "name", "form.invalid"},
		{"code too short", "ana", "12345", "12345", "code", procedure.KeyCodeLength},
		{"code letters", "ana", "12a456789", "12a456789", "code", procedure.KeyCodeChars},
		{"mismatch", "ana", "123456789", "123456780", "code_confirm", "form.mismatch"},
		{"confirm empty", "ana", "123456789", "", "code_confirm", "form.confirm_empty"},
		{"form error type", "ana9", "123456789", "123456789", "name", "form.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestForm(testEnv())
			f.SetValue("name", tt.nameVal)
			f.SetValue("code", tt.c1)
			f.box("code_confirm").ti.SetValue(tt.c2)
			if f.Submit() {
				t.Fatal("Submit accepted an invalid form")
			}
			if got := f.ErrorKey(tt.wantBox); got != tt.wantKey {
				t.Fatalf("error under %s = %q, want %q", tt.wantBox, got, tt.wantKey)
			}
			if f.Focused() != tt.wantBox {
				t.Fatalf("focus %q, want the wrong box %q", f.Focused(), tt.wantBox)
			}
			if txt := f.Error(tt.wantBox); strings.Contains(txt, "⟦") && strings.HasPrefix(tt.wantKey, "form.") {
				t.Fatalf("untranslated message %q", txt)
			}
			if !strings.Contains(f.View(), "✗") {
				t.Fatal("the view shows no error marker")
			}
			// Editing the wrong box drops its stale message.
			f.Focus(tt.wantBox)
			typeText(f, "x")
			if f.ErrorKey(tt.wantBox) != "" {
				t.Fatal("the message survived an edit")
			}
		})
	}
}

func TestProblemArgsAreTranslated(t *testing.T) {
	env := testEnv()
	f := New(env, Field{Name: "x", Label: "form.keys.next", Validate: func(string) (string, error) {
		return "", &procedure.Problem{Field: "x", Key: "form.too_long", Args: map[string]any{"Max": 7}}
	}})
	typeText(f, "a")
	if f.Submit() {
		t.Fatal("accepted")
	}
	if got := f.Error("x"); !strings.Contains(got, "7") {
		t.Fatalf("arguments not applied: %q", got)
	}
	env.T.SetLang(i18n.EN)
	if got := f.Error("x"); !strings.Contains(got, "At most 7") {
		t.Fatalf("language switch not applied at render time: %q", got)
	}
}

func TestSetErrorRoutesProblemByField(t *testing.T) {
	f := newTestForm(testEnv())
	err := procedure.ErrCodeMismatch
	p := &procedure.Problem{Field: "code_confirm", Key: err.Key}
	if !f.SetError("name", p) {
		t.Fatal("SetError found no box")
	}
	if f.ErrorKey("code_confirm") != procedure.KeyCodeMismatch || f.ErrorKey("name") != "" {
		t.Fatalf("routed wrong: name=%q confirm=%q", f.ErrorKey("name"), f.ErrorKey("code_confirm"))
	}
	if f.Focused() != "code_confirm" {
		t.Fatalf("focus %q", f.Focused())
	}
	if f.SetError("nope", errors.New("x")) {
		t.Fatal("SetError on an unknown box reported success")
	}
}

func TestTooLongAndControlCharacters(t *testing.T) {
	f := newTestForm(testEnv())
	typeText(f, "abc\x1b[2J\x00\u202edef\u200bghijklmnop")
	v := f.box("name").ti.Value()
	if n := utf8.RuneCountInString(v); n != 10 {
		t.Fatalf("value %q has %d runes, want the limit 10", v, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("control/format rune %U kept in %q", r, v)
		}
	}
	if f.ErrorKey("name") != "form.too_long" {
		t.Fatalf("no too-long notice: %q", f.ErrorKey("name"))
	}
	f.SetValue("name", strings.Repeat("z", 500))
	if n := len(f.box("name").ti.Value()); n != 10 {
		t.Fatalf("SetValue kept %d characters", n)
	}
}

func TestHiddenAndChoice(t *testing.T) {
	f := New(testEnv(),
		Field{Name: "a", Label: "form.keys.next"},
		Field{Name: "b", Label: "form.keys.prev"},
		Field{Name: "slot", Label: "form.keys.change", Choices: []Choice{
			{Value: "morning", Label: "form.keys.next"}, {Value: "afternoon", Label: "form.keys.prev"}}},
	)
	f.SetHidden("b", true)
	press(f, tea.KeyDown)
	if f.Focused() != "slot" {
		t.Fatalf("hidden box not skipped: focus %q", f.Focused())
	}
	if f.Submit() || f.ErrorKey("slot") != "form.choose" {
		t.Fatalf("unset choice accepted (err %q)", f.ErrorKey("slot"))
	}
	press(f, tea.KeyLeft)
	if f.Value("slot") != "afternoon" {
		t.Fatalf("← from unset chose %q", f.Value("slot"))
	}
	press(f, tea.KeyRight)
	if f.Value("slot") != "morning" {
		t.Fatalf("→ chose %q", f.Value("slot"))
	}
	if !f.Submit() {
		t.Fatal("valid form refused")
	}
	if _, ok := f.Values()["b"]; ok {
		t.Fatal("hidden box listed in Values")
	}
	f.SetValue("slot", "afternoon")
	if f.Value("slot") != "afternoon" {
		t.Fatal("SetValue on a choice box")
	}
}

func TestWipe(t *testing.T) {
	f := newTestForm(testEnv())
	f.SetValue("name", "ana")
	f.SetValue("code", "123456789")
	f.Submit()
	f.Wipe()
	for _, b := range f.boxes {
		if b.ti.Value() != "" || b.norm != "" || b.valid || b.err != nil {
			t.Fatalf("box %s not wiped", b.name)
		}
	}
	if f.Focused() != "name" {
		t.Fatal("focus not reset")
	}
}

func TestViewFitsAndTranslates(t *testing.T) {
	env := testEnv()
	f := newTestForm(env)
	f.SetWidth(80)
	out := f.View()
	for _, l := range strings.Split(out, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Fatalf("line %q is %d wide", l, w)
		}
	}
	if !strings.Contains(out, "siguiente casilla") || !strings.Contains(out, "▸") {
		t.Fatalf("Spanish view:\n%s", out)
	}
	env.T.SetLang(i18n.FR)
	if !strings.Contains(f.View(), "case suivante") {
		t.Fatalf("French view:\n%s", f.View())
	}
}

// FuzzSanitize: whatever comes in, what is left is valid UTF-8 without
// control or invisible formatting characters.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "a\u202eb", "\xff\xfe", "ñ\u200d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
				t.Fatalf("rune %U survived in %q", r, out)
			}
		}
	})
}

// FuzzTyping: any key input keeps the box within its limit and clean.
func FuzzTyping(f *testing.F) {
	f.Add("hola", "\x00\x1b")
	f.Add(strings.Repeat("x", 40), "\u202e")
	f.Fuzz(func(t *testing.T, a, b string) {
		fm := newTestForm(testEnv())
		typeText(fm, a)
		press(fm, tea.KeyBackspace)
		typeText(fm, b)
		v := fm.box("name").ti.Value()
		if utf8.RuneCountInString(v) > 10 {
			t.Fatalf("value over the limit: %q", v)
		}
		if Sanitize(v) != v {
			t.Fatalf("unsanitised value %q", v)
		}
	})
}

func BenchmarkView(b *testing.B) {
	f := newTestForm(testEnv())
	f.SetValue("name", "ana")
	for b.Loop() {
		_ = f.View()
	}
}
