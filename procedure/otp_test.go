package procedure

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const testMobile = "+34712345678"

// fixedReader feeds crypto/rand.Int the same byte over and over, so each
// test issue gets a known, different code.
type fixedReader struct{ b byte }

func (r fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}

func TestOTPStateMachine(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	type step struct {
		at     time.Duration // since t0
		op     string        // "issue", "check"
		typed  string
		want   Verdict
		issue  error // expected Issue error (errors.Is)
		remain int   // tries left after the step (-1: don't check)
		resend time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"right code first time", []step{
			{at: 0, op: "issue", remain: 3, resend: 60 * time.Second},
			{at: 10 * time.Second, op: "check", typed: "CODE", want: VerdictOK, remain: 0, resend: 50 * time.Second},
			{at: 11 * time.Second, op: "check", typed: "CODE", want: VerdictNoCode, remain: 0},
		}},
		{"three wrong burn the code", []step{
			{at: 0, op: "issue", remain: 3},
			{at: time.Second, op: "check", typed: "111111", want: VerdictWrong, remain: 2},
			{at: 2 * time.Second, op: "check", typed: "111112", want: VerdictWrong, remain: 1},
			{at: 3 * time.Second, op: "check", typed: "111113", want: VerdictLocked, remain: 0},
			{at: 4 * time.Second, op: "check", typed: "CODE", want: VerdictNoCode, remain: 0},
			{at: 30 * time.Second, op: "issue", issue: ErrCooldown},
			{at: 60 * time.Second, op: "issue", remain: 3, resend: 60 * time.Second},
			{at: 61 * time.Second, op: "check", typed: "CODE", want: VerdictOK},
		}},
		{"malformed does not cost a try", []step{
			{at: 0, op: "issue"},
			{at: time.Second, op: "check", typed: "12345", want: VerdictMalformed, remain: 3},
			{at: time.Second, op: "check", typed: "12a456", want: VerdictMalformed, remain: 3},
			{at: time.Second, op: "check", typed: "1234567", want: VerdictMalformed, remain: 3},
			{at: 2 * time.Second, op: "check", typed: "CODE", want: VerdictOK},
		}},
		{"expiry at exactly TTL", []step{
			{at: 0, op: "issue"},
			{at: 10*time.Minute - time.Nanosecond, op: "check", typed: "999999", want: VerdictWrong, remain: 2},
			{at: 10 * time.Minute, op: "check", typed: "CODE", want: VerdictExpired, remain: 0},
		}},
		{"resend replaces the code and resets tries", []step{
			{at: 0, op: "issue"},
			{at: 5 * time.Second, op: "check", typed: "999999", want: VerdictWrong, remain: 2},
			{at: 59 * time.Second, op: "issue", issue: ErrCooldown, resend: time.Second},
			{at: 60 * time.Second, op: "issue", remain: 3},
			{at: 61 * time.Second, op: "check", typed: "OLD", want: VerdictWrong, remain: 2},
		}},
		{"spaces are ignored", []step{
			{at: 0, op: "issue"},
			{at: time.Second, op: "check", typed: "SPACED", want: VerdictOK},
		}},
		{"no code issued", []step{
			{at: 0, op: "check", typed: "123456", want: VerdictNoCode, remain: 0, resend: 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOTP(OTPRules{})
			var code, old string
			n := byte(0)
			for i, s := range tc.steps {
				now := t0.Add(s.at)
				switch s.op {
				case "issue":
					n++
					c, err := o.Issue(now, testMobile, fixedReader{n})
					if s.issue != nil {
						if !errors.Is(err, s.issue) {
							t.Fatalf("step %d: Issue err = %v, want %v", i, err, s.issue)
						}
						break
					}
					if err != nil {
						t.Fatalf("step %d: Issue: %v", i, err)
					}
					if len(c) != 6 || c == code {
						t.Fatalf("step %d: code %q (previous %q)", i, c, code)
					}
					old, code = code, c
				case "check":
					typed := s.typed
					switch typed {
					case "CODE":
						typed = code
					case "OLD":
						typed = old
					case "SPACED":
						typed = code[:3] + " " + code[3:]
					}
					if got := o.Check(now, testMobile, typed); got != s.want {
						t.Fatalf("step %d: Check(%q) = %v, want %v", i, typed, got, s.want)
					}
				}
				burnt := s.op == "check" && (s.want == VerdictOK || s.want == VerdictLocked ||
					s.want == VerdictExpired || s.want == VerdictNoCode)
				if want := s.remain; burnt || want != 0 {
					if burnt {
						want = 0
					}
					if got := o.Remaining(); got != want {
						t.Fatalf("step %d: Remaining = %d, want %d", i, got, want)
					}
				}
				if s.resend != 0 {
					if got := o.ResendIn(now); got != s.resend {
						t.Fatalf("step %d: ResendIn = %v, want %v", i, got, s.resend)
					}
				}
			}
		})
	}
}

