package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
)

// maxSMSParts bounds an SMS a technician sends or queues. The 8-bit
// concatenation header could number 255 parts, but handsets and operators
// drop long concatenations well before that, and the kiosk's own messages
// take one to three: a 100 000-character text (654 parts) is a mistake.
const maxSMSParts = 10

// smsInput is the one check of an SMS typed by a technician (`sms send`,
// `queue add`): the number as the visitor's screens read a Spanish mobile
// (procedure.ParseMobile: any usual spelling, returned as +34…), or another
// country's number in international form (+, 8 to 15 digits); a text that
// is not empty and fits maxSMSParts parts as the modem will split it. It
// returns the number in E.164 and the number of parts.
func smsInput(to, text string) (string, int, error) {
	e164, err := smsNumber(to)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not a mobile number: %v. Give %s", to, err, numberForms)
	}
	if strings.TrimSpace(text) == "" {
		return "", 0, errors.New("the SMS text is empty: give the message to send")
	}
	n, _ := modem.Parts(text)
	if n > maxSMSParts {
		return "", 0, fmt.Errorf("the SMS text (%d characters) needs %d parts, more than the %d a phone reliably joins: shorten it", len([]rune(text)), n, maxSMSParts)
	}
	return e164, n, nil
}

// numberForms says what a number an SMS can go to looks like, for the
// technician's error messages.
const numberForms = "a Spanish mobile (600 000 000 or +34 600 000 000) or another country's in international form (+33 6 12 34 56 78)"

// smsNumber is smsInput's reading of the number alone, also the console's
// `modem test` (modemChannel.Number). Its error says in plain words what
// is wrong with the number (numberProblem), without repeating it.
func smsNumber(to string) (string, error) {
	e164, err := procedure.ParseMobile(to)
	if err == nil {
		return e164, nil
	}
	var p *procedure.Problem
	intl := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(to))
	if !errors.As(err, &p) {
		return "", err
	}
	if p.Key != procedure.KeyPhoneCountry || !modem.ValidE164(intl) {
		return "", numberProblem(p, intl)
	}
	return intl, nil
}

// numberProblem turns procedure's reading of a visitor's mobile into words
// for a technician, who may also give another country's number: what is
// wrong, never the raw key and arguments ("(Got=2, Want=9)").
func numberProblem(p *procedure.Problem, compact string) error {
	switch p.Key {
	case procedure.KeyPhoneEmpty:
		return errors.New("no number given")
	case procedure.KeyPhoneChars:
		return errors.New("only digits, spaces, dots, dashes, brackets and a leading + are allowed")
	case procedure.KeyPhoneCountry:
		digits := len(strings.TrimLeft(compact, "+0"))
		return fmt.Errorf("country code %v and %d digits in all; an international number has 8 to 15", p.Args["Prefix"], digits)
	case procedure.KeyPhoneLength:
		got, _ := p.Args["Got"].(int)
		after := ""
		if strings.HasPrefix(compact, "+34") || strings.HasPrefix(compact, "0034") {
			after = " after +34"
		}
		return fmt.Errorf("it has %d digits%s; a Spanish mobile has 9", got, after)
	case procedure.KeyPhoneLandline:
		return errors.New("a Spanish landline (8xx, 9xx) cannot receive an SMS")
	case procedure.KeyPhoneSpecialRate:
		return errors.New("a special-rate or free-phone number (80x, 90x) cannot receive an SMS")
	case procedure.KeyPhoneNotMobile:
		return errors.New("not in a Spanish mobile range (6xx, 71x-74x, 78x)")
	}
	return errors.New(strings.TrimPrefix(p.Error(), "procedure: mobile: "))
}
