package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// This decoder is written on purpose without sharing code or tables with
// the encoder in devices/modem/pdu: it reads the user data bit by bit, and
// its alphabet is a different representation of GSM 03.38, so an encoder
// bug cannot hide behind the same bug in the decoder.

// gsmRows is the GSM 03.38 default alphabet in rows of 16 septets; "\x00"
// marks the escape position.
var gsmRows = [8]string{
	"@£$¥èéùìòÇ\nØø\rÅå",
	"Δ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ",
	" !\"#¤%&'()*+,-./",
	"0123456789:;<=>?",
	"¡ABCDEFGHIJKLMNO",
	"PQRSTUVWXYZÄÖÑÜ§",
	"¿abcdefghijklmno",
	"pqrstuvwxyzäöñüà",
}

// gsmExt is the extension table as septet → character.
var gsmExt = map[int]string{
	10: "\f", 20: "^", 40: "{", 41: "}", 47: "\\", 60: "[", 61: "~", 62: "]", 64: "|", 101: "€",
}

func gsmChar(septet int) string {
	row := []rune(gsmRows[septet/16])
	return string(row[septet%16])
}

// submit is a decoded SMS-SUBMIT.
type submit struct {
	To string
	// Text is this part's text.
	Text string
	// Ref, Total and Seq come from a concatenation header; Total is 1 for
	// a message without one.
	Ref, Total, Seq int
}

var errPDU = errors.New("bad PDU")

// decodeSubmit decodes a PDU as given after AT+CMGS=<length>; length must
// equal the TPDU octet count (the PDU without its SMSC field), as a real
// modem checks.
func decodeSubmit(hexPDU string, length int) (submit, error) {
	var s submit
	raw := make([]byte, 0, len(hexPDU)/2)
	if len(hexPDU)%2 != 0 {
		return s, fmt.Errorf("%w: odd number of hex digits", errPDU)
	}
	for i := 0; i < len(hexPDU); i += 2 {
		v, err := strconv.ParseUint(hexPDU[i:i+2], 16, 8)
		if err != nil {
			return s, fmt.Errorf("%w: not hex at %d", errPDU, i)
		}
		raw = append(raw, byte(v))
	}
	r := &reader{b: raw}
	smscLen := r.byte()
	r.skip(int(smscLen))
	if r.err != nil {
		return s, r.err
	}
	if got := len(raw) - r.pos; got != length {
		return s, fmt.Errorf("%w: length %d given, TPDU has %d octets", errPDU, length, got)
	}
	first := r.byte()
	if first&0x03 != 0x01 {
		return s, fmt.Errorf("%w: not an SMS-SUBMIT (first octet %02X)", errPDU, first)
	}
	udhi := first&0x40 != 0
	vpf := (first >> 3) & 0x03
	r.byte() // TP-MR
	ndigits := int(r.byte())
	toa := r.byte()
	addr := r.take((ndigits + 1) / 2)
	var num strings.Builder
	if toa&0x70 == 0x10 {
		num.WriteByte('+')
	}
	for i := 0; i < ndigits; i++ {
		b := addr[i/2]
		d := b & 0x0F
		if i%2 == 1 {
			d = b >> 4
		}
		if d > 9 {
			return s, fmt.Errorf("%w: address digit %X", errPDU, d)
		}
		num.WriteByte('0' + d)
	}
	s.To = num.String()
	r.byte() // TP-PID
	dcs := r.byte()
	switch vpf {
	case 2:
		r.skip(1)
	case 1, 3:
		r.skip(7)
	}
	udl := int(r.byte())
	ud := r.rest()
	if r.err != nil {
		return s, r.err
	}
	alphabet := 0 // 0 GSM, 1 8-bit, 2 UCS-2
	if dcs&0xC0 == 0x00 {
		alphabet = int(dcs>>2) & 0x03
	} else if dcs&0xF0 == 0xF0 {
		alphabet = int(dcs>>2) & 0x01
	}
	s.Total, s.Seq = 1, 1
	headerOctets := 0
	if udhi {
		if len(ud) < 1 {
			return s, fmt.Errorf("%w: UDHI set but no user data", errPDU)
		}
		headerOctets = int(ud[0]) + 1
		if headerOctets > len(ud) {
			return s, fmt.Errorf("%w: header longer than user data", errPDU)
		}
		if err := s.readHeader(ud[1:headerOctets]); err != nil {
			return s, err
		}
	}
	switch alphabet {
	case 0:
		// UDL counts septets, header and fill bits included.
		if (udl*7+7)/8 != len(ud) {
			return s, fmt.Errorf("%w: UDL %d septets but %d octets", errPDU, udl, len(ud))
		}
		skip := (headerOctets*8 + 6) / 7
		var text strings.Builder
		escaped := false
		for i := skip; i < udl; i++ {
			v := 0
			for b := 0; b < 7; b++ {
				bit := i*7 + b
				if ud[bit/8]&(1<<(bit%8)) != 0 {
					v |= 1 << b
				}
			}
			switch {
			case escaped:
				ch, ok := gsmExt[v]
				if !ok {
					return s, fmt.Errorf("%w: unknown extension septet %d", errPDU, v)
				}
				text.WriteString(ch)
				escaped = false
			case v == 0x1B:
				escaped = true
			default:
				text.WriteString(gsmChar(v))
			}
		}
		if escaped {
			return s, fmt.Errorf("%w: part ends inside an escape pair", errPDU)
		}
		s.Text = text.String()
	case 2:
		if udl != len(ud) {
			return s, fmt.Errorf("%w: UDL %d but %d octets", errPDU, udl, len(ud))
		}
		body := ud[headerOctets:]
		if len(body)%2 != 0 {
			return s, fmt.Errorf("%w: odd UCS-2 length", errPDU)
		}
		units := make([]uint16, 0, len(body)/2)
		for i := 0; i < len(body); i += 2 {
			units = append(units, uint16(body[i])<<8|uint16(body[i+1]))
		}
		if n := len(units); n > 0 && units[n-1] >= 0xD800 && units[n-1] < 0xDC00 {
			return s, fmt.Errorf("%w: part ends inside a surrogate pair", errPDU)
		}
		if len(units) > 0 && units[0] >= 0xDC00 && units[0] < 0xE000 {
			return s, fmt.Errorf("%w: part starts inside a surrogate pair", errPDU)
		}
		s.Text = string(utf16.Decode(units))
	default:
		return s, fmt.Errorf("%w: 8-bit data is not text", errPDU)
	}
	return s, nil
}

