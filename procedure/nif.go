package procedure

import (
	"strings"
	"unicode"
)

// IDKind tells which kind of Spanish personal tax number an ID is.
type IDKind int

// The kinds of personal NIF. K, L and M are NIFs issued to people who have
// no DNI or NIE (K: Spaniards under 14 without DNI; L: Spaniards living
// abroad without DNI; M: foreigners without NIE). They are valid numbers, but
// there is no identity card to show, so DNI-based video-identification is
// not possible for them.
const (
	KindUnknown IDKind = iota
	KindDNI
	KindNIE
	KindNIFK
	KindNIFL
	KindNIFM
)

// String returns the kind for logs.
func (k IDKind) String() string {
	switch k {
	case KindDNI:
		return "DNI"
	case KindNIE:
		return "NIE"
	case KindNIFK:
		return "NIF-K"
	case KindNIFL:
		return "NIF-L"
	case KindNIFM:
		return "NIF-M"
	}
	return "unknown"
}

// ID is a validated, normalised personal identification number.
type ID struct {
	Kind IDKind
	// Number is the canonical form: upper case, no separators, 9 characters
	// ("12345678Z", "X1234567L", "K1234567S").
	Number string
}

// String returns the canonical number. It is personal data: mask it with
// mask.NIF (package procedure/mask) before logging.
func (id ID) String() string { return id.Number }

// IsZero reports whether the ID is empty.
func (id ID) IsZero() bool { return id.Number == "" }

// Special reports whether this is a K/L/M NIF (no identity card behind it).
func (id ID) Special() bool {
	return id.Kind == KindNIFK || id.Kind == KindNIFL || id.Kind == KindNIFM
}

// DocType returns the official Spanish abbreviation of the document ("DNI",
// "NIE" or "NIF"). These abbreviations are used as-is in every language.
func (id ID) DocType() string {
	switch id.Kind {
	case KindDNI:
		return "DNI"
	case KindNIE:
		return "NIE"
	}
	return "NIF"
}

// NameKey is the catalogue key of the document's name as the visitor
// reads it (DNI, NIE; NAN, AIZ in Basque). DocType is the Spanish
// abbreviation the documents for the administration use.
func (id ID) NameKey() string {
	switch id.Kind {
	case KindDNI:
		return "document.dni"
	case KindNIE:
		return "document.nie"
	}
	return "document.nif"
}

// nifLetters is the check-letter table of the DNI: index = number mod 23.
const nifLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// companyLetters start a company NIF (formerly CIF); a visitor typing one has
// probably typed their employer's number.
const companyLetters = "ABCDEFGHJNPQRSUVW"

// CheckLetter returns the DNI check letter for a number (0..99999999).
func CheckLetter(n int) byte { return nifLetters[n%23] }

// cleanToken removes the separators people type inside numbers (spaces,
// dashes, dots) and upper-cases ASCII letters. ok is false when something
// else than ASCII letters and digits remains.
func cleanToken(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	ok := true
	for _, r := range s {
		switch {
		case r == '-' || r == '.' || unicode.IsSpace(r) || r == '\u2010' || r == '\u2011' || r == '\u2013':
			continue
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			ok = false
		}
	}
	return b.String(), ok
}

// splitDigits returns the leading run of digits of s and the rest.
func splitDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

