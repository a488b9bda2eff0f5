package console

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string safe to print on a technician's terminal. Anything
// that came from a visitor (typed names, e-mail addresses) or from a device
// (modem operator names, error texts echoing AT responses) may contain
// escape sequences that would move the cursor, rewrite the screen, set the
// window title or hide text. Sanitize removes:
//
//   - ESC and every other C0 control character and DEL; tab, CR and LF become
//     a space so one record stays on one line;
//   - C1 control characters (U+0080–U+009F: some terminals treat U+009B as CSI);
//   - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
//     the invisible direction marks (U+200E, U+200F, U+061C), which can make
//     a log line read differently from what it says ("Trojan Source");
//   - invalid UTF-8, replaced by U+FFFD.
//
// The result has no byte below 0x20 and no rune that a terminal interprets.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			sb.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			sb.WriteByte(' ')
		case unsafeRune(r):
			// dropped
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// unsafeRune reports whether a terminal may act on r instead of printing it.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// safeJSON escapes, inside already-encoded JSON, the runes encoding/json
// leaves raw but a terminal may act on (C1 controls, bidi controls). JSON
// strings may carry any rune as \uXXXX, so the output is the same value.
// encoding/json already escapes C0 controls, ESC included.
func safeJSON(b []byte) []byte {
	needs := false
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x80 && unsafeRune(r) {
			needs = true
			break
		}
		i += size
	}
	if !needs {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + 16)
	const hex = "0123456789abcdef"
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x80 && unsafeRune(r) {
			out.WriteString(`\u`)
			out.WriteByte(hex[r>>12&0xf])
			out.WriteByte(hex[r>>8&0xf])
			out.WriteByte(hex[r>>4&0xf])
			out.WriteByte(hex[r&0xf])
		} else {
			out.Write(b[i : i+size])
		}
		i += size
	}
	return out.Bytes()
}

// SafeJSON is safeJSON for other packages that print JSON on a technician's
// terminal (the `ventanilla queue` commands print exactly what the console
// prints).
func SafeJSON(b []byte) []byte { return safeJSON(b) }
