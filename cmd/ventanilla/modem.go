package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// newModemCmd groups the modem's technician commands.
func newModemCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "modem",
		Short: "Check the GSM modem or run the modem emulator",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErrorf("missing sub-command (see '%s --help')", c.CommandPath())
		},
	}
	c.AddCommand(newModemSimCmd(), newModemCheckCmd())
	return c
}

// lockedWriter serialises writes from the emulator's goroutine and ours.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newModemSimCmd() *cobra.Command {
	var (
		pin, logFile string
		opts         emulator.Options
	)
	c := &cobra.Command{
		Use:   "sim",
		Short: "Run the modem emulator on a pseudo-terminal until interrupted",
		Long: `Run the GSM modem emulator on a pseudo-terminal. The first line on stdout is
"pty: /dev/pts/N" (point --port or gammu at it); then every SMS it accepts is
printed, and appended to --log, as one JSON line:
{"to":"+34600000000","text":"…","parts":2}

Fault switches make it misbehave like real modems do.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			out := &lockedWriter{w: c.OutOrStdout()}
			var w io.Writer = out
			if logFile != "" {
				f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
				if err != nil {
					return usageErrorf("cannot open the log file: %v", err)
				}
				defer f.Close()
				w = io.MultiWriter(out, f)
			}
			if opts.Faults.Congestion < 0 || opts.Faults.Slow < 0 {
				return usageErrorf("--congestion and --slow must not be negative")
			}
			opts.PIN = pin
			opts.Log = w
			emu, err := emulator.Start(opts)
			if err != nil {
				return failure(err)
			}
			defer emu.Close()
			fmt.Fprintf(out, "pty: %s\n", emu.Path())
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			<-ctx.Done()
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&pin, "pin", "", "SIM PIN the emulated SIM asks for (none: unlocked)")
	f.StringVar(&logFile, "log", "", "also append received SMS as JSON lines to this file")
	f.BoolVar(&opts.Faults.Noise, "noise", false, "fault: send unsolicited result codes between and inside answers")
	f.BoolVar(&opts.Faults.CRCRLF, "crcrlf", false, `fault: end lines with "\r\r\n"`)
	f.DurationVar(&opts.Faults.Slow, "slow", 0, "fault: delay every answer by this much (e.g. 2s)")
	f.IntVar(&opts.Faults.Congestion, "congestion", 0, "fault: fail the next N submissions with +CMS ERROR: 42")
	f.BoolVar(&opts.Faults.Refuse, "refuse", false, "fault: refuse every submission with +CMS ERROR: 21")
	f.BoolVar(&opts.Faults.Silent, "silent", false, "fault: never answer")
	f.BoolVar(&opts.Unregistered, "unregistered", false, "start without network registration")
	f.BoolVar(&opts.NoSIM, "no-sim", false, "report that no SIM is inserted")
	return c
}

// checkReport is `modem check --json`: the status plus the verdict.
type checkReport struct {
	OK bool `json:"ok"`
	modem.Status
	Error string `json:"error,omitempty"`
	Class string `json:"class,omitempty"`
}

func newModemCheckCmd() *cobra.Command {
	var (
		port, pin string
		asJSON    bool
		timeout   time.Duration
	)
	c := &cobra.Command{
		Use:   "check --port DEV",
		Short: "Initialise the modem and report SIM, registration, operator and signal",
		Long: `Initialise the modem (echo off, numeric errors, SIM PIN, PDU mode) and report
SIM, registration, operator, signal and SMS centre. Exit 0 when an SMS could be
sent now, 1 when not (the report says why), 2 on bad usage.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if port == "" {
				return usageErrorf("--port is required, e.g. --port /dev/ttyUSB2 (see '%s --help')", c.CommandPath())
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			rep, err := checkModem(ctx, modem.Config{Port: port, PIN: pin, CommandTimeout: timeout})
			out := c.OutOrStdout()
			if asJSON {
				b, _ := json.Marshal(rep)
				fmt.Fprintln(out, string(b))
			} else {
				printStatus(out, rep)
			}
			if err != nil {
				return failure(err)
			}
			if !rep.OK {
				return failuref("modem %s is not ready to send SMS (SIM %s, registration %s)", port, rep.SIM, rep.Registration)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&port, "port", "", "serial device of the modem, e.g. /dev/ttyUSB2")
	f.StringVar(&pin, "pin", "", "SIM PIN, entered once if the SIM asks for it")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "time-out of each AT command")
	return c
}

func checkModem(ctx context.Context, cfg modem.Config) (checkReport, error) {
	rep := checkReport{Status: modem.Status{SIM: modem.SIMNotKnown, Registration: modem.RegUnknown, SignalCSQ: 99}}
	m, err := modem.Open(ctx, cfg)
	if err != nil {
		rep.Error = err.Error()
		rep.Class = modem.ClassOf(err).String()
		return rep, err
	}
	defer m.Close()
	rep.Status = m.LastStatus()
	rep.OK = rep.Status.Ready()
	return rep, nil
}

func printStatus(w io.Writer, r checkReport) {
	if r.Error != "" {
		fmt.Fprintf(w, "modem: NOT READY\nerror: %s\naction: %s\n", r.Error, classAdvice(r.Class))
		return
	}
	verdict := "ready"
	if !r.OK {
		verdict = "NOT READY"
	}
	signal := "unknown"
	if r.SignalDBm != 0 {
		signal = fmt.Sprintf("%d dBm (CSQ %d)", r.SignalDBm, r.SignalCSQ)
	}
	fmt.Fprintf(w, "modem:        %s\nmodel:        %s\nSIM:          %s\nregistration: %s\noperator:     %s\nsignal:       %s\nSMSC:         %s\n",
		verdict, r.Model, r.SIM, r.Registration, r.Operator, signal, r.SMSC)
}

// classAdvice turns an error class into what the technician should do.
func classAdvice(class string) string {
	switch class {
	case "technician":
		return "check the modem, its cable, the SIM and the PIN"
	case "retry":
		return "a passing condition; try again in a minute"
	case "permanent":
		return "the modem refused the request; check the input"
	}
	return "check the port name and that the modem is powered"
}
