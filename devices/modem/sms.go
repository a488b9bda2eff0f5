package modem

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem/pdu"
)

// Encoding is how a text is sent: pdu.GSM7 or pdu.UCS2.
type Encoding = pdu.Encoding

// Parts reports how many SMS text needs and with which encoding. It is the
// one place that counts parts (SendSMS splits with the same code).
func Parts(text string) (n int, enc Encoding) { return pdu.Parts(text) }

// ValidE164 reports whether n is an international number: "+" then 8 to
// 15 digits, not starting with 0. The technician CLI accepts only this form;
// a national number is ambiguous on a roaming SIM. (Visitor-facing phone
// validation lives in procedure/.)
func ValidE164(n string) bool {
	if len(n) < 9 || len(n) > 16 || n[0] != '+' || n[1] == '0' {
		return false
	}
	for _, c := range n[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// SendOptions carry what a retried outbox job remembers between attempts.
type SendOptions struct {
	// ConcatRef is the concatenation reference for a multi-part message.
	// A retried job must pass the same value so parts from both attempts
	// join on the phone.
	ConcatRef uint8
	// Accepted maps a part index (0-based) to the message reference the
	// modem gave it in an earlier attempt. Those parts are not sent again:
	// a duplicated SMS is something the visitor sees.
	Accepted map[int]int
	// OnPartAccepted is called as soon as the modem accepts a part, before
	// the next part is sent, so the caller can persist it. If it returns an
	// error SendSMS stops and returns that error.
	OnPartAccepted func(part, ref int) error
}

// SendResult says what was sent.
type SendResult struct {
	// Parts is the number of parts of the message.
	Parts int
	// Refs has one message reference per part (index = part); -1 for a
	// part that was not accepted.
	Refs []int
}

// SendSMS sends text to the number to (international "+34…" or national
// digits). Each part is tried up to Config.MaxAttempts times on retryable
// errors, with backoff; a part is never resent once the modem accepted it.
// On error the result still lists the parts that were accepted.
func (m *Modem) SendSMS(ctx context.Context, to, text string, opts SendOptions) (SendResult, error) {
	if strings.TrimSpace(text) == "" {
		return SendResult{}, fmt.Errorf("modem: send: empty text: %w", ErrBadInput)
	}
	parts, err := pdu.Encode(to, text, pdu.Options{ConcatRef: opts.ConcatRef})
	if err != nil {
		return SendResult{}, fmt.Errorf("modem: send: %w: %w", ErrBadInput, err)
	}
	res := SendResult{Parts: len(parts), Refs: make([]int, len(parts))}
	for i := range res.Refs {
		res.Refs[i] = -1
	}
	for i, p := range parts {
		if ref, ok := opts.Accepted[i]; ok {
			res.Refs[i] = ref
			continue
		}
		ref, err := m.sendPart(ctx, p)
		if err != nil {
			return res, fmt.Errorf("modem: send part %d of %d: %w", i+1, len(parts), err)
		}
		res.Refs[i] = ref
		if opts.OnPartAccepted != nil {
			if err := opts.OnPartAccepted(i, ref); err != nil {
				return res, fmt.Errorf("modem: part %d of %d accepted (ref %d) but not recorded: %w", i+1, len(parts), ref, err)
			}
		}
	}
	return res, nil
}

// sendPart sends one PDU, retrying errors that say "try again". A time-out
// after the PDU was handed over is not retried here: the part may have gone
// out, and only the caller can weigh a possible duplicate against a loss.
func (m *Modem) sendPart(ctx context.Context, p pdu.Part) (int, error) {
	wait := m.cfg.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		var lines []string
		req := &request{
			cmd:    "AT+CMGS=" + strconv.Itoa(p.TPDULen),
			pdu:    p.Hex,
			logCmd: "AT+CMGS=" + strconv.Itoa(p.TPDULen),
		}
		lines, err = m.eng.run(ctx, req, m.cfg.SendTimeout)
		if err == nil {
			for _, l := range lines {
				if infoPrefix(l) == "+CMGS" {
					f := fields(l[len("+CMGS:"):])
					if ref, e := strconv.Atoi(f[0]); e == nil {
						return ref, nil
					}
				}
			}
			// OK without +CMGS: accepted, reference unknown. Report 0
			// rather than resend.
			return 0, nil
		}
		var me *Error
		if !errors.As(err, &me) || me.Class != Retry || attempt >= m.cfg.MaxAttempts {
			return -1, err
		}
		if me.MaybeSent {
			return -1, err
		}
		if serr := m.cfg.Sleep(ctx, wait); serr != nil {
			return -1, fmt.Errorf("%w (gave up waiting to retry: %w)", err, serr)
		}
		wait *= 2
		if wait > 30*time.Second {
			wait = 30 * time.Second
		}
	}
}
