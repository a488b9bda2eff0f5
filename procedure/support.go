package procedure

// ParseSupportNumber validates the "número de soporte" of an identity card,
// which the call centre uses to check that the card shown is the current
// one. The expected shape depends on the document:
//
//   - DNI: the IDESP, 3 letters and 6 digits ("BAA123456"), printed on the
//     front of the card.
//   - NIE: the number of the card or certificate that carries the NIE. The
//     TIE (foreigner's identity card) has E + 8 digits ("E01234567"); the EU
//     citizen's registration certificate has C + 8 digits. Both are accepted
//     because both are in circulation and the call centre asks for whichever
//     the visitor holds.
//
// For other kinds (K/L/M) there is no card, so either shape is accepted.
// Lower case, spaces, dashes and dots are accepted; the result is upper case
// without separators. Every rejection is a *Problem with Field "support".
func ParseSupportNumber(s string, kind IDKind) (string, error) {
	t, ok := cleanToken(s)
	if t == "" && ok {
		return "", problem("support", KeySupportEmpty, nil)
	}
	if !ok {
		return "", problem("support", KeySupportChars, nil)
	}
	dni, nie := isDNISupport(t), isNIESupport(t)
	switch kind {
	case KindDNI:
		if !dni {
			return "", problem("support", KeySupportDNIFormat, nil)
		}
	case KindNIE:
		if !nie {
			return "", problem("support", KeySupportNIEFormat, nil)
		}
	default:
		if !dni && !nie {
			return "", problem("support", KeySupportDNIFormat, nil)
		}
	}
	return t, nil
}

func isDNISupport(t string) bool {
	if len(t) != 9 {
		return false
	}
	for i := 0; i < 3; i++ {
		if t[i] < 'A' || t[i] > 'Z' {
			return false
		}
	}
	return allDigits(t[3:])
}

func isNIESupport(t string) bool {
	return len(t) == 9 && (t[0] == 'E' || t[0] == 'C') && allDigits(t[1:])
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
