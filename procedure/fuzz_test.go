package procedure

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// The fuzz targets check the properties every validator must keep for any
// input: no panic; a rejection is a *Problem with a known key and the right
// field; an accepted value is already normalised (parsing it again gives the
// same value); masks never return the raw value.

func checkRejection(t *testing.T, err error, field string) {
	t.Helper()
	p, ok := AsProblem(err)
	if !ok {
		t.Fatalf("rejection is not a *Problem: %v", err)
	}
	if p.Field != field {
		t.Fatalf("field %q, want %q", p.Field, field)
	}
	if !knownProblemKey(p.Key) {
		t.Fatalf("key %q is not among ProblemKeys, whose texts the catalogue test checks", p.Key)
	}
}

func FuzzNIF(f *testing.F) {
	for _, s := range []string{"12345678Z", "x01234567l", "K1234567L", "12.345.678-z", "", "B1234567", "Ñ", "X1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNIF(s)
		if err != nil {
			checkRejection(t, err, "nif")
			return
		}
		if len(id.Number) != 9 || id.Kind == KindUnknown {
			t.Fatalf("accepted %q as %+v", s, id)
		}
		again, err := ParseNIF(id.Number)
		if err != nil || again != id {
			t.Fatalf("not idempotent: %q -> %+v -> %+v, %v", s, id, again, err)
		}
		if strings.Contains(mask.NIF(s), id.Number[:5]) {
			t.Fatalf("mask leaks %q", mask.NIF(s))
		}
		_, err = ParseDNIOrNIE(s)
		if id.Special() != (err != nil) {
			t.Fatalf("ParseDNIOrNIE disagrees for %q: %v", s, err)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"600123456", "(+34) 600-12.34.56", "0034 711 111 111", "+33612345678", "911234567", "+", "34600123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e164, err := ParseMobile(s)
		if err != nil {
			checkRejection(t, err, "mobile")
			return
		}
		if len(e164) != 12 || !strings.HasPrefix(e164, "+34") || !allDigits(e164[1:]) {
			t.Fatalf("accepted %q as %q", s, e164)
		}
		if again, err := ParseMobile(e164); err != nil || again != e164 {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, e164, again, err)
		}
		if again, err := ParseMobile(FormatMobile(e164)); err != nil || again != e164 {
			t.Fatalf("formatted form not accepted: %q", FormatMobile(e164))
		}
		if m := mask.Phone(s); strings.Contains(m, e164[3:9]) {
			t.Fatalf("mask leaks: %q", m)
		}
		// Every way of typing a number masks like its E.164 form, so a
		// technician sees one number in every log.
		if m, want := mask.Phone(s), mask.Phone(e164); m != want {
			t.Fatalf("mask.Phone(%q) = %q, but %q for %s", s, m, want, e164)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"juan@gmail.com", " A.B+c@Sub.Example.ES ", "x@españa.es", "a@b", "a@@b.com", "\"a\"@b.com", "a@b.c0m", "İ@x.com", "a@\u212a.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, err := ParseEmail(s)
		if err != nil {
			checkRejection(t, err, "email")
			return
		}
		if strings.Count(addr, "@") != 1 || !utf8.ValidString(addr) {
			t.Fatalf("accepted %q as %q", s, addr)
		}
		local, domain, _ := strings.Cut(addr, "@")
		if len(local) > maxEmailLocal || len(domain) > maxEmailDomain || !strings.Contains(domain, ".") {
			t.Fatalf("limits broken: %q", addr)
		}
		again, err := ParseEmail(addr)
		if err != nil || again != addr {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, addr, again, err)
		}
		if _, err := ConfirmEmail(s, addr); err != nil {
			t.Fatalf("confirmation with the normalised form fails: %v", err)
		}
	})
}

func FuzzSupportNumber(f *testing.F) {
	for _, s := range []string{"BAA123456", "e01234567", "C12345678", ""} {
		f.Add(s, uint8(KindDNI))
	}
	f.Fuzz(func(t *testing.T, s string, k uint8) {
		kind := IDKind(k % 6)
		got, err := ParseSupportNumber(s, kind)
		if err != nil {
			checkRejection(t, err, "support")
			return
		}
		if again, err := ParseSupportNumber(got, kind); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func FuzzRequestCode(f *testing.F) {
	f.Add("123 456 789", "123456789", 9)
	f.Add("12", "12", 0)
	f.Fuzz(func(t *testing.T, a, b string, length int) {
		length %= 40
		code, err := ConfirmRequestCode(a, b, length)
		if err != nil {
			p, ok := AsProblem(err)
			if !ok || (p.Field != "code" && p.Field != "code_confirm") {
				t.Fatalf("bad rejection %v", err)
			}
			return
		}
		want := length
		if want <= 0 {
			want = DefaultRequestCodeLength
		}
		if len(code) != want || !allDigits(code) {
			t.Fatalf("accepted %q as %q", a, code)
		}
		if again, err := ParseRequestCode(code, length); err != nil || again != code {
			t.Fatalf("not idempotent")
		}
	})
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"María José", "O'Neil", "  a  b ", "Juan2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseName(s, "name", KeyNameEmpty)
		if err != nil {
			checkRejection(t, err, "name")
			return
		}
		if again, err := ParseName(n, "name", KeyNameEmpty); err != nil || again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, n, again, err)
		}
	})
}

func FuzzReference(f *testing.F) {
	f.Add("CLV-7KQ4-M2")
	f.Add("cer 2345 6x")
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := ParseReference(s)
		if !ok {
			return
		}
		if again, ok := ParseReference(ref); !ok || again != ref {
			t.Fatalf("not idempotent: %q -> %q", s, ref)
		}
	})
}

func FuzzHolidays(f *testing.F) {
	f.Add("2026-05-15 San Isidro\n-2026-01-06 x # c\n")
	f.Fuzz(func(t *testing.T, s string) {
		hs, err := ParseHolidays(strings.NewReader(s))
		if err != nil {
			return
		}
		c := NewCalendar(nil, hs)
		for _, h := range hs {
			c.IsBusinessDay(h.Date)
		}
	})
}

func knownProblemKey(k string) bool {
	for _, pk := range problemKeys {
		if pk == k {
			return true
		}
	}
	return false
}
