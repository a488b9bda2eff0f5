// Package pdu encodes SMS-SUBMIT messages in PDU mode (3GPP TS 23.040,
// formerly GSM 03.40) with the GSM 03.38 default alphabet or UCS-2.
//
// Text mode (AT+CMGF=1) is missing or broken on many cheap modems, so the
// kiosk always sends PDUs. The one place that decides how a text is split
// into parts is split; Parts and Encode both call it so the count shown to
// the visitor and the parts sent can never disagree.
package pdu

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Encoding is the data coding a message is sent with.
type Encoding int

const (
	// GSM7 is the GSM 03.38 default alphabet (with its extension table),
	// 160 septets per single message, 153 per concatenated part.
	GSM7 Encoding = iota
	// UCS2 is UTF-16 big-endian, 70 code units per single message, 67 per
	// concatenated part.
	UCS2
)

// String names the encoding for logs and JSON.
func (e Encoding) String() string {
	if e == UCS2 {
		return "ucs2"
	}
	return "gsm7"
}

// Limits of one message. A concatenated part loses 6 octets to the user
// data header (IEI 00, 8-bit reference): 7 septets or 3 UCS-2 units.
const (
	MaxSingleGSM7 = 160
	MaxPartGSM7   = 153
	MaxSingleUCS2 = 70
	MaxPartUCS2   = 67
	// MaxParts is the most parts an 8-bit concatenation header can number.
	MaxParts = 255
)

// Errors returned by Encode. They are input errors: retrying cannot help.
var (
	ErrEmptyText   = errors.New("pdu: empty text")
	ErrBadNumber   = errors.New("pdu: bad destination number")
	ErrTooManyPart = errors.New("pdu: text needs more than 255 parts")
)

// DefaultValidity is the relative validity period sent with every part:
// 0xA7 means 24 hours (TS 23.040 9.2.3.12.1), long enough for a phone that
// is briefly out of coverage, short enough that a stale code never arrives
// days later.
const DefaultValidity byte = 0xA7

// Options tune the SMS-SUBMIT header. The zero value is what the kiosk sends.
type Options struct {
	// ConcatRef is the concatenation reference shared by all parts of one
	// message; a retried job must reuse it so the phone can still join parts
	// from both attempts.
	ConcatRef uint8
	// Validity is the relative validity period octet; 0 means DefaultValidity.
	Validity byte
	// StatusReport asks the network for a delivery report (TP-SRR).
	StatusReport bool
}

// Part is one SMS-SUBMIT ready for AT+CMGS.
type Part struct {
	// Hex is the PDU as sent after the prompt: an empty SMSC field ("00",
	// the modem uses its stored SMSC) followed by the TPDU, upper-case hex.
	Hex string
	// TPDULen is the length in octets of the TPDU without the SMSC field,
	// the number AT+CMGS=<length> expects.
	TPDULen int
}

// Parts reports how many SMS a text needs and with which encoding. It is
// the only count the rest of the kiosk should show or store.
func Parts(text string) (n int, enc Encoding) {
	enc, segs := split(text)
	return len(segs), enc
}

// segment is one part's payload: septets (GSM7) or UTF-16 units (UCS2).
type segment []uint16

// split decides the encoding and cuts the text into parts. It never splits
// an escape pair (GSM7 extension character) or a surrogate pair, because
// either half alone would show as garbage on the phone.
func split(text string) (Encoding, []segment) {
	if septets, ok := toSeptets(text); ok {
		return GSM7, cut(septets, MaxSingleGSM7, MaxPartGSM7, func(s []uint16, i int) bool {
			// s[i-1] == escape means s[i-1], s[i] form one character.
			return s[i-1] == escape
		})
	}
	units := utf16.Encode([]rune(text))
	return UCS2, cut(units, MaxSingleUCS2, MaxPartUCS2, func(s []uint16, i int) bool {
		return utf16.IsSurrogate(rune(s[i-1])) && s[i-1] < 0xDC00
	})
}

