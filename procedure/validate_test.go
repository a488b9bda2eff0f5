package procedure

import (
	"errors"
	"strings"
	"testing"
)

// wantProblem checks err is a *Problem with the given field and key.
func wantProblem(t *testing.T, err error, field, key string) *Problem {
	t.Helper()
	if key == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return nil
	}
	p, ok := AsProblem(err)
	if !ok {
		t.Fatalf("got %v, want problem %s", err, key)
	}
	if p.Key != key || p.Field != field {
		t.Fatalf("got problem %s/%s (%v), want %s/%s", p.Field, p.Key, p.Args, field, key)
	}
	return p
}

func TestParseNIF(t *testing.T) {
	tests := []struct {
		in   string
		want string
		kind IDKind
		key  string
	}{
		{"12345678Z", "12345678Z", KindDNI, ""},
		{"12345678z", "12345678Z", KindDNI, ""},
		{" 12.345.678-Z ", "12345678Z", KindDNI, ""},
		{"12 345 678 z", "12345678Z", KindDNI, ""},
		{"00000000T", "00000000T", KindDNI, ""},
		{"87654321X", "87654321X", KindDNI, ""},
		{"12345678A", "", 0, KeyNIFLetter},
		{"12345678", "", 0, KeyNIFMissingLetter},
		{"1234567Z", "", 0, KeyNIFLength},
		{"123456789Z", "", 0, KeyNIFLength},
		{"1234", "", 0, KeyNIFLength},
		{"12345678ZZ", "", 0, KeyNIFFormat},
		{"1234Z5678", "", 0, KeyNIFFormat},
		{"", "", 0, KeyNIFEmpty},
		{" - . ", "", 0, KeyNIFEmpty},
		{"12345678/Z", "", 0, KeyNIFChars},
		{"12345678Ñ", "", 0, KeyNIFChars},
		// NIE
		{"X1234567L", "X1234567L", KindNIE, ""},
		{"x-1234567-l", "X1234567L", KindNIE, ""},
		{"X01234567L", "X1234567L", KindNIE, ""}, // old 8-digit form
		{"Y1234567X", "Y1234567X", KindNIE, ""},
		{"Z1234567R", "Z1234567R", KindNIE, ""},
		{"X1234567A", "", 0, KeyNIELetter},
		{"Y1234567L", "", 0, KeyNIELetter}, // the prefix counts
		{"X123456L", "", 0, KeyNIELength},
		{"X11234567L", "", 0, KeyNIELength}, // 8 digits not starting with 0
		{"X1234567", "", 0, KeyNIFMissingLetter},
		{"T1234567L", "", 0, KeyNIEPrefix},
		{"I1234567L", "", 0, KeyNIEPrefix},
		{"B12345678", "", 0, KeyNIFCompany},
		{"A1234567L", "", 0, KeyNIFCompany},
		// A name or a word where the number goes: not read as a company
		// NIF or a NIE prefix by its first letter.
		{"ana", "", 0, KeyNIFNoDigits},
		{"Ana María", "", 0, KeyNIFNoDigits},
		{"García", "", 0, KeyNIFNoDigits},
		{"Iván", "", 0, KeyNIFNoDigits},
		{"Xavier", "", 0, KeyNIFNoDigits},
		{"Luis", "", 0, KeyNIFNoDigits},
		{"DNI", "", 0, KeyNIFNoDigits},
		// K/L/M: valid NIFs without an identity card
		{"K1234567L", "K1234567L", KindNIFK, ""},
		{"L1234567L", "L1234567L", KindNIFL, ""},
		{"m1234567l", "M1234567L", KindNIFM, ""},
		{"K1234567A", "", 0, KeyNIFLetter},
		{"K123456L", "", 0, KeyNIFLength},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			id, err := ParseNIF(tc.in)
			wantProblem(t, err, "nif", tc.key)
			if tc.key != "" {
				return
			}
			if id.Number != tc.want || id.Kind != tc.kind {
				t.Fatalf("got %+v, want %s %v", id, tc.want, tc.kind)
			}
			if strings.Contains(err2s(err), tc.in) {
				t.Fatal("error text contains the input")
			}
		})
	}
}

