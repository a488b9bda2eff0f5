package procedure

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits from RFC 5321 §4.5.3.1: what a receiving mail server enforces.
const (
	maxEmailLocal  = 64
	maxEmailDomain = 253
	maxEmailLabel  = 63
)

// ParseEmail validates an e-mail address typed by a visitor and returns it
// normalised (surrounding spaces trimmed, domain in lower case; the part
// before the @ is kept as typed, since servers may treat case there).
//
// It rejects what a mail server or FNMT's form would reject, more strictly
// than net/mail: exactly one @, no display name or angle brackets, no quoted
// local part, local part ≤ 64 bytes of RFC 5322 "atext" with single inner
// dots, domain ≤ 253 bytes with at least one dot, letter-digit-hyphen labels
// of ≤ 63 bytes, and an alphabetic top-level domain.
//
// Internationalised domains ("correo@ayuntamiento-españa.es"): golang.org/x/net
// (idna) is not a dependency of this module, so instead of converting to
// punycode, labels may contain Unicode letters and digits; label lengths are
// checked on the UTF-8 bytes, which is stricter than the punycode length for
// most names. Non-ASCII before the @ is refused: most servers do not offer
// SMTPUTF8 and the FNMT form does not accept it.
//
// Every rejection is a *Problem with Field "email".
func ParseEmail(s string) (string, error) {
	return parseEmail(s, "email")
}

func parseEmail(s, field string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", problem(field, KeyEmailEmpty, nil)
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", problem(field, KeyEmailSpaces, nil)
	}
	if strings.ContainsAny(s, "<>") {
		return "", problem(field, KeyEmailDisplayName, nil)
	}
	if n := strings.Count(s, "@"); n == 0 {
		return "", problem(field, KeyEmailNoAt, nil)
	} else if n > 1 {
		return "", problem(field, KeyEmailAt, map[string]any{"Count": n})
	}
	at := strings.IndexByte(s, '@')
	local, domain := s[:at], s[at+1:]

	switch {
	case local == "":
		return "", problem(field, KeyEmailLocalEmpty, nil)
	case len(local) > maxEmailLocal:
		return "", problem(field, KeyEmailLocalLength, map[string]any{"Got": len(local), "Max": maxEmailLocal})
	}
	for i := 0; i < len(local); i++ {
		if !isAtext(local[i]) && local[i] != '.' {
			return "", problem(field, KeyEmailLocalChars, nil)
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", problem(field, KeyEmailLocalDots, nil)
	}

	if domain == "" {
		return "", problem(field, KeyEmailDomainEmpty, nil)
	}
	if !utf8.ValidString(domain) {
		return "", problem(field, KeyEmailDomainLabel, nil)
	}
	// Lower case and NFC, as IDNA mapping does before punycode: the same
	// domain typed two ways is one domain.
	domain = norm.NFC.String(strings.ToLower(domain))
	switch {
	case len(domain) > maxEmailDomain:
		return "", problem(field, KeyEmailDomainLength, map[string]any{"Max": maxEmailDomain})
	case domain[0] == '.' || domain[len(domain)-1] == '.' || strings.Contains(domain, ".."):
		return "", problem(field, KeyEmailDomainDots, nil)
	case !strings.Contains(domain, "."):
		return "", problem(field, KeyEmailDomain, nil)
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return "", problem(field, KeyEmailDomainLabel, nil)
		}
	}
	if !validTLD(labels[len(labels)-1]) {
		return "", problem(field, KeyEmailTLD, nil)
	}

	addr := local + "@" + domain
	// Defence in depth: whatever passed the checks above must also be a
	// plain address to the standard parser, with no display name.
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Name != "" || parsed.Address != addr {
		return "", problem(field, KeyEmailLocalChars, nil)
	}
	return addr, nil
}

// isAtext reports whether c is an RFC 5322 atext character (ASCII only).
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// validLabel checks one domain label: letters (Unicode allowed, see
// ParseEmail), digits and inner hyphens, 1 to 63 bytes.
func validLabel(l string) bool {
	if l == "" || len(l) > maxEmailLabel || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r == '-' || (r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9')) {
			continue
		}
		if r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) {
			continue
		}
		return false
	}
	return true
}

// validTLD accepts alphabetic top-level domains of two or more letters and
// punycode ones ("xn--…"); a numeric ending means an IP address or a typo.
func validTLD(l string) bool {
	if strings.HasPrefix(l, "xn--") {
		return len(l) > 4
	}
	if utf8.RuneCountInString(l) < 2 {
		return false
	}
	for _, r := range l {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return true
}

// ConfirmEmail is the two-box helper: the address typed twice. It validates
// the first (problems with Field "email") and checks the second matches it,
// ignoring case and surrounding spaces (a problem with Field
// "email_confirm" and key KeyEmailMismatch otherwise). It returns the
// normalised first address.
func ConfirmEmail(first, second string) (string, error) {
	a, err := parseEmail(first, "email")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(second) == "" {
		return "", problem("email_confirm", KeyEmailEmpty, nil)
	}
	b, err := parseEmail(second, "email_confirm")
	if err != nil || !strings.EqualFold(a, b) {
		return "", problem("email_confirm", KeyEmailMismatch, nil)
	}
	return a, nil
}

// KeyEmailSuggest is the catalogue key of the "did you mean" hint. Args:
// Suggestion (the whole corrected address).
const KeyEmailSuggest = "email.suggest"

// commonDomains are the providers most visitors use. An address one typo
// away from one of them ("gmial.com") probably means it; the providers
// themselves are never "corrected" (mail.com is real and one letter away
// from gmail.com, so it is on the list).
var commonDomains = []string{
	"gmail.com", "googlemail.com", "hotmail.com", "hotmail.es", "outlook.com", "outlook.es", "live.com",
	"live.es", "msn.com", "yahoo.com", "yahoo.es", "ymail.com", "icloud.com", "me.com", "mac.com",
	"telefonica.net", "movistar.es", "orange.es", "gmx.es", "gmx.com", "gmx.net", "mail.com", "aol.com",
	"protonmail.com", "proton.me", "terra.es", "ono.com", "euskaltel.net", "correo.gob.es",
}

// tldTypos are endings nobody means.
var tldTypos = map[string]string{"con": "com", "cmo": "com", "ocm": "com", "vom": "com", "xom": "com", "comm": "com"}

// SuggestEmail returns a likely intended address for a valid one with a
// typo in a common provider's domain ("juan@gmial.com" → "juan@gmail.com")
// or a ".con" ending. It never blocks: the UI shows the suggestion
// (KeyEmailSuggest) and lets the visitor keep what they typed.
func SuggestEmail(addr string) (string, bool) {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || domain == "" {
		return "", false
	}
	domain = strings.ToLower(domain)
	for _, d := range commonDomains {
		if domain == d {
			return "", false
		}
	}
	for _, d := range commonDomains {
		if osaDistance(domain, d) == 1 {
			return local + "@" + d, true
		}
	}
	if i := strings.LastIndexByte(domain, '.'); i >= 0 {
		if fix, ok := tldTypos[domain[i+1:]]; ok {
			return local + "@" + domain[:i+1] + fix, true
		}
	}
	return "", false
}

// osaDistance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions and adjacent transpositions), on runes.
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > 2 || d < -2 {
		return 3 // far apart; exact value not needed
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
