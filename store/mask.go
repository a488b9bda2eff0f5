package store

import (
	"regexp"
	"strings"
)

const dot = "•"

// MaskPhone keeps what a technician needs to tell two numbers apart and no
// more: the country code, the first national digit and the last two
// ("+34600000012" → "+34 6•• ••• •12").
func MaskPhone(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) == 0 {
		return ""
	}
	prefix := ""
	intl := strings.HasPrefix(strings.TrimSpace(s), "+")
	if !intl && len(d) > 11 && d[0] == '0' && d[1] == '0' {
		intl, d = true, d[2:] // 0034… is +34…
	}
	if intl && len(d) > 9 {
		cc := len(d) - 9 // Spanish and most European numbers: 9 national digits
		if cc > 3 {
			cc = 3
		}
		prefix = "+" + string(d[:cc]) + " "
		d = d[cc:]
	}
	if len(d) <= 3 {
		return prefix + strings.Repeat(dot, len(d))
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i, c := range d {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		if i == 0 || i >= len(d)-2 {
			b.WriteByte(c)
		} else {
			b.WriteString(dot)
		}
	}
	return b.String()
}

// MaskEmail keeps the first letter of the mailbox and of the domain and
// the top-level domain ("juana@example.es" → "j•••@e•••.es").
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		if s == "" {
			return ""
		}
		return string([]rune(s)[:1]) + dot + dot + dot
	}
	local, domain := s[:at], s[at+1:]
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 {
		tld = domain[i:]
		domain = domain[:i]
	}
	return string([]rune(local)[:1]) + dot + dot + dot + "@" + string([]rune(domain)[:1]) + dot + dot + dot + tld
}

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	rePhone = regexp.MustCompile(`\+?\d[\d ]{7,}\d`)
)

// Redact masks anything in s that looks like an e-mail address or a phone
// number. Error texts pass through it before they are stored or logged:
// SMTP servers echo recipients, modems echo numbers.
func Redact(s string) string {
	// Repeat until stable: masking one address can expose another
	// ("a@b.cd@e.es" → "a•••@b•••.cd@e.es").
	for range 8 {
		r := rePhone.ReplaceAllStringFunc(reEmail.ReplaceAllStringFunc(s, MaskEmail), MaskPhone)
		if r == s {
			break
		}
		s = r
	}
	return s
}
