package pdu

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// Reference PDUs from outside this code base. Our PDUs carry an empty SMSC
// field ("00"); references captured with an SMSC have it stripped, and the
// validity octet and concatenation reference are set to theirs.
func TestReferencePDUs(t *testing.T) {
	tests := []struct {
		name, number, text string
		opts               Options
		want               []string // TPDUs, upper-case hex, without SMSC field
	}{
		{
			// The classic SMS-SUBMIT example of the "SMS and the PDU format"
			// tutorial (dreamfabric.com), repeated in countless AT guides.
			name: "dreamfabric hellohello", number: "+46708251358", text: "hellohello",
			opts: Options{Validity: 0xAA},
			want: []string{"11000B916407281553F80000AA0AE8329BFD4697D9EC37"},
		},
		{
			// User data of the well-known +CMT example
			// 07911326040000F0040B911346610089F6...0CC8F71D14969741F977FD07
			// ("How are you?" from +31641600986), re-framed as a SUBMIT.
			name: "How are you", number: "+31641600986", text: "How are you?",
			want: []string{"11000B911346610089F60000A70CC8F71D14969741F977FD07"},
		},
		{
			// GSM 03.38 packing example "Test" = D4F29C0E, national number.
			name: "Test national", number: "600000000", text: "Test",
			want: []string{"1100098106000000F00000A704D4F29C0E"},
		},
		{
			// Captured from gammu 1.42 `sendsms TEXT +34600000000 -text hellohello`
			// through our emulator (SMSC field stripped, VP FF).
			name: "gammu hellohello", number: "+34600000000", text: "hellohello",
			opts: Options{Validity: 0xFF},
			want: []string{"11000B914306000000F00000FF0AE8329BFD4697D9EC37"},
		},
		{
			// gammu, GSM-7 with extension characters, 2 parts (-autolen 400).
			name: "gammu gsm7 concatenated with escapes", number: "+34600000000",
			text: "Cita confirmada: lunes 14 a las 10:30 en la oficina de Sevilla. Traiga su DNI/NIE y el codigo de solicitud. " +
				"Coste: 0 € (gratuito). Dudas: {web} [ventanilla] ~ ^ | \\ fin del mensaje largo para que ocupe dos partes o mas.",
			opts: Options{Validity: 0xFF, ConcatRef: 0xD4},
			want: []string{
				"51000B914306000000F00000FFA0050003D4020186697A18347EBBCD69793B4C0EEB40ECBABB3C07C568A030881D9E836230DD0C062ABB41EC30E86D4E8FD3EE30885C064DCBF6349B1D7681A8F270FA1C06CDEB20A233F972268BA03CA8CC068DDFE4F4F90D229741F3373B3D4ED3EB641768F89ED3CB3A100CB42983506779985E4FD3DF291788582787E73AD006752F8B3729D086672FBBE9",
				"51000B914306000000F00000FF52050003D40202C2EE349B1DDEF8409B1E6843016D80A0CD0B644EBB41E4321BD42EBBE7617519C40ECBCF6F103C2C0F83E2F532E83DAEC3CB20F27B0E8287E5F4F21CF406B5C37317",
			},
		},
		{
			// gammu, UCS-2 with a surrogate pair, 2 parts (-unicode -autolen 400).
			name: "gammu ucs2 concatenated", number: "+34600000000",
			text: "¿Qué tal? Atención: la cita está confirmada para el miércoles. Por favor, traiga el código. Úselo en la oficina. 😀 Gracias.",
			opts: Options{Validity: 0xFF, ConcatRef: 0xC9},
			want: []string{
				"51000B914306000000F00008FF8C050003C9020100BF0051007500E9002000740061006C003F0020004100740065006E0063006900F3006E003A0020006C006100200063006900740061002000650073007400E100200063006F006E006600690072006D0061006400610020007000610072006100200065006C0020006D006900E900720063006F006C00650073002E00200050006F00720020",
				"51000B914306000000F00008FF78050003C90202006600610076006F0072002C002000740072006100690067006100200065006C0020006300F3006400690067006F002E002000DA00730065006C006F00200065006E0020006C00610020006F0066006900630069006E0061002E0020D83DDE0000200047007200610063006900610073002E",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := Encode(tt.number, tt.text, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != len(tt.want) {
				t.Fatalf("%d parts, want %d", len(parts), len(tt.want))
			}
			for i, p := range parts {
				if !strings.HasPrefix(p.Hex, "00") {
					t.Fatalf("part %d: no empty SMSC field: %s", i, p.Hex)
				}
				got := p.Hex[2:]
				if got != tt.want[i] {
					t.Errorf("part %d:\n got %s\nwant %s", i, got, tt.want[i])
				}
				if p.TPDULen*2 != len(got) {
					t.Errorf("part %d: TPDULen %d for %d hex digits", i, p.TPDULen, len(got))
				}
			}
		})
	}
}

func TestParts(t *testing.T) {
	emoji := "😀" // one rune, two UTF-16 units
	tests := []struct {
		name  string
		text  string
		n     int
		enc   Encoding
		sizes []int // units per part: septets or UTF-16 units
	}{
		{"empty", "", 0, GSM7, nil},
		{"160 gsm7", strings.Repeat("a", 160), 1, GSM7, []int{160}},
		{"161 gsm7", strings.Repeat("a", 161), 2, GSM7, []int{153, 8}},
		{"spanish letters in gsm7", "ñÑüÜéÉ¿¡", 1, GSM7, []int{8}},
		{"euro counts double", strings.Repeat("€", 80), 1, GSM7, []int{160}},
		{"euro over", strings.Repeat("€", 81), 2, GSM7, []int{152, 10}},
		{"escape pair not split", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 10), 2, GSM7, []int{152, 12}},
		{"escape pair fits", strings.Repeat("a", 151) + "€" + strings.Repeat("b", 10), 2, GSM7, []int{153, 10}},
		{"306 gsm7 is 2", strings.Repeat("a", 306), 2, GSM7, []int{153, 153}},
		{"307 gsm7 is 3", strings.Repeat("a", 307), 3, GSM7, []int{153, 153, 1}},
		{"á forces ucs2", "á", 1, UCS2, []int{1}},
		{"70 ucs2", "á" + strings.Repeat("a", 69), 1, UCS2, []int{70}},
		{"71 ucs2", "á" + strings.Repeat("a", 70), 2, UCS2, []int{67, 4}},
		{"surrogate not split", "á" + strings.Repeat("a", 65) + emoji + strings.Repeat("b", 10), 2, UCS2, []int{66, 12}},
		{"surrogate fits", "á" + strings.Repeat("a", 64) + emoji + strings.Repeat("b", 10), 2, UCS2, []int{67, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, enc := Parts(tt.text)
			if n != tt.n || (n > 0 && enc != tt.enc) {
				t.Fatalf("Parts = %d %v, want %d %v", n, enc, tt.n, tt.enc)
			}
			_, segs := split(tt.text)
			var sizes []int
			for _, s := range segs {
				sizes = append(sizes, len(s))
			}
			if len(sizes) != len(tt.sizes) {
				t.Fatalf("sizes %v, want %v", sizes, tt.sizes)
			}
			for i := range sizes {
				if sizes[i] != tt.sizes[i] {
					t.Fatalf("sizes %v, want %v", sizes, tt.sizes)
				}
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode("+34600000000", "", Options{}); err != ErrEmptyText {
		t.Errorf("empty text: %v", err)
	}
	for _, n := range []string{"", "+", "+34 600", "+34abc", "+123456789012345678901"} {
		if _, err := Encode(n, "hola", Options{}); err == nil {
			t.Errorf("number %q accepted", n)
		}
	}
	if _, err := Encode("+34600000000", strings.Repeat("á", 67*255+1), Options{}); err == nil {
		t.Error("256 parts accepted")
	}
}

// FuzzSplit checks the invariants of the one function that cuts parts:
// parts rejoin to the text, stay within limits and never end inside an
// escape or surrogate pair.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"hola", strings.Repeat("€", 90), "á😀" + strings.Repeat("x", 70), strings.Repeat("{", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		enc, segs := split(text)
		var all []uint16
		for i, s := range segs {
			limit := MaxPartGSM7
			if enc == UCS2 {
				limit = MaxPartUCS2
			}
			if len(segs) == 1 {
				limit = MaxSingleGSM7
				if enc == UCS2 {
					limit = MaxSingleUCS2
				}
			}
			if len(s) == 0 || len(s) > limit {
				t.Fatalf("part %d has %d units (limit %d)", i, len(s), limit)
			}
			last := s[len(s)-1]
			if enc == GSM7 && last == escape {
				t.Fatalf("part %d ends with an escape", i)
			}
			if enc == UCS2 && last >= 0xD800 && last < 0xDC00 {
				t.Fatalf("part %d ends with a high surrogate", i)
			}
			all = append(all, s...)
		}
		if enc == UCS2 {
			if got := string(utf16.Decode(all)); got != string([]rune(text)) {
				t.Fatalf("rejoined %q != %q", got, text)
			}
		} else if sep, ok := toSeptets(text); !ok || len(sep) != len(all) {
			t.Fatalf("gsm7 rejoin: %d septets, want %d", len(all), len(sep))
		}
	})
}

// spanish3 is a confirmation SMS in Spanish with á/ó/ú, so UCS-2, 3 parts.
var spanish3 = "Hola María: su solicitud del certificado FNMT de persona física está registrada. " +
	"Código de solicitud: 123456789. Acuda con su DNI o NIE en vigor a la oficina de acreditación " +
	"en horario de atención."

func BenchmarkEncodeSpanish3Parts(b *testing.B) {
	if n, enc := Parts(spanish3); n != 3 || enc != UCS2 {
		b.Fatalf("benchmark text is %d parts %v, want 3 ucs2", n, enc)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode("+34600000000", spanish3, Options{ConcatRef: 9}); err != nil {
			b.Fatal(err)
		}
	}
}

// spanishGSM3 avoids á/í/ó/ú (é, ñ, ¿, ¡ are GSM-7), so GSM-7, 3 parts.
var spanishGSM3 = strings.Repeat("¿Señor Núñez? ¡Su cita de mañana está confirmada! Traiga el DNI o NIE. ", 5)

func BenchmarkEncodeSpanishGSM7_3Parts(b *testing.B) {
	text := strings.NewReplacer("ú", "u", "á", "a").Replace(spanishGSM3)
	if n, enc := Parts(text); n != 3 || enc != GSM7 {
		b.Fatalf("benchmark text is %d parts %v, want 3 gsm7", n, enc)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode("+34600000000", text, Options{ConcatRef: 9}); err != nil {
			b.Fatal(err)
		}
	}
}
