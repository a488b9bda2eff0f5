package procedure

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// DefaultRequestCodeLength is the number of digits of FNMT's código de
// solicitud unless the office configures another length (FNMT has changed it
// before; the kiosk must not reject a correct code because of a stale rule).
const DefaultRequestCodeLength = 9

// MinRequestCodeLength and MaxRequestCodeLength bound the length an office
// may configure. Every SMS that carries the code fits its parts with a
// code of MaxRequestCodeLength digits (tui/steps TestEverySMSFits).
const (
	MinRequestCodeLength = 6
	MaxRequestCodeLength = 20
)

// ParseRequestCode validates the FNMT código de solicitud: digits only, of
// the given length (DefaultRequestCodeLength when length ≤ 0). Spaces, dashes
// and dots are ignored, because visitors copy it from an e-mail in groups.
// Every rejection is a *Problem with Field "code".
func ParseRequestCode(s string, length int) (string, error) {
	return parseCode(s, length, "code")
}

func parseCode(s string, length int, field string) (string, error) {
	if length <= 0 {
		length = DefaultRequestCodeLength
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '.' || unicode.IsSpace(r):
		default:
			return "", problem(field, KeyCodeChars, nil)
		}
	}
	d := b.String()
	switch {
	case d == "":
		return "", problem(field, KeyCodeEmpty, nil)
	case len(d) != length:
		return "", problem(field, KeyCodeLength, map[string]any{"Got": len(d), "Want": length})
	}
	return d, nil
}

// ConfirmRequestCode checks the código de solicitud typed twice: the first
// must be valid (Field "code"), the second must be the same digits (Field
// "code_confirm", key KeyCodeMismatch). A mistyped code caught here saves
// the visitor 48 hours of waiting for nothing.
func ConfirmRequestCode(first, second string, length int) (string, error) {
	a, err := parseCode(first, length, "code")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(second) == "" {
		return "", problem("code_confirm", KeyCodeEmpty, nil)
	}
	b, err := parseCode(second, length, "code_confirm")
	if err != nil || a != b {
		return "", problem("code_confirm", KeyCodeMismatch, nil)
	}
	return a, nil
}

// MaxNameLength bounds names and surnames; the call-centre forms and the
// certificate allow far less than a screen line.
const MaxNameLength = 80

// ParseName validates a given name or surname: letters (any script, with
// accents), spaces, hyphens, apostrophes, dots and "ª"/"º" (as in "Mª").
// Inner runs of spaces are collapsed and the result is in Unicode NFC. field is the Problem field ("name",
// "surname1", "surname2"); emptyKey is the key to use when it is empty, or
// "" when the value is optional (the second surname, which many foreign
// visitors do not have).
func ParseName(s, field, emptyKey string) (string, error) {
	// NFC: "José" typed with a combining accent and "José" precomposed are
	// the same name on the certificate and in the e-mail.
	n := norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if n == "" {
		if emptyKey == "" {
			return "", nil
		}
		return "", problem(field, emptyKey, nil)
	}
	if utf8.RuneCountInString(n) > MaxNameLength {
		return "", problem(field, KeyNameLength, map[string]any{"Max": MaxNameLength})
	}
	letters := 0
	for _, r := range n {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.Mn, r), r == ' ', r == '-', r == '\'', r == '’', r == '.', r == 'ª', r == 'º':
		default:
			return "", problem(field, KeyNameChars, nil)
		}
	}
	if letters == 0 {
		return "", problem(field, KeyNameChars, nil)
	}
	return n, nil
}
