package steps

import (
	"time"

	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// SMS texts live in the catalogues under "sms." and every one starts with
// {{.Sender}}, the office's signature: the visitor must see who writes,
// and it is never FNMT or the call centre (the kiosk is neither). The
// SMS-length test in this package renders every "sms." key in every
// language with its worst-case arguments and counts the parts with the
// modem's own encoder, so a new SMS text must come with a case there.

// KeySMSCode is the verification-code SMS. Args: Code, Minutes.
const KeySMSCode = "sms.mobile.code"

// SMSText is the text of an SMS in the visitor's current language, signed
// with the office's signature. m is a catalogue message as procedure
// produces it (Args ending in "Key" are translated, see MessageText).
func SMSText(env *kit.Env, m procedure.Message) string {
	args := make(map[string]any, len(m.Args)+1)
	for k, v := range m.Args {
		args[k] = v
	}
	args["Sender"] = SMSSignature(env)
	return MessageText(env, procedure.Message{Key: m.Key, Args: args})
}

// SMSSignature is the signature SMS start with: the office's, or the
// catalogue's generic one in the visitor's language.
func SMSSignature(env *kit.Env) string {
	if s := env.Settings.SMSSignature; s != "" {
		return s
	}
	return env.T.T("sms.signature")
}

// CodeSMS is the verification-code SMS for code, valid for the rules' TTL.
func CodeSMS(env *kit.Env, code string, rules procedure.OTPRules) string {
	return SMSText(env, procedure.Message{Key: KeySMSCode, Args: map[string]any{
		"Code": code, "Minutes": int(rules.TTL / time.Minute),
	}})
}
