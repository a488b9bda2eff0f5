package procedure

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Message is a piece of visitor-facing text that this package wants shown or
// sent, as a catalogue key plus template arguments. The UI looks Key up in
// the visitor's language (go-i18n style, placeholders like {{.Code}}) and
// executes it with Args. Args never need translating themselves unless the
// key's documentation says so (for example a weekday key).
type Message struct {
	Key  string
	Args map[string]any
}

// Problem is one specific reason why a value or a request is not accepted.
// It is an error so validators can return it directly; callers that show it
// to a visitor use Key and Args with the catalogue, never Error().
//
// Field names the input the problem belongs to ("nif", "mobile", "email",
// "email_confirm", "support", "code", "code_confirm", "name", "surname1",
// "surname2", "front", "back", "signed", "slot", "language", "notice",
// "office", "place"), so a form can put the message next to the right box.
type Problem struct {
	Field string
	Key   string
	Args  map[string]any
}

// Error returns an English one-liner for logs and the technician CLI. It
// never contains the visitor's input, only the field, the key and the
// non-personal arguments (lengths, expected counts, letters of a prefix).
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString("procedure: ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	if en, ok := englishText[p.Key]; ok {
		b.WriteString(en)
	} else {
		b.WriteString(p.Key)
	}
	if len(p.Args) > 0 {
		names := make([]string, 0, len(p.Args))
		for k := range p.Args {
			names = append(names, k)
		}
		sort.Strings(names)
		b.WriteString(" (")
		for i, k := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s=%v", k, p.Args[k])
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is match problems by key, so callers can test for a kind
// of problem with the sentinel values below (errors.Is(err, ErrSpecialNIF))
// whatever the field and arguments.
func (p *Problem) Is(target error) bool {
	t, ok := target.(*Problem)
	if !ok {
		return false
	}
	return t.Key == p.Key && (t.Field == "" || t.Field == p.Field)
}

// Message returns the problem as a catalogue message for the UI.
func (p *Problem) Message() Message { return Message{Key: p.Key, Args: p.Args} }

// AsProblem returns the first *Problem in err's chain.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

func problem(field, key string, args map[string]any) *Problem {
	return &Problem{Field: field, Key: key, Args: args}
}

// Sentinels for errors.Is. Only the key is compared.
var (
	// ErrSpecialNIF: a well-formed K/L/M NIF, which is not a DNI or NIE and
	// so cannot be used for DNI-based video-identification. Route the visitor
	// to staff or the call centre.
	ErrSpecialNIF = &Problem{Key: KeyNIFSpecial}
	// ErrLandline: a well-formed Spanish landline where a mobile is needed.
	ErrLandline = &Problem{Key: KeyPhoneLandline}
	// ErrCodeMismatch: the two typings of the código de solicitud differ.
	ErrCodeMismatch = &Problem{Key: KeyCodeMismatch}
	// ErrEmailMismatch: the two typings of the e-mail address differ.
	ErrEmailMismatch = &Problem{Key: KeyEmailMismatch}
)

// Catalogue keys of problems. Each has its texts in the catalogues
// (tui/i18n/catalog/validation.*.toml) and an English log text in
// englishText; the arguments each key receives are listed in its comment.
const (
	KeyNIFEmpty         = "validation.nif.empty"
	KeyNIFChars         = "validation.nif.chars"          // no args
	KeyNIFLength        = "validation.nif.length"         // Got, Want: digits
	KeyNIFMissingLetter = "validation.nif.missing_letter" // no args
	KeyNIFLetter        = "validation.nif.letter"         // no args (the expected letter is not revealed)
	KeyNIFCompany       = "validation.nif.company"        // Letter
	KeyNIFSpecial       = "validation.nif.special"        // Letter: K, L or M
	KeyNIFFormat        = "validation.nif.format"         // no args
	KeyNIFNoDigits      = "validation.nif.no_digits"      // no args: a name or a word, not a number
	KeyNIEPrefix        = "validation.nie.prefix"         // Letter
	KeyNIELength        = "validation.nie.length"         // Got, Want: digits after the letter
	KeyNIELetter        = "validation.nie.letter"         // no args

	KeyPhoneEmpty       = "validation.phone.empty"
	KeyPhoneChars       = "validation.phone.chars"
	KeyPhoneCountry     = "validation.phone.country" // Prefix: the country code typed, e.g. "+33"
	KeyPhoneLength      = "validation.phone.length"  // Got, Want
	KeyPhoneLandline    = "validation.phone.landline"
	KeyPhoneSpecialRate = "validation.phone.special_rate"
	KeyPhoneNotMobile   = "validation.phone.not_mobile"

	KeySupportEmpty     = "validation.support.empty"
	KeySupportChars     = "validation.support.chars"
	KeySupportDNIFormat = "validation.support.dni_format"
	KeySupportNIEFormat = "validation.support.nie_format"

	KeyEmailEmpty        = "validation.email.empty"
	KeyEmailSpaces       = "validation.email.spaces"
	KeyEmailDisplayName  = "validation.email.display_name"
	KeyEmailNoAt         = "validation.email.no_at"
	KeyEmailAt           = "validation.email.at" // Count: number of @ found (2 or more)
	KeyEmailLocalEmpty   = "validation.email.local_empty"
	KeyEmailLocalLength  = "validation.email.local_length" // Got, Max
	KeyEmailLocalChars   = "validation.email.local_chars"
	KeyEmailLocalDots    = "validation.email.local_dots"
	KeyEmailDomainEmpty  = "validation.email.domain_empty"
	KeyEmailDomain       = "validation.email.domain" // no dot: "gmail" instead of "gmail.com"
	KeyEmailDomainLength = "validation.email.domain_length"
	KeyEmailDomainLabel  = "validation.email.domain_label"
	KeyEmailDomainDots   = "validation.email.domain_dots"
	KeyEmailTLD          = "validation.email.tld"
	KeyEmailMismatch     = "validation.email.mismatch"

	KeyCodeEmpty    = "validation.code.empty"
	KeyCodeChars    = "validation.code.chars"
	KeyCodeLength   = "validation.code.length" // Got, Want
	KeyCodeMismatch = "validation.code.mismatch"

	KeyNameEmpty     = "validation.name.empty"
	KeySurname1Empty = "validation.surname1.empty"
	KeyNameChars     = "validation.name.chars"
	KeyNameLength    = "validation.name.length" // Max

	KeyNoticeUnread     = "request.notice.unread"
	KeyMobileUnverified = "request.mobile.unverified"
	KeySlotMissing      = "request.slot.missing"
	KeyLanguageMissing  = "request.language.missing"
	KeyFrontMissing     = "request.front.missing"
	KeyFrontUnreadable  = "request.front.unreadable"
	KeyBackMissing      = "request.back.missing"
	KeyBackUnreadable   = "request.back.unreadable"
	KeySignedMissing    = "request.signed.missing"
	KeySignedUnreadable = "request.signed.unreadable"
	KeySupportMissing   = "request.support.missing"
	KeyOfficeMissing    = "request.office.missing"
	KeyDeviceMissing    = "request.device.missing"
	KeyRehearsalMissing = "request.rehearsal.missing"
	KeyVariantUnknown   = "request.variant.unknown"
)

var problemKeys = []string{
	KeyNIFEmpty, KeyNIFChars, KeyNIFLength, KeyNIFMissingLetter, KeyNIFLetter,
	KeyNIFCompany, KeyNIFSpecial, KeyNIFFormat, KeyNIFNoDigits, KeyNIEPrefix, KeyNIELength, KeyNIELetter,
	KeyPhoneEmpty, KeyPhoneChars, KeyPhoneCountry, KeyPhoneLength, KeyPhoneLandline,
	KeyPhoneSpecialRate, KeyPhoneNotMobile,
	KeySupportEmpty, KeySupportChars, KeySupportDNIFormat, KeySupportNIEFormat,
	KeyEmailEmpty, KeyEmailSpaces, KeyEmailDisplayName, KeyEmailNoAt, KeyEmailAt, KeyEmailLocalEmpty,
	KeyEmailLocalLength, KeyEmailLocalChars, KeyEmailLocalDots, KeyEmailDomainEmpty,
	KeyEmailDomain, KeyEmailDomainLength, KeyEmailDomainLabel, KeyEmailDomainDots,
	KeyEmailTLD, KeyEmailMismatch,
	KeyCodeEmpty, KeyCodeChars, KeyCodeLength, KeyCodeMismatch,
	KeyNameEmpty, KeySurname1Empty, KeyNameChars, KeyNameLength,
	KeyNoticeUnread, KeyMobileUnverified, KeySlotMissing, KeyLanguageMissing,
	KeyFrontMissing, KeyFrontUnreadable, KeyBackMissing, KeyBackUnreadable,
	KeySignedMissing, KeySignedUnreadable, KeySupportMissing, KeyOfficeMissing,
	KeyDeviceMissing, KeyRehearsalMissing, KeyVariantUnknown,
}

// ProblemKeys returns every catalogue key a Problem from this package can
// carry, so the UI's catalogue test can check each has a translation.
func ProblemKeys() []string {
	return append([]string(nil), problemKeys...)
}

// englishText is the log/CLI wording of each problem key. It is English
// because technician messages are English; visitors never see it.
var englishText = map[string]string{
	KeyNIFEmpty:          "no document number given",
	KeyNIFChars:          "document number has characters other than letters and digits",
	KeyNIFLength:         "DNI number has the wrong number of digits",
	KeyNIFMissingLetter:  "DNI number has no check letter",
	KeyNIFLetter:         "DNI check letter does not match the number",
	KeyNIFCompany:        "this is a company NIF, not a person's document",
	KeyNIFSpecial:        "K/L/M NIF: valid, but not a DNI or NIE, cannot use DNI video-identification",
	KeyNIFFormat:         "not the shape of a DNI or NIE",
	KeyNIFNoDigits:       "no digits: a document number has 8 digits and a letter (DNI) or X/Y/Z, 7 digits and a letter (NIE)",
	KeyNIEPrefix:         "NIE must start with X, Y or Z",
	KeyNIELength:         "NIE has the wrong number of digits",
	KeyNIELetter:         "NIE check letter does not match the number",
	KeyPhoneEmpty:        "no mobile number given",
	KeyPhoneChars:        "mobile number has characters other than digits and separators",
	KeyPhoneCountry:      "not a Spanish number (+34)",
	KeyPhoneLength:       "mobile number has the wrong number of digits",
	KeyPhoneLandline:     "landline number, a mobile is needed for SMS",
	KeyPhoneSpecialRate:  "special-rate or free-phone number, a mobile is needed for SMS",
	KeyPhoneNotMobile:    "not a Spanish mobile range (6xx, 71x-74x, 78x)",
	KeySupportEmpty:      "no support number given",
	KeySupportChars:      "support number has characters other than letters and digits",
	KeySupportDNIFormat:  "DNI support number must be 3 letters and 6 digits",
	KeySupportNIEFormat:  "NIE support number must be E or C and 8 digits",
	KeyEmailEmpty:        "no e-mail given",
	KeyEmailSpaces:       "e-mail contains spaces",
	KeyEmailDisplayName:  "e-mail has a display name or angle brackets",
	KeyEmailNoAt:         "e-mail has no @",
	KeyEmailAt:           "e-mail has more than one @",
	KeyEmailLocalEmpty:   "e-mail has nothing before the @",
	KeyEmailLocalLength:  "e-mail part before the @ is too long",
	KeyEmailLocalChars:   "e-mail part before the @ has characters mail servers refuse",
	KeyEmailLocalDots:    "e-mail part before the @ starts, ends or has consecutive dots",
	KeyEmailDomainEmpty:  "e-mail has nothing after the @",
	KeyEmailDomain:       "e-mail domain has no dot",
	KeyEmailDomainLength: "e-mail domain is too long",
	KeyEmailDomainLabel:  "e-mail domain has an invalid part",
	KeyEmailDomainDots:   "e-mail domain starts, ends or has consecutive dots",
	KeyEmailTLD:          "e-mail domain ending is not valid",
	KeyEmailMismatch:     "the two e-mail entries differ",
	KeyCodeEmpty:         "no request code given",
	KeyCodeChars:         "request code must be digits only",
	KeyCodeLength:        "request code has the wrong number of digits",
	KeyCodeMismatch:      "the two request code entries differ",
	KeyNameEmpty:         "no given name",
	KeySurname1Empty:     "no first surname",
	KeyNameChars:         "name has characters that are not letters",
	KeyNameLength:        "name is too long",
	KeyNoticeUnread:      "data-protection notice not read",
	KeyMobileUnverified:  "mobile not verified by SMS code",
	KeySlotMissing:       "no preferred call slot",
	KeyLanguageMissing:   "no language chosen for the call",
	KeyFrontMissing:      "no photo of the document front",
	KeyFrontUnreadable:   "photo of the document front is not readable",
	KeyBackMissing:       "no photo of the document back",
	KeyBackUnreadable:    "photo of the document back is not readable",
	KeySignedMissing:     "no photo of the signed request",
	KeySignedUnreadable:  "photo of the signed request is not readable",
	KeySupportMissing:    "NIE holder without support number",
	KeyOfficeMissing:     "office/place not configured",
	KeyDeviceMissing:     "no device chosen for the certificate",
	KeyRehearsalMissing:  "camera rehearsal not done",
	KeyVariantUnknown:    "unknown request variant",
}
