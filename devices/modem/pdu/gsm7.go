package pdu

// escape is the septet that announces a character of the extension table.
const escape = 0x1B

// basicTable is the GSM 03.38 default alphabet, indexed by septet. The
// entry at 0x1B (escape) is never looked up.
var basicTable = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 0xFFFF, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// extTable maps characters of the extension table to the septet that
// follows the escape.
var extTable = map[rune]uint16{
	'\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F,
	'[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65,
}

// basicIndex is the reverse of basicTable, built once.
var basicIndex = func() map[rune]uint16 {
	m := make(map[rune]uint16, 128)
	for i, r := range basicTable {
		if i != escape {
			m[r] = uint16(i)
		}
	}
	return m
}()

// toSeptets maps text to default-alphabet septets, extension characters as
// escape pairs. ok is false when any character is outside both tables.
func toSeptets(text string) (septets []uint16, ok bool) {
	septets = make([]uint16, 0, len(text))
	for _, r := range text {
		if s, found := basicIndex[r]; found {
			septets = append(septets, s)
			continue
		}
		if s, found := extTable[r]; found {
			septets = append(septets, escape, s)
			continue
		}
		return nil, false
	}
	return septets, true
}
