package steps

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

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
					c, err := o.Issue(now, fixedReader{n})
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
					if got := o.Check(now, typed); got != s.want {
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
		c, err := o.Issue(time.Unix(int64(i), 0), nil)
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
	c, _ := o.Issue(t0, nil)
	o.Wipe()
	if o.Check(t0, c) != VerdictNoCode || o.ResendIn(t0) != 0 {
		t.Fatal("Wipe kept the code or the cooldown")
	}
}
