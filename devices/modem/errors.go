package modem

import (
	"errors"
	"fmt"
)

// Class tells a caller what to do about a failed command.
type Class int

const (
	// Retry: a passing condition (network congestion, no coverage, a
	// modem that did not answer in time). Try again later with backoff.
	Retry Class = iota + 1
	// Permanent: this message can never be sent as it is (unassigned
	// number, barred, malformed PDU). Give up on the job.
	Permanent
	// Technician: the kiosk's modem or SIM needs a person (no SIM, PIN or
	// PUK, wrong PIN, SMSC unknown, cable pulled). The job itself is fine;
	// keep it and raise an alarm.
	Technician
)

// String names the class for logs and JSON.
func (c Class) String() string {
	switch c {
	case Retry:
		return "retry"
	case Permanent:
		return "permanent"
	case Technician:
		return "technician"
	}
	return "unknown"
}

// Kind says where an Error came from.
type Kind int

const (
	// KindError is a plain "ERROR" final result.
	KindError Kind = iota + 1
	// KindCME is "+CME ERROR: <n>" (equipment / SIM / network).
	KindCME
	// KindCMS is "+CMS ERROR: <n>" (SMS service).
	KindCMS
	// KindTimeout is no final result within the command's time-out.
	KindTimeout
	// KindIO is the port failing or closing (cable pulled, pty closed).
	KindIO
	// KindState is a modem state that prevents work (SIM not ready, PIN
	// rejected, PUK needed), found during start-up or status.
	KindState
)

// Sentinel errors, for errors.Is.
var (
	// ErrClosed is returned for commands after Close or after the port failed.
	ErrClosed = errors.New("modem: port closed")
	// ErrTimeout is wrapped by every command time-out.
	ErrTimeout = errors.New("modem: no answer in time")
	// ErrPINRejected is wrapped when the SIM refused the configured PIN.
	// Do not reopen the modem with the same PIN: each try brings the SIM
	// closer to a PUK lock. Open itself refuses to enter a PIN that was
	// rejected earlier in this process on the same port.
	ErrPINRejected = errors.New("modem: SIM PIN rejected")
	// ErrBadInput is returned for an empty text or an unusable number:
	// nothing was sent.
	ErrBadInput = errors.New("modem: bad input")
)

// Error is a failed AT command. Callers decide with Class (or with
// IsRetryable, IsPermanent, NeedsTechnician, which also see through
// wrapping).
type Error struct {
	// Cmd is the command that failed, without PDU payloads or PINs.
	Cmd string
	// Kind is where the failure came from; Code is the CME/CMS number.
	Kind Kind
	Code int
	// Class is what to do about it.
	Class Class
	// Msg is the raw final result or a description.
	Msg string
	// Err is an underlying cause (I/O error, ErrTimeout), if any.
	Err error
	// MaybeSent is set when AT+CMGS timed out after the PDU was handed
	// over: the network may have the message. SendSMS does not retry such a
	// part by itself; the caller weighs a possible duplicate against a loss.
	MaybeSent bool
}

// Error describes the failure with the command it belongs to.
func (e *Error) Error() string {
	s := fmt.Sprintf("modem: %s: %s (%s)", e.Cmd, e.Msg, e.Class)
	if e.Kind == KindCMS || e.Kind == KindCME {
		if m := codeMeaning(e.Kind, e.Code); m != "" {
			s = fmt.Sprintf("modem: %s: %s, %s (%s)", e.Cmd, e.Msg, m, e.Class)
		}
	}
	return s
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of the first *Error in err's chain, and 0 if
// there is none. An error without a class (a bug, a context cancellation)
// is neither retryable nor permanent: the caller's own policy applies.
func ClassOf(err error) Class {
	var me *Error
	if errors.As(err, &me) {
		return me.Class
	}
	return 0
}

// IsRetryable reports whether err is a passing condition worth retrying.
func IsRetryable(err error) bool { return ClassOf(err) == Retry }

// IsPermanent reports whether the message can never be sent as it is.
func IsPermanent(err error) bool {
	return ClassOf(err) == Permanent || errors.Is(err, ErrBadInput)
}

// NeedsTechnician reports whether the modem or SIM needs a person.
func NeedsTechnician(err error) bool { return ClassOf(err) == Technician }

// classify maps a CME/CMS code to a Class, following 3GPP TS 27.005 §3.2.5
// (CMS) and TS 27.007 §9.2 (CME). Codes not listed: TP-failure causes
// below 256 are network verdicts on this message (permanent); everything
// else is treated as passing, because the outbox bounds retries anyway and
// dropping a visitor's SMS on an unknown code is worse than one more try.
func classify(kind Kind, code int) Class {
	switch kind {
	case KindCMS:
		switch {
		case code == 38, code == 41, code == 42, code == 47, code == 331, code == 332, code == 500,
			code == 27, code == 511, code == 512, code == 513:
			return Retry
		case code >= 310 && code <= 318, code == 330, code == 320, code == 322:
			return Technician
		case code == 1, code == 8, code == 10, code == 21, code >= 28 && code <= 30,
			code == 50, code == 69, code == 81, code == 95, code == 96, code == 97,
			code == 98, code == 99, code == 111, code == 127,
			code >= 300 && code <= 309:
			return Permanent
		case code < 256:
			return Permanent
		}
		return Retry
	case KindCME:
		switch code {
		case 10, 11, 12, 13, 15, 16, 17, 18, 262, 263:
			return Technician
		case 3, 4, 20, 21, 23, 24, 25, 26, 27:
			return Permanent
		}
		return Retry
	}
	return Retry
}

// codeMeaning gives a short English meaning for the codes technicians see
// most, so a log line is useful without the manual at hand.
func codeMeaning(kind Kind, code int) string {
	if kind == KindCMS {
		switch code {
		case 1:
			return "unassigned number"
		case 8:
			return "operator determined barring"
		case 10:
			return "call barred"
		case 21:
			return "short message transfer rejected"
		case 28:
			return "unidentified subscriber"
		case 29:
			return "facility rejected"
		case 30:
			return "unknown subscriber"
		case 38:
			return "network out of order"
		case 41:
			return "temporary failure"
		case 42:
			return "congestion"
		case 47:
			return "resources unavailable"
		case 96:
			return "invalid mandatory information"
		case 304:
			return "invalid PDU mode parameter"
		case 305:
			return "invalid text mode parameter"
		case 310:
			return "SIM not inserted"
		case 311:
			return "SIM PIN required"
		case 312:
			return "PH-SIM PIN required"
		case 313:
			return "SIM failure"
		case 314:
			return "SIM busy"
		case 315:
			return "SIM wrong"
		case 316:
			return "SIM PUK required"
		case 330:
			return "SMSC address unknown"
		case 331:
			return "no network service"
		case 332:
			return "network timeout"
		case 500:
			return "unknown error"
		}
		return ""
	}
	switch code {
	case 3:
		return "operation not allowed"
	case 4:
		return "operation not supported"
	case 10:
		return "SIM not inserted"
	case 11:
		return "SIM PIN required"
	case 12:
		return "SIM PUK required"
	case 13:
		return "SIM failure"
	case 14:
		return "SIM busy"
	case 15:
		return "SIM wrong"
	case 16:
		return "incorrect password"
	case 30:
		return "no network service"
	case 31:
		return "network timeout"
	}
	return ""
}
