package steps

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
	// VerdictOK: the code matches; it is now used up.
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
)

// ErrCooldown is returned by Issue while the previous code is too recent.
var ErrCooldown = errors.New("otp: a new code was issued too recently")

// OTP is the state of SMS-code verification as a pure state machine: every
// method takes the current time, nothing reads a clock or sleeps, so a
// table test drives it with fixed times.
type OTP struct {
	rules    OTPRules
	code     []byte
	issuedAt time.Time
	wrong    int
	ever     bool // a code has been issued at least once (for the cooldown)
}

// NewOTP returns an OTP with the given rules; zero fields take the
// defaults.
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

// Issue makes a new code from rnd (crypto/rand.Reader when nil), replacing
// any previous one and resetting the tries. It fails with ErrCooldown while
// the last code is younger than the cooldown.
func (o *OTP) Issue(now time.Time, rnd io.Reader) (string, error) {
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
	o.issuedAt = now
	o.wrong = 0
	o.ever = true
	return code, nil
}

// Check compares typed (spaces ignored) with the current code in constant
// time.
func (o *OTP) Check(now time.Time, typed string) Verdict {
	typed = strings.ReplaceAll(typed, " ", "")
	if len(o.code) == 0 {
		return VerdictNoCode
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
}

// Wipe forgets everything, including the cooldown.
func (o *OTP) Wipe() {
	o.burn()
	*o = OTP{rules: o.rules}
}