// cut splits units into one part if they fit single, else into parts of at
// most per units, moving a boundary back by one when glued(units, boundary)
// says the boundary would fall inside a pair.
func cut(units []uint16, single, per int, glued func([]uint16, int) bool) []segment {
	if len(units) == 0 {
		return nil
	}
	if len(units) <= single {
		return []segment{units}
	}
	var out []segment
	for start := 0; start < len(units); {
		end := start + per
		if end >= len(units) {
			end = len(units)
		} else if glued(units, end) {
			end--
		}
		out = append(out, units[start:end])
		start = end
	}
	return out
}

// Encode builds the PDUs for text sent to number. number is international
// with a leading '+' (type 0x91) or national digits (type 0x81).
func Encode(number, text string, opts Options) ([]Part, error) {
	if text == "" {
		return nil, ErrEmptyText
	}
	da, err := encodeAddress(number)
	if err != nil {
		return nil, err
	}
	enc, segs := split(text)
	if len(segs) > MaxParts {
		return nil, fmt.Errorf("%w (%d)", ErrTooManyPart, len(segs))
	}
	vp := opts.Validity
	if vp == 0 {
		vp = DefaultValidity
	}
	parts := make([]Part, 0, len(segs))
	for i, seg := range segs {
		var udh []byte
		if len(segs) > 1 {
			udh = []byte{5, 0x00, 3, opts.ConcatRef, byte(len(segs)), byte(i + 1)}
		}
		first := byte(0x11) // SMS-SUBMIT, VPF relative
		if udh != nil {
			first |= 0x40 // UDHI
		}
		if opts.StatusReport {
			first |= 0x20
		}
		dcs := byte(0x00)
		var udl int
		var ud []byte
		if enc == GSM7 {
			udl, ud = packSeptets(udh, seg)
		} else {
			dcs = 0x08
			ud = append(ud, udh...)
			for _, u := range seg {
				ud = append(ud, byte(u>>8), byte(u))
			}
			udl = len(ud)
		}
		tpdu := make([]byte, 0, 16+len(ud))
		tpdu = append(tpdu, first, 0x00) // TP-MR 0: the modem assigns it
		tpdu = append(tpdu, da...)
		tpdu = append(tpdu, 0x00, dcs, vp, byte(udl))
		tpdu = append(tpdu, ud...)
		parts = append(parts, Part{
			Hex:     "00" + strings.ToUpper(hex.EncodeToString(tpdu)),
			TPDULen: len(tpdu),
		})
	}
	return parts, nil
}

// packSeptets packs the user data header and septets into user data for
// the default alphabet. The header is followed by fill bits so the first
// septet starts on a septet boundary (TS 23.040 9.2.3.24), which phones
// without UDH support can then still display. It returns TP-UDL in septets.
func packSeptets(udh []byte, septets []uint16) (int, []byte) {
	headerBits := len(udh) * 8
	headerSeptets := (headerBits + 6) / 7
	udl := headerSeptets + len(septets)
	out := make([]byte, (udl*7+7)/8)
	copy(out, udh)
	bit := headerSeptets * 7
	for _, s := range septets {
		v := uint32(s&0x7F) << (bit % 8)
		idx := bit / 8
		out[idx] |= byte(v)
		if v>>8 != 0 {
			out[idx+1] |= byte(v >> 8)
		}
		bit += 7
	}
	return udl, out
}

// encodeAddress encodes TP-DA: digit count, type of address, swapped BCD.
func encodeAddress(number string) ([]byte, error) {
	toa := byte(0x81)
	digits := number
	if strings.HasPrefix(number, "+") {
		toa = 0x91
		digits = number[1:]
	}
	if len(digits) == 0 || len(digits) > 20 {
		return nil, fmt.Errorf("%w: %d digits", ErrBadNumber, len(digits))
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("%w: only digits after an optional '+'", ErrBadNumber)
		}
	}
	out := []byte{byte(len(digits)), toa}
	for i := 0; i < len(digits); i += 2 {
		lo := digits[i] - '0'
		hi := byte(0x0F)
		if i+1 < len(digits) {
			hi = digits[i+1] - '0'
		}
		out = append(out, hi<<4|lo)
	}
	return out, nil
}
