package procedure

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"unicode/utf8"
)

func TestProblemKeysHaveTexts(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range ProblemKeys() {
		if seen[k] {
			t.Errorf("duplicate key %s", k)
		}
		seen[k] = true
		if strings.TrimSpace(SpanishDefaults[k]) == "" {
			t.Errorf("%s has no Spanish text", k)
		}
		if englishText[k] == "" {
			t.Errorf("%s has no English log text", k)
		}
	}
	for k := range englishText {
		if !seen[k] {
			t.Errorf("English text for %s, which is not in ProblemKeys", k)
		}
	}
	keys := Keys()
	if !sort.StringsAreSorted(keys) || len(keys) != len(SpanishDefaults) {
		t.Error("Keys() not sorted or incomplete")
	}
}

// producedMessages exercises the package and collects every message it
// can emit, with real arguments.
func producedMessages(t *testing.T) []Message {
	var out []Message
	add := func(err error) {
		if p, ok := AsProblem(err); ok {
			out = append(out, p.Message())
		}
	}
	for _, s := range []string{"", "12345678/", "1234567Z", "12345678", "12345678A", "B1234567", "12345678ZZ",
		"T1234567L", "X123456L", "X1234567A", "K1234567A"} {
		_, err := ParseNIF(s)
		add(err)
	}
	_, err := ParseDNIOrNIE("K1234567L")
	add(err)
	for _, s := range []string{"", "6a", "+33612345678", "60012345", "911234567", "900123456", "700123456"} {
		_, err := ParseMobile(s)
		add(err)
	}
	for _, tc := range []struct {
		s string
		k IDKind
	}{{"", KindDNI}, {"_", KindDNI}, {"E01234567", KindDNI}, {"BAA123456", KindNIE}} {
		_, err := ParseSupportNumber(tc.s, tc.k)
		add(err)
	}
	for _, s := range []string{"", "a b@c.es", "<a@b.es>", "a", "a@@b.es", "@b.es", strings.Repeat("a", 65) + "@b.es", "á@b.es",
		"a..b@c.es", "a@", "a@b", "a@" + strings.Repeat("b.", 130) + "es", "a@-b.es", "a@b..es", "a@b.1"} {
		_, err := ParseEmail(s)
		add(err)
	}
	_, err = ConfirmEmail("a@b.es", "a@c.es")
	add(err)
	for _, s := range []string{"", "12a", "123"} {
		_, err := ParseRequestCode(s, 0)
		add(err)
	}
	_, err = ConfirmRequestCode("123456789", "123456780", 0)
	add(err)
	for _, s := range []string{"", "J2", strings.Repeat("a", 81)} {
		_, err := ParseName(s, "name", KeyNameEmpty)
		add(err)
	}
	_, err = ParseName("", "surname1", KeySurname1Empty)
	add(err)

	// Completeness problems.
	for _, v := range []Variant{VariantClave, VariantCertificate} {
		r, _ := NewRequest(v, at(2026, 11, 23, 10, 0))
		for _, p := range r.Check(CheckOptions{}) {
			out = append(out, p.Message())
		}
		r = completeRequest(t, v)
		r.ID, _ = ParseNIF("X1234567L")
		r.MobileVerified = false
		r.Front.Issues = []string{"blurry"}
		r.Back.Data = []byte("x")
		r.Signed.Data = []byte("x")
		for _, p := range r.Check(CheckOptions{}) {
			out = append(out, p.Message())
		}
	}
	r := &Request{Variant: "x"}
	for _, p := range r.Check(CheckOptions{}) {
		out = append(out, p.Message())
	}
	visit := &FNMTVisit{}
	for _, s := range FNMTFlow().Steps {
		for _, p := range visit.Missing(s.ID, DefaultFNMTLinks(), 0) {
			out = append(out, p.Message())
		}
	}
	out = append(out, Message{Key: KeyOfficeMissing}) // raised by the UI when config lacks the office

	if s, ok := SuggestEmail("juan@gmial.com"); ok {
		out = append(out, Message{Key: KeyEmailSuggest, Args: map[string]any{"Suggestion": s}})
	}
	for _, f := range Flows() {
		notice, err := PrivacyNotice(f.ID, Privacy{Controller: "Ayuntamiento", Contact: "dpd@example.es", CallCentre: "Centro"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, notice...)
	}

	// Other messages.
	out = append(out, FNMTRequirements()...)
	out = append(out, FNMTChecksAfterInstall()...)
	out = append(out, FNMTReminders()...)
	out = append(out, FNMTTakeHome(DefaultFNMTLinks())...)
	sum := visit.Summary(at(2026, 11, 20, 11, 40), nil, DefaultFNMTLinks())
	out = append(out, sum.SMS)
	w := sum.When.Message()
	w.Args["Weekday"] = "martes"
	out = append(out, w)
	cr := completeRequest(t, VariantClave)
	out = append(out, cr.SentSMS())
	cr.Variant = VariantCertificate
	out = append(out, cr.SentSMS())
	for _, f := range Flows() {
		out = append(out, Message{Key: f.TitleKey})
		for _, s := range f.Steps {
			out = append(out, Message{Key: s.TitleKey})
			if m, ok := f.PositionMessage(s.ID); ok {
				out = append(out, m)
			}
		}
	}
	for _, d := range DeviceOSes() {
		out = append(out, Message{Key: d.NameKey()})
	}
	for _, s := range []Slot{SlotMorning, SlotAfternoon} {
		out = append(out, Message{Key: s.NameKey()})
	}
	for _, k := range weekdayKeys {
		out = append(out, Message{Key: k})
	}
	for _, k := range monthKeys {
		out = append(out, Message{Key: k})
	}
	return out
}

var placeholderRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// TestMessagesRender executes every Spanish text with the arguments the
// package really produces (missing arguments are errors), checks every
// placeholder is given, and that every key is produced somewhere, so the
// catalogue holds no dead keys and no message lacks its text.
func TestMessagesRender(t *testing.T) {
	produced := map[string]bool{}
	for _, m := range producedMessages(t) {
		produced[m.Key] = true
		text, ok := SpanishDefaults[m.Key]
		if !ok {
			t.Errorf("%s has no Spanish text", m.Key)
			continue
		}
		tmpl, err := template.New(m.Key).Option("missingkey=error").Parse(text)
		if err != nil {
			t.Errorf("%s: %v", m.Key, err)
			continue
		}
		var b strings.Builder
		args := m.Args
		if args == nil {
			args = map[string]any{}
		}
		if err := tmpl.Execute(&b, args); err != nil {
			t.Errorf("%s: %v", m.Key, err)
		}
		for _, ph := range placeholderRE.FindAllStringSubmatch(text, -1) {
			if _, ok := args[ph[1]]; !ok {
				t.Errorf("%s: placeholder %s not among args %v", m.Key, ph[1], args)
			}
		}
		if strings.HasPrefix(m.Key, "sms.") && utf8.RuneCountInString(b.String()) > 134 {
			t.Errorf("%s is %d characters, more than two UCS-2 SMS parts: %s", m.Key, utf8.RuneCountInString(b.String()), b.String())
		}
		if strings.Contains(b.String(), "<no value>") {
			t.Errorf("%s renders %q", m.Key, b.String())
		}
	}
	for k := range SpanishDefaults {
		if !produced[k] {
			t.Errorf("key %s is never produced", k)
		}
	}
}

func TestSpanishTextsArePolite(t *testing.T) {
	// The visitor is addressed as "usted": no informal imperatives or
	// pronouns in the defaults.
	informal := regexp.MustCompile(`(?i)\b(tú|tu|tus|te|ti|contigo|revisa|elige|repite|tienes|puedes|quieres|debes)\b`)
	for k, v := range SpanishDefaults {
		if m := informal.FindString(v); m != "" {
			t.Errorf("%s uses the informal %q: %s", k, m, v)
		}
		if strings.Contains(strings.ToLower(v), "inválid") {
			t.Errorf("%s says just 'inválido': be specific", k)
		}
	}
}

// keysDoc renders KEYS.md: every key, its arguments and its Spanish text,
// for the engineer who writes the six catalogues.
func keysDoc() string {
	var b strings.Builder
	b.WriteString("# procedure: catalogue keys\n\n")
	b.WriteString("Every visitor-facing text of the `procedure` package, as catalogue key, arguments and\n")
	b.WriteString("Spanish source text (from `procedure.SpanishDefaults`, usted form). Placeholders are\n")
	b.WriteString("go-i18n/text/template style (`{{.Got}}`). Problem keys (`procedure.ProblemKeys()`) come\n")
	b.WriteString("with `Problem.Field` telling which input they belong to. `WeekdayKey`/`MonthKey` of\n")
	b.WriteString("`procedure.When` are keys to translate first; `fnmt.deadline.estimate` then gets the\n")
	b.WriteString("translated weekday as `Weekday`.\n\n")
	b.WriteString("Generated by `go test ./procedure -run TestKeysDoc -update`; a test fails when it is stale.\n\n")
	b.WriteString("| key | args | Spanish |\n|---|---|---|\n")
	for _, k := range Keys() {
		text := SpanishDefaults[k]
		var args []string
		seen := map[string]bool{}
		for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				args = append(args, m[1])
			}
		}
		b.WriteString("| `" + k + "` | " + strings.Join(args, ", ") + " | " + strings.ReplaceAll(text, "|", "\\|") + " |\n")
	}
	return b.String()
}

func TestKeysDoc(t *testing.T) {
	got := keysDoc()
	if *update {
		if err := os.WriteFile("KEYS.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("KEYS.md")
	if err != nil || string(want) != got {
		t.Fatalf("KEYS.md is stale; run go test ./procedure -run TestKeysDoc -update (%v)", err)
	}
}

// TestKeysNest checks no key is a dotted prefix of another: catalogues in
// TOML nest keys as tables ([validation.nif] letter = "…"), where
// "a.b" = "text" and "a.b.c" cannot both exist. Nor may a leaf be a name
// go-i18n reserves for message fields or plural forms.
func TestKeysNest(t *testing.T) {
	reserved := map[string]bool{"id": true, "description": true, "hash": true, "zero": true, "one": true, "two": true,
		"few": true, "many": true, "other": true, "leftdelim": true, "rightdelim": true}
	for k := range SpanishDefaults {
		if leaf := k[strings.LastIndexByte(k, '.')+1:]; reserved[leaf] {
			t.Errorf("key %s ends in go-i18n's reserved name %q", k, leaf)
		}
		for other := range SpanishDefaults {
			if strings.HasPrefix(other, k+".") {
				t.Errorf("key %s is a prefix of %s", k, other)
			}
		}
	}
}
