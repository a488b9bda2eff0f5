package procedure

import (
	"strings"
	"unicode"
)

// ParseMobile validates a Spanish mobile number typed by a visitor and
// returns it in E.164 form ("+34600123456"), the form the modem and the
// outbox use.
//
// Accepted: digits with spaces, dots, dashes and parentheses; an optional
// +34, 0034 or 34 prefix ("(+34) 600-12.34.56"). Spanish mobiles are the 6xx
// range and 71x–74x and 78x in the 7xx range; 70x (personal numbers) and the
// rest of 7xx are not mobiles. Landlines (8xx/9xx) get their own problem,
// because the visitor needs to know that an SMS cannot reach that number;
// 80x/90x (free-phone and special-rate numbers) get another, since calling
// them a landline would be wrong.
//
// Every rejection is a *Problem with Field "mobile".
func ParseMobile(s string) (string, error) {
	var b strings.Builder
	plus := false
	seenDigit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			seenDigit = true
		case r == '+' && !plus && !seenDigit:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '/' || unicode.IsSpace(r) ||
			r == '\u2010' || r == '\u2011' || r == '\u2013':
		default:
			return "", problem("mobile", KeyPhoneChars, nil)
		}
	}
	d := b.String()
	if d == "" {
		if plus {
			return "", problem("mobile", KeyPhoneLength, map[string]any{"Got": 0, "Want": 9})
		}
		return "", problem("mobile", KeyPhoneEmpty, nil)
	}
	switch {
	case plus:
		if !strings.HasPrefix(d, "34") {
			return "", problem("mobile", KeyPhoneCountry, map[string]any{"Prefix": "+" + countryPrefix(d)})
		}
		d = d[2:]
	case strings.HasPrefix(d, "00"):
		if !strings.HasPrefix(d, "0034") {
			return "", problem("mobile", KeyPhoneCountry, map[string]any{"Prefix": "+" + countryPrefix(d[2:])})
		}
		d = d[4:]
	case len(d) == 11 && strings.HasPrefix(d, "34"):
		// "34 600 123 456" without + or 00: no Spanish number starts with 3,
		// so an 11-digit number starting with 34 can only be the country code.
		d = d[2:]
	}
	if len(d) != 9 {
		return "", problem("mobile", KeyPhoneLength, map[string]any{"Got": len(d), "Want": 9})
	}
	switch d[0] {
	case '6':
		return "+34" + d, nil
	case '7':
		if (d[1] >= '1' && d[1] <= '4') || d[1] == '8' {
			return "+34" + d, nil
		}
		return "", problem("mobile", KeyPhoneNotMobile, nil)
	case '8', '9':
		if d[1] == '0' {
			return "", problem("mobile", KeyPhoneSpecialRate, nil)
		}
		return "", problem("mobile", KeyPhoneLandline, nil)
	}
	return "", problem("mobile", KeyPhoneNotMobile, nil)
}

// countryPrefix guesses the country code at the start of digits for the
// message "that is a +33 number". Country codes are 1 to 3 digits; a guess
// of up to 3 digits is enough for the visitor to recognise it.
func countryPrefix(d string) string {
	switch {
	case d == "":
		return ""
	case d[0] == '1' || d[0] == '7':
		return d[:1]
	case len(d) >= 2 && (d[0] == '2' && d[1] != '0' && d[1] != '7' ||
		d[0] == '3' && (d[1] == '5' || d[1] == '7' || d[1] == '8') ||
		d[0] == '4' && d[1] == '2' ||
		d[0] == '5' && (d[1] == '0' || d[1] == '9') ||
		d[0] == '6' && d[1] >= '7' ||
		d[0] == '8' && (d[1] == '0' || d[1] == '5' || d[1] == '7' || d[1] == '8') ||
		d[0] == '9' && (d[1] == '6' || d[1] == '7' || d[1] == '9')):
		if len(d) >= 3 {
			return d[:3]
		}
		return d
	case len(d) >= 2:
		return d[:2]
	}
	return d
}
