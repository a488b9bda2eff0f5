// Package mask is the one place that decides how personal data looks when it
// is shown to someone who must not read it: the technician console, the
// outbox listing, the audit log and the kiosk's log. There is one function
// per kind of datum, so a number reads the same wherever a technician meets
// it (a recipient in `queue list`, the same number in the audit log and in an
// SMTP error): enough to tell two visitors apart or to recognise a number
// a visitor reads out, never enough to identify anyone.
//
// Every function accepts any input (also invalid or un-normalised values)
// and never returns it unmasked. The package imports only the standard
// library, so the store, the console and the domain can all use it (see
// docs/ARCHITECTURE.md).
package mask

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bullet is the rune that stands for a hidden character.
const Bullet = "•"

// Phone masks a phone number, keeping the country code, the first national
// digit and the last two: "+34600123412", "600 12 34 12" and
// "0034 600 123 412" all give "+34 6•• ••• •12". A Spanish national number
// (nine digits starting with 6–9, or 34 and nine digits) is shown with +34,
// so the same number typed two ways reads the same. Short numbers (fewer
// than seven national digits) keep nothing.
func Phone(s string) string {
	d := make([]byte, 0, 16)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) == 0 {
		return ""
	}
	cc := ""
	intl := strings.HasPrefix(strings.TrimSpace(s), "+")
	if !intl && len(d) > 11 && d[0] == '0' && d[1] == '0' {
		intl, d = true, d[2:] // 0034… is +34…
	}
	switch {
	case intl && len(d) > 9:
		// Spain and most of Europe have nine national digits; country
		// codes have one to three.
		n := min(len(d)-9, 3)
		cc, d = string(d[:n]), d[n:]
	case !intl && len(d) == 11 && d[0] == '3' && d[1] == '4':
		// No Spanish number starts with 3: "34 600…" is the country code.
		cc, d = "34", d[2:]
	case !intl && len(d) == 9 && d[0] >= '6':
		cc = "34"
	}
	var b strings.Builder
	if cc != "" {
		b.WriteString("+" + cc + " ")
	}
	keep := len(d) >= 7
	for i, c := range d {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		if keep && (i == 0 || i >= len(d)-2) {
			b.WriteByte(c)
		} else {
			b.WriteString(Bullet)
		}
	}
	return b.String()
}

// Email masks an e-mail address, keeping the first character of the mailbox
// and of the domain and the top-level domain: "juana@example.es" gives
// "j•••@e•••.es". The number of bullets is fixed, so the lengths of the
// names are not revealed; a personal domain is as identifying as the name.
func Email(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	three := strings.Repeat(Bullet, 3)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return first(s) + three
	}
	local, domain := s[:at], s[at+1:]
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 {
		tld = strings.ToLower(domain[i:])
		domain = domain[:i]
	}
	return first(local) + three + "@" + strings.ToLower(first(domain)) + three + tld
}

// NIF masks a document number (DNI, NIE, NIF), keeping the last three
// digits and the letter: "12345678Z", "12.345.678-z" and "X1234567L" give
// "•••••678Z", "•••••678Z" and "•••••567L". Five bullets whatever the
// length; four characters or fewer are hidden entirely.
func NIF(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune('?')
		}
	}
	t := b.String()
	if len(t) <= 4 {
		return strings.Repeat(Bullet, 4)
	}
	return strings.Repeat(Bullet, 5) + t[len(t)-4:]
}

// Code masks a código de solicitud or a verification code, keeping the last
// two digits: "123456789" gives "•••••••89". The code is a secret the
// visitor needs to download a certificate; the two digits let a technician
// match it with what the visitor reads out.
func Code(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) <= 4 {
		return strings.Repeat(Bullet, len(d))
	}
	return strings.Repeat(Bullet, len(d)-2) + string(d[len(d)-2:])
}

// Name keeps the initials of a name: "María José Pérez" gives "M. J. P.".
func Name(s string) string {
	var parts []string
	for _, w := range strings.Fields(s) {
		parts = append(parts, first(w)+".")
	}
	return strings.Join(parts, " ")
}

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	rePhone = regexp.MustCompile(`\+?\d[\d ]{7,}\d`)
)

// Text masks, inside free text, anything that looks like an e-mail address
// (with Email) or a phone number (with Phone). Error texts pass through it
// before they are stored or logged: SMTP servers echo recipients, modems
// echo numbers.
func Text(s string) string {
	// Repeat until stable: masking one address can expose another
	// ("a@b.cd@e.es" → "a•••@b•••.cd@e.es").
	for range 8 {
		r := rePhone.ReplaceAllStringFunc(reEmail.ReplaceAllStringFunc(s, Email), Phone)
		if r == s {
			break
		}
		s = r
	}
	return s
}

// first is the first rune of s as a string ("" for ""); an invalid byte
// becomes U+FFFD so the output stays valid UTF-8.
func first(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if s == "" {
		return ""
	}
	return string(r)
}
