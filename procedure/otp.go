package procedure

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// OTPRules are the rules of a one-time SMS code.
type OTPRules struct {
	Digits      int           // length of the code (6)
	TTL         time.Duration // how long a code is valid (10 min)
	MaxAttempts int           // wrong entries before the code is burnt (3)
	Cooldown    time.Duration // minimum time between two codes (60 s)
}

// DefaultOTPRules: six digits, valid ten minutes, three tries, a new code at
// most once a minute (an SMS costs money and a visitor pressing "resend"
// repeatedly would only receive several codes out of order).
var DefaultOTPRules = OTPRules{Digits: 6, TTL: 10 * time.Minute, MaxAttempts: 3, Cooldown: 60 * time.Second}

// Verdict is the outcome of checking a typed code.
type Verdict int

// Verdicts of OTP.Check.
const (
	// VerdictOK: the code matches and was sent to the number being
	// checked; it is now used up.
	VerdictOK Verdict = iota
	// VerdictWrong: it does not match; Remaining tries are left.
	VerdictWrong
	// VerdictLocked: too many wrong entries; a new code is needed.
	VerdictLocked
	// VerdictExpired: the code is older than TTL; a new code is needed.
	VerdictExpired
	// VerdictNoCode: no code was issued (or it was used or burnt).
	VerdictNoCode
	// VerdictMalformed: not the right number of digits. It does not cost
	// a try: it is a typing slip, not a guess.
	VerdictMalformed
	// VerdictOtherNumber: the code was sent to another number than the
	// one being verified. The code is burnt: a code proves that the
	// visitor holds the phone it reached, and no other.
	VerdictOtherNumber
)

// String names the verdict for logs and test failures.
func (v Verdict) String() string {
	switch v {
	case VerdictOK:
		return "ok"
	case VerdictWrong:
		return "wrong"
	case VerdictLocked:
		return "locked"
	case VerdictExpired:
		return "expired"
	case VerdictNoCode:
		return "no_code"
	case VerdictMalformed:
		return "malformed"
	case VerdictOtherNumber:
		return "other_number"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// ErrCooldown is returned by Issue while the previous code is too recent.
var ErrCooldown = errors.New("otp: a new code was issued too recently")

// ErrNoNumber is returned by Issue without a number to bind the code to.
var ErrNoNumber = errors.New("otp: a code must be issued for a phone number")

// OTP is the state of SMS-code verification as a pure state machine: every
// method takes the current time, nothing reads a clock or sleeps, so a
// table test drives it with fixed times.
//
// A code is bound to the number it was sent to (issue 14): Check is given
// the number being verified, and a code sent to any other number never
// verifies it. Changing the number (Forget, or checking another number)
// burns the code, so the visitor must ask for a new one for the new number.
// The cool-down is per kiosk session, not per number: it protects against
// SMS bursts, which a change of number must not get around.
type OTP struct {
	rules    OTPRules
	code     []byte
	to       string // the number the current code was sent to
	issuedAt time.Time
	wrong    int
	ever     bool // a code has been issued at least once (for the cooldown)
}

// NewOTP returns an OTP with the given rules; zero fields take the
// defaults (a negative Cooldown means none).
func NewOTP(r OTPRules) *OTP {
	d := DefaultOTPRules
	if r.Digits <= 0 {
		r.Digits = d.Digits
	}
	if r.TTL <= 0 {
		r.TTL = d.TTL
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = d.MaxAttempts
	}
	if r.Cooldown < 0 {
		r.Cooldown = 0
	} else if r.Cooldown == 0 {
		r.Cooldown = d.Cooldown
	}
	return &OTP{rules: r}
}

// Rules returns the rules in force.
func (o *OTP) Rules() OTPRules { return o.rules }

// Issue makes a new code for the number to (E.164) from rnd
// (crypto/rand.Reader when nil), replacing any previous one and resetting
// the tries. It fails with ErrCooldown while the last code is younger than
// the cooldown, whatever number it was for.
func (o *OTP) Issue(now time.Time, to string, rnd io.Reader) (string, error) {
	if to == "" {
		return "", ErrNoNumber
	}
	if d := o.ResendIn(now); d > 0 {
		return "", fmt.Errorf("%w (wait %s)", ErrCooldown, d)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(o.rules.Digits)), nil)
	n, err := rand.Int(rnd, limit)
	if err != nil {
		return "", fmt.Errorf("otp: random code: %w", err)
	}
	code := fmt.Sprintf("%0*d", o.rules.Digits, n)
	o.burn()
	o.code = []byte(code)
	o.to = to
	o.issuedAt = now
	o.wrong = 0
	o.ever = true
	return code, nil
}

// Check compares typed (spaces ignored) with the current code in constant
// time, for the number to: a code sent to another number is refused
// (VerdictOtherNumber) and burnt, before its digits are even looked at.
func (o *OTP) Check(now time.Time, to, typed string) Verdict {
	typed = strings.ReplaceAll(typed, " ", "")
	if len(o.code) == 0 {
		return VerdictNoCode
	}
	if to != o.to {
		o.burn()
		return VerdictOtherNumber
	}
	if !now.Before(o.issuedAt.Add(o.rules.TTL)) {
		o.burn()
		return VerdictExpired
	}
	if len(typed) != o.rules.Digits || strings.Trim(typed, "0123456789") != "" {
		return VerdictMalformed
	}
	if subtle.ConstantTimeCompare([]byte(typed), o.code) == 1 {
		o.burn()
		return VerdictOK
	}
	o.wrong++
	if o.wrong >= o.rules.MaxAttempts {
		o.burn()
		return VerdictLocked
	}
	return VerdictWrong
}

// SentTo returns the number the current code was sent to, or "" when no
// code is pending.
func (o *OTP) SentTo() string {
	if len(o.code) == 0 {
		return ""
	}
	return o.to
}

// Forget burns the current code unless it was sent to number: the visitor
// changed the number, and a code for the old one must not verify the new
// one. The cool-down keeps running.
func (o *OTP) Forget(number string) {
	if o.to != number {
		o.burn()
	}
}

// Remaining is the number of tries left on the current code.
func (o *OTP) Remaining() int {
	if len(o.code) == 0 {
		return 0
	}
	return o.rules.MaxAttempts - o.wrong
}

// Active reports whether a code can still be checked at now.
func (o *OTP) Active(now time.Time) bool {
	return len(o.code) > 0 && now.Before(o.issuedAt.Add(o.rules.TTL))
}

// ExpiresIn is how long the current code stays valid (0 when there is none).
func (o *OTP) ExpiresIn(now time.Time) time.Duration {
	if len(o.code) == 0 {
		return 0
	}
	return max(0, o.issuedAt.Add(o.rules.TTL).Sub(now))
}

// ResendIn is how long until a new code may be issued (0: now). The
// cooldown runs from the last issue, even if that code was used or burnt.
func (o *OTP) ResendIn(now time.Time) time.Duration {
	if !o.ever {
		return 0
	}
	return max(0, o.issuedAt.Add(o.rules.Cooldown).Sub(now))
}

func (o *OTP) burn() {
	for i := range o.code {
		o.code[i] = 0
	}
	o.code = nil
	o.to = ""
}

// Wipe forgets everything, including the cooldown.
func (o *OTP) Wipe() {
	o.burn()
	*o = OTP{rules: o.rules}
}
