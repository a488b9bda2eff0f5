package store

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+34600000012":     "+34 6•• ••• •12",
		"+34 612 345 678":  "+34 6•• ••• •78",
		"612345678":        "6•• ••• •78",
		"+33612345678":     "+33 6•• ••• •78",
		"123":              "•••",
		"":                 "",
		"+351912345678":    "+351 9•• ••• •78",
		"0034 612 345 678": "+34 6•• ••• •78",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"juana@example.es":    "j•••@e•••.es",
		"Íñigo@correo.gob.es": "Í•••@c•••.es",
		"x@localhost":         "x•••@l•••",
		"not-an-address":      "n•••",
		"":                    "",
	} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	in := "550 5.1.1 <juana.garcia@example.es>: unknown; call +34 600 123 456 or 912345678, code 1234"
	got := Redact(in)
	for _, bad := range []string{"juana", "600 123 456", "912345678"} {
		if strings.Contains(got, bad) {
			t.Fatalf("Redact kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, "550 5.1.1") || !strings.Contains(got, "code 1234") {
		t.Fatalf("Redact removed what the technician needs: %s", got)
	}
}

var nineDigits = regexp.MustCompile(`\d{9}`)

// FuzzRedact: whatever the input, no e-mail address or 9-digit run
// survives, and the output is valid UTF-8 when the input is.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"a@b.cd@e.es", "+34600000000", "tel 612345678, x@y.com", "1 2 3 4 5 6 7 8 9", "550 ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		if reEmail.MatchString(out) {
			t.Fatalf("Redact(%q) = %q keeps an address", s, out)
		}
		if nineDigits.MatchString(out) {
			t.Fatalf("Redact(%q) = %q keeps a phone number", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Redact(%q) = %q is not UTF-8", s, out)
		}
	})
}

// FuzzParseID: ParseID never panics and accepts only what it can print back.
func FuzzParseID(f *testing.F) {
	f.Add("01M84PG8A0GZEEG10MESF5AYBJ")
	f.Add("01m84pg8a0gzeeg10mesf5aybj ")
	f.Add("zzzzzzzzzzzzzzzzzzzzzzzzzz")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if again, err := ParseID(id.String()); err != nil || again != id {
			t.Fatalf("ParseID(%q) = %s does not round-trip", s, id)
		}
	})
}