// readHeader finds the concatenation element (8-bit or 16-bit reference).
func (s *submit) readHeader(h []byte) error {
	for len(h) >= 2 {
		iei, l := h[0], int(h[1])
		if 2+l > len(h) {
			return fmt.Errorf("%w: truncated header element", errPDU)
		}
		v := h[2 : 2+l]
		switch {
		case iei == 0x00 && l == 3:
			s.Ref, s.Total, s.Seq = int(v[0]), int(v[1]), int(v[2])
		case iei == 0x08 && l == 4:
			s.Ref, s.Total, s.Seq = int(v[0])<<8|int(v[1]), int(v[2]), int(v[3])
		}
		h = h[2+l:]
	}
	if s.Total == 0 || s.Seq == 0 || s.Seq > s.Total {
		return fmt.Errorf("%w: concatenation part %d of %d", errPDU, s.Seq, s.Total)
	}
	return nil
}

// reader walks the PDU octets and remembers the first overrun.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return make([]byte, n)
	}
	if r.pos+n > len(r.b) {
		r.err = fmt.Errorf("%w: truncated at octet %d", errPDU, r.pos)
		return make([]byte, n)
	}
	out := r.b[r.pos : r.pos+n]
	r.pos += n
	return out
}

func (r *reader) byte() byte   { return r.take(1)[0] }
func (r *reader) skip(n int)   { r.take(n) }
func (r *reader) rest() []byte { return r.take(len(r.b) - r.pos) }
