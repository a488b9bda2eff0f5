package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
)

// newSMSCmd groups direct SMS commands (no queue: for technicians).
func newSMSCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sms",
		Short: "Send an SMS directly through the modem (bypassing the outbox)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErrorf("missing sub-command (see '%s --help')", c.CommandPath())
		},
	}
	c.AddCommand(newSMSSendCmd())
	return c
}

// smsResult is `sms send --json`.
type smsResult struct {
	To    string `json:"to"`
	Parts int    `json:"parts"`
	Refs  []int  `json:"refs"`
	Error string `json:"error,omitempty"`
	Class string `json:"class,omitempty"`
}

func newSMSSendCmd() *cobra.Command {
	var (
		port, to, text, pin string
		asJSON              bool
		timeout             time.Duration
	)
	c := &cobra.Command{
		Use:   "send --port DEV --to NUMBER --text TEXT",
		Short: "Send one SMS now and report its message references",
		Long: `Send one SMS now through the modem on --port. --to is a Spanish mobile in any
usual spelling (600 000 000, +34 600 000 000) or another country's number in
international form (+33 6 12 34 56 78). Long texts go as concatenated parts
(153 GSM-7 or 67 UCS-2 characters each), at most 10. 'queue add' checks an
SMS the same way. Exit 0 only when the modem accepted every part, 1 when it
did not, 2 on bad usage (nothing is sent).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if port == "" {
				return usageErrorf("--port is required, e.g. --port /dev/ttyUSB2 (see '%s --help')", c.CommandPath())
			}
			// The same check as `queue add` (smsinput.go).
			e164, _, err := smsInput(to, text)
			if err != nil {
				return usageErrorf("%v", err)
			}
			to = e164
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res := smsResult{To: to, Refs: []int{}}
			res.Parts, _ = modem.Parts(text)
			m, err := modem.Open(ctx, modem.Config{Port: port, PIN: pin, CommandTimeout: timeout})
			if err == nil {
				var sr modem.SendResult
				sr, err = m.SendSMS(ctx, to, text, modem.SendOptions{ConcatRef: uint8(time.Now().UnixNano())})
				for _, r := range sr.Refs {
					if r >= 0 {
						res.Refs = append(res.Refs, r)
					}
				}
				_ = m.Close()
			}
			if err != nil {
				res.Error = err.Error()
				res.Class = modem.ClassOf(err).String()
			}
			out := c.OutOrStdout()
			if asJSON {
				b, _ := json.Marshal(res)
				fmt.Fprintln(out, string(b))
			} else if err == nil {
				fmt.Fprintf(out, "sent %d part(s) to %s, message references %v\n", res.Parts, to, res.Refs)
			}
			if err != nil {
				return failuref("SMS not sent (%d of %d parts accepted): %v; %s", len(res.Refs), res.Parts, err, classAdvice(res.Class))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&port, "port", "", "serial device of the modem, e.g. /dev/ttyUSB2")
	f.StringVar(&to, "to", "", "destination: a Spanish mobile (600 000 000) or +CC international number")
	f.StringVar(&text, "text", "", "message text (any language; long texts are split)")
	f.StringVar(&pin, "pin", "", "SIM PIN, entered once if the SIM asks for it")
	f.BoolVar(&asJSON, "json", false, `print {"to":…,"parts":N,"refs":[…]}`)
	f.DurationVar(&timeout, "timeout", 5*time.Second, "time-out of each AT command")
	return c
}
