package emulator

import (
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem/pdu"
)

// roundTrip encodes with devices/modem/pdu and decodes with this package's
// independent decoder, joining parts as the emulator does.
func roundTrip(t *testing.T, number, text string, ref uint8) (string, int) {
	t.Helper()
	parts, err := pdu.Encode(number, text, pdu.Options{ConcatRef: ref})
	if err != nil {
		t.Fatalf("encode %q: %v", text, err)
	}
	var b strings.Builder
	for i, p := range parts {
		s, err := decodeSubmit(p.Hex, p.TPDULen)
		if err != nil {
			t.Fatalf("decode part %d of %q: %v (%s)", i, text, err, p.Hex)
		}
		if s.To != number {
			t.Fatalf("to %q, want %q", s.To, number)
		}
		if len(parts) > 1 && (s.Total != len(parts) || s.Seq != i+1 || s.Ref != int(ref)) {
			t.Fatalf("part %d header ref %d %d/%d", i, s.Ref, s.Seq, s.Total)
		}
		b.WriteString(s.Text)
	}
	return b.String(), len(parts)
}

func TestRoundTrip(t *testing.T) {
	texts := []string{
		"hola",
		"¿Qué tal? ¡Cita confirmada!",
		"Señor Núñez: el código es 1234",
		"Ceci est un message en français: à bientôt, garçon, œuvre.",
		"Kaixo! Zure zita baieztatuta dago. Eskerrik asko.",
		"Prezo: 10 € {a} [b] ~c^ |d\\ \f",
		strings.Repeat("€", 81),
		strings.Repeat("a", 152) + "€" + strings.Repeat("b", 10),
		"á" + strings.Repeat("a", 65) + "😀" + strings.Repeat("b", 10),
		strings.Repeat("Atención: la cita está confirmada. ", 20),
		"@@@@@@@", // 7 septets: last octet's spare bits look like another '@'
		"@@@@@@@@",
		"\x00 nul",
	}
	for _, text := range texts {
		got, _ := roundTrip(t, "+34600000000", text, 42)
		if got != text {
			t.Errorf("round trip:\n got %q\nwant %q", got, text)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := pdu.Encode("+34600000000", "hola", pdu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hex string
		length    int
	}{
		{"wrong length", good[0].Hex, good[0].TPDULen + 1},
		{"odd hex", good[0].Hex + "0", good[0].TPDULen},
		{"not hex", strings.Replace(good[0].Hex, "11", "ZZ", 1), good[0].TPDULen},
		{"truncated", good[0].Hex[:len(good[0].Hex)-2], good[0].TPDULen - 1},
		{"deliver not submit", "00" + "04" + good[0].Hex[4:], good[0].TPDULen},
	}
	for _, tt := range tests {
		if _, err := decodeSubmit(tt.hex, tt.length); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

// FuzzRoundTrip: whatever the text, encode → independent decode gives it
// back (invalid UTF-8 comes back as U+FFFD, as the encoder reads it).
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"hola", "¿Qué?", strings.Repeat("€", 81), "😀😀", "a\x1bb", "@"} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, text string, ref uint8) {
		if text == "" {
			return
		}
		if n, _ := pdu.Parts(text); n > 10 {
			return // long inputs prove nothing more and slow the fuzzer
		}
		got, n := roundTrip(t, "+34600000000", text, ref)
		if want := string([]rune(text)); got != want {
			t.Fatalf("round trip of %q gave %q", want, got)
		}
		if pn, _ := pdu.Parts(text); pn != n {
			t.Fatalf("Parts says %d, Encode made %d", pn, n)
		}
	})
}
