package steps

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/pdu"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// smsCase is one SMS the kiosk sends: its catalogue key, the number of
// parts it may take, and a producer that builds the texts through the same
// code the screens use, with the worst-case arguments that code can give.
type smsCase struct {
	key      string
	maxParts int
	texts    func(t *testing.T, env *kit.Env) []string
}

// worstCode is the longest código de solicitud an office may configure
// (code_length): FNMT's has 9 digits today, and a longer one must not
// push an SMS past its parts.
var worstCode = strings.Repeat("9", procedure.MaxRequestCodeLength)

// smsCases lists every SMS. A key under "sms." in the catalogues without a
// case here fails TestEverySMSFits: a new SMS must say how long it can get.
var smsCases = []smsCase{
	{
		// The code must arrive as one SMS: a visitor waiting at the
		// kiosk for a second part that comes later types nothing.
		key: KeySMSCode, maxParts: 1,
		texts: func(t *testing.T, env *kit.Env) []string {
			return []string{CodeSMS(env, strings.Repeat("9", procedure.DefaultOTPRules.Digits), procedure.DefaultOTPRules)}
		},
	},
	{
		// The summary carries no date (the 48 hours start at the
		// video-identification, on the visitor's phone, later); every day
		// of two years is still tried, in case a date comes back.
		key: procedure.KeySMSFNMTSummary, maxParts: 2,
		texts: func(t *testing.T, env *kit.Env) []string {
			var out []string
			cal := procedure.FNMTCalendar(nil, nil)
			for _, dev := range procedure.DeviceOSes() {
				visit := &procedure.FNMTVisit{RequestCode: worstCode, Device: dev}
				for d := time.Date(2026, 1, 1, 9, 0, 0, 0, cal.Location()); d.Year() < 2028; d = d.AddDate(0, 0, 7) {
					sum := visit.Summary(d, cal)
					out = append(out, SMSText(env, sum.SMS))
				}
			}
			return out
		},
	},
	{
		key: procedure.KeySMSClaveSent, maxParts: 2,
		texts: func(t *testing.T, env *kit.Env) []string { return []string{requestSMS(t, env, procedure.VariantClave)} },
	},
	{
		key: procedure.KeySMSCertificateSent, maxParts: 2,
		texts: func(t *testing.T, env *kit.Env) []string {
			return []string{requestSMS(t, env, procedure.VariantCertificate)}
		},
	},
}

func requestSMS(t *testing.T, env *kit.Env, v procedure.Variant) string {
	t.Helper()
	r, err := procedure.NewRequest(v, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := r.SentSMS()
	if m.Key == "" {
		t.Fatalf("%s: no SMS", v)
	}
	return SMSText(env, m)
}

// gsm7Langs are the languages whose SMS are written in the GSM 03.38
// alphabet, 160 characters a part instead of 70 in UCS-2. English and
// Basque need nothing else; French is worded around ê, â, î, ô, û and ç
// ("sur l'appareil de la demande", not "le même appareil"); Catalan around
// í, ó, ú and the middle dot ("tràmit", "full signat", not "sol·licitud").
// GSM has é è à ù ì ò ñ ü Ç but not á í ó ú: Spanish and Galician need
// "código" and are sent in UCS-2 where they must (their Cl@ve SMS is
// GSM).
var gsm7Langs = map[i18n.Lang]bool{i18n.CA: true, i18n.EU: true, i18n.EN: true, i18n.FR: true}

// TestEverySMSFits renders every SMS in every language, signed with the
// longest signature an office may configure and with the catalogue's
// default one, and counts the parts with the modem's encoder.
func TestEverySMSFits(t *testing.T) {
	env, _, _, _ := testEnv(t)
	cat := env.T.Catalog()
	covered := map[string]bool{"sms.signature": true}
	for _, c := range smsCases {
		covered[c.key] = true
	}
	var missing []string
	for k := range cat.Keys(i18n.Source) {
		if strings.HasPrefix(k, "sms.") && !covered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("SMS text %s has no case in smsCases: add one with its worst-case arguments", k)
	}

	longest := strings.Repeat("W", kit.MaxSMSSignature)
	for _, l := range i18n.All {
		env.T.SetLang(l)
		for _, sig := range []string{"", longest} {
			env.Settings.SMSSignature = sig
			sender := SMSSignature(env)
			if n, enc := modem.Parts(sender); enc != pdu.GSM7 || n != 1 {
				t.Errorf("%s: the signature %q is not plain GSM text", l, sender)
			}
			for _, c := range smsCases {
				worst, worstN, ucs2 := "", 0, ""
				for _, text := range c.texts(t, env) {
					if strings.Contains(text, "⟦") || strings.Contains(text, "<no value>") {
						t.Errorf("%s %s: %q", l, c.key, text)
					}
					if !strings.HasPrefix(text, sender+":") && !strings.HasPrefix(text, sender+" :") {
						t.Errorf("%s %s is not signed %q: %q", l, c.key, sender, text)
					}
					n, enc := modem.Parts(text)
					if enc != pdu.GSM7 && ucs2 == "" {
						ucs2 = text
					}
					if n > worstN {
						worst, worstN = text, n
					}
				}
				if gsm7Langs[l] && ucs2 != "" {
					t.Errorf("%s %s needs UCS-2 (a character outside GSM 03.38): %q", l, c.key, ucs2)
				}
				if sig != "" {
					t.Logf("%s %-26s %d/%d parts, %3d characters", l, c.key, worstN, c.maxParts, len([]rune(worst)))
				}
				if worstN > c.maxParts {
					t.Errorf("%s %s takes %d parts (max %d), %d characters: %q", l, c.key, worstN, c.maxParts, len([]rune(worst)), worst)
				}
			}
		}
	}
}

// TestSMSCountCanFail proves the counter above sees a long text: the
// old summary text took three parts in Spanish.
func TestSMSCountCanFail(t *testing.T) {
	old := "FNMT: su código de solicitud es 999999999. Respuesta prevista antes del 30/09/2026 18:00. Descargue el certificado en el mismo dispositivo: https://www.sede.fnmt.gob.es/certificados/persona-fisica"
	if n, enc := modem.Parts(old); n != 3 || enc != pdu.UCS2 {
		t.Fatalf("old summary: %d parts %v, want 3 UCS-2", n, enc)
	}
}