func TestOTPCodesAreUniformDigits(t *testing.T) {
	o := NewOTP(OTPRules{Cooldown: -1})
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c, err := o.Issue(time.Unix(int64(i), 0), testMobile, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 6 || len(bytes.Trim([]byte(c), "0123456789")) > 0 {
			t.Fatalf("bad code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes in 200: not random", len(seen))
	}
}

func TestOTPWipe(t *testing.T) {
	o := NewOTP(OTPRules{})
	t0 := time.Unix(0, 0)
	c, _ := o.Issue(t0, testMobile, nil)
	o.Wipe()
	if o.Check(t0, testMobile, c) != VerdictNoCode || o.ResendIn(t0) != 0 {
		t.Fatal("Wipe kept the code or the cooldown")
	}
}

// TestOTPCodeBoundToNumber is issue 14's bypass at the procedure level: a
// code sent to 712345678 must never verify 612345678, whether the number
// is changed before the code is typed or the code is checked for another
// number directly; after a change of number a new code is needed, and the
// cool-down still holds it back.
func TestOTPCodeBoundToNumber(t *testing.T) {
	const first, second = "+34712345678", "+34612345678"
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("checked for another number", func(t *testing.T) {
		o := NewOTP(OTPRules{})
		code, err := o.Issue(t0, first, fixedReader{1})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.SentTo(); got != first {
			t.Fatalf("SentTo = %q", got)
		}
		if v := o.Check(t0.Add(5*time.Second), second, code); v != VerdictOtherNumber {
			t.Fatalf("code for %s checked for %s: %v, want %v", first, second, v, VerdictOtherNumber)
		}
		// Burnt: not even the first number can use it now.
		if v := o.Check(t0.Add(6*time.Second), first, code); v != VerdictNoCode {
			t.Fatalf("code still usable after a check for another number: %v", v)
		}
	})

	t.Run("number changed during the cool-down", func(t *testing.T) {
		o := NewOTP(OTPRules{})
		code, _ := o.Issue(t0, first, fixedReader{1})
		o.Forget(second) // the visitor typed another number
		if o.SentTo() != "" {
			t.Fatal("a code is still pending after the number changed")
		}
		if v := o.Check(t0.Add(10*time.Second), second, code); v == VerdictOK {
			t.Fatal("the first number's code verified the second")
		}
		if _, err := o.Issue(t0.Add(10*time.Second), second, fixedReader{2}); !errors.Is(err, ErrCooldown) {
			t.Fatalf("a change of number got around the cool-down: %v", err)
		}
		code2, err := o.Issue(t0.Add(60*time.Second), second, fixedReader{2})
		if err != nil {
			t.Fatal(err)
		}
		if v := o.Check(t0.Add(61*time.Second), second, code2); v != VerdictOK {
			t.Fatalf("the second number's own code: %v", v)
		}
	})

	t.Run("same number kept", func(t *testing.T) {
		o := NewOTP(OTPRules{})
		code, _ := o.Issue(t0, first, fixedReader{1})
		o.Forget(first) // back to the number box, same number again
		if v := o.Check(t0.Add(time.Second), first, code); v != VerdictOK {
			t.Fatalf("re-entering the same number burnt its code: %v", v)
		}
	})

	t.Run("issue needs a number", func(t *testing.T) {
		if _, err := NewOTP(OTPRules{}).Issue(t0, "", nil); !errors.Is(err, ErrNoNumber) {
			t.Fatalf("Issue without a number: %v", err)
		}
	})
}

// TestChangedMobileIsNotVerified: a number verified by SMS and then
// changed is not verified, in the completeness check and in the e-mail to
// the call centre, and the FNMT visit says the same.
func TestChangedMobileIsNotVerified(t *testing.T) {
	r := completeRequest(t, VariantClave)
	if !r.MobileVerified() {
		t.Fatal("fixture not verified")
	}
	r.Mobile = "+34612345678" // changed after the code was checked
	if r.MobileVerified() {
		t.Fatal("a changed number still counts as verified")
	}
	ps := r.Check(CheckOptions{})
	if len(ps) != 1 || ps[0].Field != "mobile" || ps[0].Key != KeyMobileUnverified {
		t.Fatalf("Check = %v, want the mobile unverified", ps)
	}
	r.MobileUnconfirmed = true // modem down: goes, marked unverified
	m, err := r.BuildEmail(testCC, CheckOptions{}, Madrid())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Body, "(verificado en el quiosco") || !strings.Contains(m.Body, "SIN VERIFICAR") {
		t.Fatalf("the e-mail calls a changed number verified:\n%s", m.Body)
	}

	v := FNMTVisit{Mobile: "+34712345678", VerifiedMobile: "+34712345678", RehearsalDone: true}
	if ps := v.Missing(StepFNMTIdentity, DefaultFNMTLinks(), 0); len(ps) != 0 {
		t.Fatalf("verified visit: %v", ps)
	}
	v.Mobile = "+34612345678"
	if ps := v.Missing(StepFNMTIdentity, DefaultFNMTLinks(), 0); len(ps) != 1 || ps[0].Key != KeyMobileUnverified {
		t.Fatalf("changed number: %v", ps)
	}
}