func err2s(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestProblemErrorHasNoInput(t *testing.T) {
	for _, in := range []string{"12345678A", "X1234567A", "juan@@gmail.com", "+33612345678", "91 123 45 67"} {
		var err error
		switch {
		case strings.Contains(in, "@"):
			_, err = ParseEmail(in)
		case strings.HasPrefix(in, "+") || strings.HasPrefix(in, "9"):
			_, err = ParseMobile(in)
		default:
			_, err = ParseNIF(in)
		}
		if err == nil {
			t.Fatalf("%q accepted", in)
		}
		msg := err.Error()
		if strings.Contains(msg, in) || strings.Contains(msg, "12345678") || strings.Contains(msg, "juan") {
			t.Errorf("error text %q leaks the input %q", msg, in)
		}
		if !strings.HasPrefix(msg, "procedure: ") {
			t.Errorf("error text %q lacks the package prefix", msg)
		}
	}
}

func TestParseDNIOrNIESpecial(t *testing.T) {
	id, err := ParseDNIOrNIE("k1234567l")
	if !errors.Is(err, ErrSpecialNIF) {
		t.Fatalf("got %v, want ErrSpecialNIF", err)
	}
	p := wantProblem(t, err, "nif", KeyNIFSpecial)
	if p.Args["Letter"] != "K" {
		t.Fatalf("letter arg %v", p.Args)
	}
	if id.Number != "K1234567L" || !id.Special() {
		t.Fatalf("id not returned for routing: %+v", id)
	}
	if _, err := ParseDNIOrNIE("12345678Z"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDNIOrNIE("12345678A"); errors.Is(err, ErrSpecialNIF) {
		t.Fatal("a wrong letter is not a special NIF")
	}
}

func TestIDDocType(t *testing.T) {
	for in, want := range map[string]string{"12345678Z": "DNI", "X1234567L": "NIE", "M1234567L": "NIF"} {
		id, err := ParseNIF(in)
		if err != nil {
			t.Fatal(err)
		}
		if id.DocType() != want {
			t.Errorf("%s: doc type %s, want %s", in, id.DocType(), want)
		}
	}
}

func TestParseMobile(t *testing.T) {
	tests := []struct {
		in, want, key string
	}{
		{"600123456", "+34600123456", ""},
		{"600 12 34 56", "+34600123456", ""},
		{"600.123.456", "+34600123456", ""},
		{"600-123-456", "+34600123456", ""},
		{"(+34) 600 123 456", "+34600123456", ""},
		{"+34 600123456", "+34600123456", ""},
		{"+34600123456", "+34600123456", ""},
		{"0034 600 123 456", "+34600123456", ""},
		{"34 600 123 456", "+34600123456", ""},
		{"711 111 111", "+34711111111", ""},
		{"722111111", "+34722111111", ""},
		{"744111111", "+34744111111", ""},
		{"781111111", "+34781111111", ""},
		{"700111111", "", KeyPhoneNotMobile},
		{"751111111", "", KeyPhoneNotMobile},
		{"791111111", "", KeyPhoneNotMobile},
		{"511111111", "", KeyPhoneNotMobile},
		{"123456789", "", KeyPhoneNotMobile},
		{"911 234 567", "", KeyPhoneLandline},
		{"+34 932 123 456", "", KeyPhoneLandline},
		{"881 123 456", "", KeyPhoneLandline},
		{"900 123 456", "", KeyPhoneSpecialRate},
		{"806 123 456", "", KeyPhoneSpecialRate},
		{"+33 6 12 34 56 78", "", KeyPhoneCountry},
		{"0033612345678", "", KeyPhoneCountry},
		{"+351912345678", "", KeyPhoneCountry},
		{"60012345", "", KeyPhoneLength},
		{"6001234567", "", KeyPhoneLength},
		{"+34 60012345", "", KeyPhoneLength},
		{"+", "", KeyPhoneLength},
		{"", "", KeyPhoneEmpty},
		{"  ", "", KeyPhoneEmpty},
		{"600 12 34 5a", "", KeyPhoneChars},
		{"600+123456", "", KeyPhoneChars},
		{"++34600123456", "", KeyPhoneChars},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMobile(tc.in)
			wantProblem(t, err, "mobile", tc.key)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseMobile("912345678"); !errors.Is(err, ErrLandline) {
		t.Fatal("landline not matched by errors.Is")
	}
}

func TestPhoneCountryArg(t *testing.T) {
	for in, want := range map[string]string{"+33612345678": "+33", "+351912345678": "+351", "+44 7700 900123": "+44", "+1 202 555 0100": "+1"} {
		_, err := ParseMobile(in)
		p := wantProblem(t, err, "mobile", KeyPhoneCountry)
		if p.Args["Prefix"] != want {
			t.Errorf("%s: prefix %v, want %s", in, p.Args["Prefix"], want)
		}
	}
}

func TestParseSupportNumber(t *testing.T) {
	tests := []struct {
		in   string
		kind IDKind
		want string
		key  string
	}{
		{"BAA123456", KindDNI, "BAA123456", ""},
		{"baa-123.456", KindDNI, "BAA123456", ""},
		{"E01234567", KindNIE, "E01234567", ""},
		{"c 12345678", KindNIE, "C12345678", ""},
		{"E01234567", KindDNI, "", KeySupportDNIFormat},
		{"BAA123456", KindNIE, "", KeySupportNIEFormat},
		{"BA1234567", KindDNI, "", KeySupportDNIFormat},
		{"BAA12345", KindDNI, "", KeySupportDNIFormat},
		{"E1234567", KindNIE, "", KeySupportNIEFormat},
		{"BAA123456", KindNIFM, "BAA123456", ""},
		{"E01234567", KindNIFM, "E01234567", ""},
		{"123", KindNIFM, "", KeySupportDNIFormat},
		{"", KindDNI, "", KeySupportEmpty},
		{"BAA_123456", KindDNI, "", KeySupportChars},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSupportNumber(tc.in, tc.kind)
			wantProblem(t, err, "support", tc.key)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseEmail(t *testing.T) {
	long := strings.Repeat("a", 65)
	longLabel := strings.Repeat("b", 64)
	longDomain := strings.Repeat("abcdefghi.", 26) + "es" // 262 bytes
	tests := []struct {
		in, want, key string
	}{
		{"juan.perez@gmail.com", "juan.perez@gmail.com", ""},
		{"  Juan.Perez@Gmail.COM ", "Juan.Perez@gmail.com", ""},
		{"a+tag@sub.example.es", "a+tag@sub.example.es", ""},
		{"o'neil@example.ie", "o'neil@example.ie", ""},
		{"x@ayuntamiento-españa.es", "x@ayuntamiento-españa.es", ""},
		{"x@ayuntamiento-espan\u0303a.es", "x@ayuntamiento-espa\u00f1a.es", ""}, // NFC
		{"x@xn--espaa-rta.es", "x@xn--espaa-rta.es", ""},
		{"x@example.xn--p1ai", "x@example.xn--p1ai", ""},
		{strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com", ""},
		{"", "", KeyEmailEmpty},
		{"juan perez@gmail.com", "", KeyEmailSpaces},
		{"Juan <juan@gmail.com>", "", KeyEmailSpaces},
		{"<juan@gmail.com>", "", KeyEmailDisplayName},
		{"juan.gmail.com", "", KeyEmailNoAt},
		{"juan@@gmail.com", "", KeyEmailAt},
		{"a@b@gmail.com", "", KeyEmailAt},
		{"@gmail.com", "", KeyEmailLocalEmpty},
		{long + "@gmail.com", "", KeyEmailLocalLength},
		{"josé@gmail.com", "", KeyEmailLocalChars},
		{"\"juan\"@gmail.com", "", KeyEmailLocalChars},
		{"juan,p@gmail.com", "", KeyEmailLocalChars},
		{"juan..perez@gmail.com", "", KeyEmailLocalDots},
		{".juan@gmail.com", "", KeyEmailLocalDots},
		{"juan.@gmail.com", "", KeyEmailLocalDots},
		{"juan@", "", KeyEmailDomainEmpty},
		{"juan@gmail", "", KeyEmailDomain},
		{"juan@localhost", "", KeyEmailDomain},
		{"juan@gmail..com", "", KeyEmailDomainDots},
		{"juan@.gmail.com", "", KeyEmailDomainDots},
		{"juan@gmail.com.", "", KeyEmailDomainDots},
		{"juan@" + longDomain, "", KeyEmailDomainLength},
		{"juan@" + longLabel + ".com", "", KeyEmailDomainLabel},
		{"juan@-gmail.com", "", KeyEmailDomainLabel},
		{"juan@gmail-.com", "", KeyEmailDomainLabel},
		{"juan@gm_ail.com", "", KeyEmailDomainLabel},
		{"juan@[1.2.3.4]", "", KeyEmailDomainLabel},
		{"juan@1.2.3.4", "", KeyEmailTLD},
		{"juan@gmail.c", "", KeyEmailTLD},
		{"juan@gmail.c0m", "", KeyEmailTLD},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseEmail(tc.in)
			wantProblem(t, err, "email", tc.key)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfirmEmail(t *testing.T) {
	tests := []struct {
		a, b, want, field, key string
	}{
		{"juan@gmail.com", "juan@gmail.com", "juan@gmail.com", "", ""},
		{"Juan@Gmail.com", " juan@gmail.COM ", "Juan@gmail.com", "", ""},
		{"juan@gmail.com", "juan@gmial.com", "", "email_confirm", KeyEmailMismatch},
		{"juan@gmail.com", "juan@gmail", "", "email_confirm", KeyEmailMismatch},
		{"juan@gmail.com", "", "", "email_confirm", KeyEmailEmpty},
		{"juan@gmail", "juan@gmail", "", "email", KeyEmailDomain},
	}
	for _, tc := range tests {
		got, err := ConfirmEmail(tc.a, tc.b)
		wantProblem(t, err, tc.field, tc.key)
		if got != tc.want {
			t.Errorf("%q/%q: got %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRequestCode(t *testing.T) {
	tests := []struct {
		in     string
		length int
		want   string
		key    string
	}{
		{"123456789", 0, "123456789", ""},
		{"123 456 789", 0, "123456789", ""},
		{"123-456-789", 9, "123456789", ""},
		{"12345678", 0, "", KeyCodeLength},
		{"1234567890", 9, "", KeyCodeLength},
		{"1234567890", 10, "1234567890", ""},
		{"12345678O", 0, "", KeyCodeChars},
		{"", 0, "", KeyCodeEmpty},
	}
	for _, tc := range tests {
		got, err := ParseRequestCode(tc.in, tc.length)
		p := wantProblem(t, err, "code", tc.key)
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
		if p != nil && p.Key == KeyCodeLength && p.Args["Want"] != max(tc.length, 0)+boolInt(tc.length <= 0)*DefaultRequestCodeLength {
			t.Errorf("%q: want arg %v", tc.in, p.Args)
		}
	}
	if _, err := ConfirmRequestCode("123456789", "123 456 789", 0); err != nil {
		t.Fatal(err)
	}
	_, err := ConfirmRequestCode("123456789", "123456788", 0)
	wantProblem(t, err, "code_confirm", KeyCodeMismatch)
	if !errors.Is(err, ErrCodeMismatch) {
		t.Fatal("mismatch not matched by errors.Is")
	}
	_, err = ConfirmRequestCode("12345678", "12345678", 0)
	wantProblem(t, err, "code", KeyCodeLength)
	_, err = ConfirmRequestCode("123456789", "", 0)
	wantProblem(t, err, "code_confirm", KeyCodeEmpty)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in, want, key string
	}{
		{"  María   José ", "María José", ""},
		{"O'Donnell", "O'Donnell", ""},
		{"García-Page", "García-Page", ""},
		{"Mª Luisa", "Mª Luisa", ""},
		{"Zoë", "Zoë", ""},
		{"Иван", "Иван", ""},
		{"Jose\u0301", "Jos\u00e9", ""}, // combining accent composed (NFC)
		{"", "", KeyNameEmpty},
		{"Juan2", "", KeyNameChars},
		{"--", "", KeyNameChars},
		{strings.Repeat("a", MaxNameLength+1), "", KeyNameLength},
	}
	for _, tc := range tests {
		got, err := ParseName(tc.in, "name", KeyNameEmpty)
		wantProblem(t, err, "name", tc.key)
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, err := ParseName("  ", "surname2", ""); err != nil || got != "" {
		t.Fatalf("optional empty: %q %v", got, err)
	}
}

func TestSuggestEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"juan@gmial.com", "juan@gmail.com"},
		{"juan@gmai.com", "juan@gmail.com"},
		{"juan@gamil.com", "juan@gmail.com"},
		{"juan@hotmal.es", "juan@hotmail.es"},
		{"juan@outlok.com", "juan@outlook.com"},
		{"juan@yahooo.es", "juan@yahoo.es"},
		{"juan@ayto-madrid.con", "juan@ayto-madrid.com"},
		{"juan@gmail.com", ""},
		{"juan@mail.com", ""}, // a real provider, one letter from gmail.com
		{"juan@madrid.es", ""},
		{"juan@example.es", ""},
		{"nonsense", ""},
	}
	for _, tc := range tests {
		got, ok := SuggestEmail(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("SuggestEmail(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func BenchmarkParseNIF(b *testing.B) {
	for b.Loop() {
		if _, err := ParseNIF("12.345.678-z"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMobile(b *testing.B) {
	for b.Loop() {
		if _, err := ParseMobile("(+34) 600 12 34 56"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEmail(b *testing.B) {
	for b.Loop() {
		if _, err := ParseEmail("Juan.Perez+kiosco@Gmail.com"); err != nil {
			b.Fatal(err)
		}
	}
}
