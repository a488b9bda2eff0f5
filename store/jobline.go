package store

import (
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
)

// JobLine is one job as a technician types it: a `queue add` command line
// or one line of `queue add --stdin` (CLI and SSH console share it).
// Attach holds file paths; the caller reads them.
type JobLine struct {
	Kind    Kind     `json:"kind"`
	To      string   `json:"to"`
	Text    string   `json:"text"`
	Subject string   `json:"subject,omitempty"`
	From    string   `json:"from,omitempty"`
	Purpose string   `json:"purpose,omitempty"`
	Key     string   `json:"idempotency_key,omitempty"`
	Attach  []string `json:"attach,omitempty"`
}

// JobLineHelp documents the --stdin line format.
const JobLineHelp = `A line is either tab-separated or a JSON object:

  TO<TAB>TEXT          a job of --kind (default sms); TEXT runs to the end of
                       the line, "\n" in it becomes a line break
  {"kind":"email","to":"a@b.es","subject":"…","text":"…","attach":["f.pdf"],
   "purpose":"…","idempotency_key":"…"}

Empty lines and lines starting with # are skipped.`

// ErrSkipLine is returned by ParseJobLine for blank and comment lines.
var ErrSkipLine = errors.New("blank or comment line")

// ParseJobLine parses one --stdin line (see JobLineHelp) and validates it.
// Jobs without a kind get def.
func ParseJobLine(line string, def Kind) (JobLine, error) {
	s := strings.TrimRight(line, "\r\n")
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, "#") {
		return JobLine{}, ErrSkipLine
	}
	var jl JobLine
	if strings.HasPrefix(t, "{") {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jl); err != nil {
			return JobLine{}, fmt.Errorf("bad JSON: %w", err)
		}
		if dec.More() {
			return JobLine{}, errors.New("bad JSON: more than one object on the line")
		}
	} else {
		to, text, ok := strings.Cut(s, "\t")
		if !ok {
			return JobLine{}, errors.New("want TO<TAB>TEXT or a JSON object")
		}
		jl = JobLine{To: strings.TrimSpace(to), Text: strings.ReplaceAll(text, `\n`, "\n")}
	}
	if jl.Kind == "" {
		jl.Kind = def
	}
	return jl, jl.Validate()
}

// Validate checks a job line's fields (not the attachment files). An SMS's
// number and length are checked by the caller, which knows the phone
// rules and the modem's part count (cmd/ventanilla's smsInput, shared with
// `sms send`).
func (l JobLine) Validate() error {
	switch l.Kind {
	case KindSMS:
		if strings.TrimSpace(l.To) == "" {
			return errors.New("the SMS has no recipient (to)")
		}
		if l.Text == "" {
			return errors.New("the SMS text is empty")
		}
		if len(l.Attach) > 0 || l.Subject != "" || l.From != "" {
			return errors.New("an SMS has no subject, sender or attachments")
		}
	case KindEmail:
		if _, err := netmail.ParseAddress(l.To); err != nil {
			return fmt.Errorf("to %q is not an e-mail address: %v", l.To, err)
		}
		if l.From != "" {
			if _, err := netmail.ParseAddress(l.From); err != nil {
				return fmt.Errorf("from %q is not an e-mail address: %v", l.From, err)
			}
		}
		if l.Text == "" {
			return errors.New("the e-mail body (text) is empty")
		}
	default:
		return fmt.Errorf("%w, got %q", ErrBadKind, l.Kind)
	}
	return nil
}

// NewJob turns a validated line into a job; attachments are given by the
// caller, who read the files. An SMS goes to l.To as given: the caller
// puts the number it validated there (in E.164).
func (l JobLine) NewJob(attachments []Attachment) NewJob {
	n := NewJob{Kind: l.Kind, Purpose: l.Purpose, IdempotencyKey: l.Key}
	switch l.Kind {
	case KindSMS:
		n.Payload = Payload{To: strings.ReplaceAll(l.To, " ", ""), Text: l.Text}
	case KindEmail:
		n.Payload = Payload{To: l.To, From: l.From, Subject: l.Subject, Body: l.Text, Attachments: attachments}
	}
	return n
}