func atoi(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// ParseNIF validates and normalises a personal NIF typed by a visitor: a DNI
// (8 digits + check letter), a NIE (X/Y/Z + 7 digits + check letter; the old
// 8-digit form "X01234567L" is accepted and becomes "X1234567L") or a K/L/M
// NIF. Lower case, spaces, dashes and dots are accepted.
//
// K/L/M NIFs are returned without error: they are valid for the call-centre
// routes. Use ParseDNIOrNIE where an identity card is required.
//
// Every rejection is a *Problem with Field "nif".
func ParseNIF(s string) (ID, error) {
	t, ok := cleanToken(s)
	if t == "" && ok {
		return ID{}, problem("nif", KeyNIFEmpty, nil)
	}
	if strings.IndexFunc(s, unicode.IsDigit) < 0 && strings.IndexFunc(s, unicode.IsLetter) >= 0 {
		// "ana", "García", "Iván": a name or a word where the number goes.
		// Read by its first letter it would be a company's NIF or a bad
		// NIE prefix, which only confuses; say what a document number is.
		return ID{}, problem("nif", KeyNIFNoDigits, nil)
	}
	if !ok {
		return ID{}, problem("nif", KeyNIFChars, nil)
	}
	first := t[0]
	switch {
	case first >= '0' && first <= '9':
		return parseDNI(t)
	case first == 'X' || first == 'Y' || first == 'Z':
		return parseLetterNIF(t, KindNIE)
	case first == 'K':
		return parseLetterNIF(t, KindNIFK)
	case first == 'L':
		return parseLetterNIF(t, KindNIFL)
	case first == 'M':
		return parseLetterNIF(t, KindNIFM)
	case strings.IndexByte(companyLetters, first) >= 0:
		return ID{}, problem("nif", KeyNIFCompany, map[string]any{"Letter": string(first)})
	default:
		return ID{}, problem("nif", KeyNIEPrefix, map[string]any{"Letter": string(first)})
	}
}

func parseDNI(t string) (ID, error) {
	digits, rest := splitDigits(t)
	switch {
	case rest == "" && len(digits) == 8:
		return ID{}, problem("nif", KeyNIFMissingLetter, nil)
	case rest == "" || (len(rest) == 1 && len(digits) != 8):
		return ID{}, problem("nif", KeyNIFLength, map[string]any{"Got": len(digits), "Want": 8})
	case len(rest) != 1:
		return ID{}, problem("nif", KeyNIFFormat, nil)
	}
	if CheckLetter(atoi(digits)) != rest[0] {
		return ID{}, problem("nif", KeyNIFLetter, nil)
	}
	return ID{Kind: KindDNI, Number: digits + rest}, nil
}

// parseLetterNIF handles NIE (X/Y/Z) and K/L/M numbers: a letter, 7 digits,
// a check letter. For a NIE the prefix counts as a leading digit (X=0, Y=1,
// Z=2); for K/L/M only the 7 digits count.
func parseLetterNIF(t string, kind IDKind) (ID, error) {
	prefix := t[0]
	digits, rest := splitDigits(t[1:])
	lengthKey, letterKey := KeyNIELength, KeyNIELetter
	if kind != KindNIE {
		lengthKey, letterKey = KeyNIFLength, KeyNIFLetter
	}
	// The old NIE format had 8 digits, the first always 0.
	if len(digits) == 8 && digits[0] == '0' {
		digits = digits[1:]
	}
	switch {
	case rest == "" && len(digits) == 7:
		return ID{}, problem("nif", KeyNIFMissingLetter, nil)
	case rest == "" || (len(rest) == 1 && len(digits) != 7):
		return ID{}, problem("nif", lengthKey, map[string]any{"Got": len(digits), "Want": 7})
	case len(rest) != 1:
		return ID{}, problem("nif", KeyNIFFormat, nil)
	}
	n := atoi(digits)
	if kind == KindNIE {
		n += int(prefix-'X') * 10000000
	}
	if CheckLetter(n) != rest[0] {
		return ID{}, problem("nif", letterKey, nil)
	}
	return ID{Kind: kind, Number: string(prefix) + digits + rest}, nil
}

// ParseDNIOrNIE is ParseNIF for the places that need an identity card (the
// FNMT video-identification). A well-formed K/L/M NIF returns the ID and a
// *Problem with key KeyNIFSpecial (errors.Is(err, ErrSpecialNIF)), so the UI
// can explain and offer the staff/call-centre route with the data kept.
func ParseDNIOrNIE(s string) (ID, error) {
	id, err := ParseNIF(s)
	if err != nil {
		return id, err
	}
	if id.Special() {
		return id, problem("nif", KeyNIFSpecial, map[string]any{"Letter": id.Number[:1]})
	}
	return id, nil
}
