package procedure

import (
	"strings"
	"unicode/utf8"
)

// The masks below are for logs and the technician console: enough for a
// technician to tell two visitors apart or recognise a number a visitor
// reads out, not enough to identify anyone. They accept any input (also
// invalid or un-normalised values) and never return it unmasked.

const bullet = "•"

// MaskPhone masks a phone number: MaskPhone("+34600123412") ==
// "+34 6•• ••• •12". Input that is not a valid Spanish mobile keeps only its
// last two digits.
func MaskPhone(s string) string {
	if e164, err := ParseMobile(s); err == nil {
		d := e164[3:]
		return "+34 " + d[:1] + strings.Repeat(bullet, 2) + " " + strings.Repeat(bullet, 3) + " " + bullet + d[7:]
	}
	return maskKeepLast(s, 2)
}

// MaskNIF masks a document number, keeping the last three digits and the
// letter: MaskNIF("12345678Z") == "•••••678Z".
func MaskNIF(s string) string {
	if id, err := ParseNIF(s); err == nil {
		return maskKeepLast(id.Number, 4)
	}
	t, _ := cleanToken(s)
	return maskKeepLast(t, 4)
}

// MaskEmail masks an e-mail address, keeping the first character of the
// local part and the domain (which tells a technician which provider might
// be bouncing): MaskEmail("juan.perez@gmail.com") == "j•••@gmail.com". The
// number of bullets is fixed so the length of the name is not revealed.
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return strings.Repeat(bullet, 3)
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat(bullet, 3) + "@" + strings.ToLower(s[at+1:])
}

// MaskName keeps the initials of a name: MaskName("María José Pérez") ==
// "M. J. P.".
func MaskName(s string) string {
	var parts []string
	for _, w := range strings.Fields(s) {
		r, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(r)+".")
	}
	return strings.Join(parts, " ")
}

// maskKeepLast replaces every rune but the last n with a bullet. Short
// values (≤ n runes) are masked entirely.
func maskKeepLast(s string, n int) string {
	runes := []rune(s)
	if len(runes) <= n {
		return strings.Repeat(bullet, len(runes))
	}
	return strings.Repeat(bullet, len(runes)-n) + string(runes[len(runes)-n:])
}
