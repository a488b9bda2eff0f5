package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ventanilla-kiosk/ventanilla/console/logbuf"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// Exit statuses of exec commands, as for the ventanilla CLI.
const (
	exitOK    = 0
	exitNo    = 1 // the operation said no or failed
	exitUsage = 2 // usage or input error
)

// opError marks a failure of the operation itself (exit 1); every other
// error out of the command tree is a usage error (exit 2).
type opError struct{ err error }

func (e *opError) Error() string { return e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

func failed(format string, a ...any) error { return &opError{fmt.Errorf(format, a...)} }

// cmdTimeout bounds one exec command, so a wedged modem cannot keep a
// script (and its SSH session) hanging for ever.
const cmdTimeout = 60 * time.Second

// runCommand builds a fresh command tree for one session (cobra commands
// keep flag state, so they are never shared) and runs args in it.
func (s *Server) runCommand(ctx context.Context, st *sessionState, args []string, out, errOut io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	root := s.commandTree(st)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetIn(strings.NewReader(""))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	msg := Sanitize(err.Error())
	var oe *opError
	if errors.As(err, &oe) {
		_, _ = fmt.Fprintf(errOut, "error: %s\n", msg)
		return exitNo
	}
	_, _ = fmt.Fprintf(errOut, "error: %s\nrun `help` for the list of commands\n", msg)
	return exitUsage
}

// needSub makes a parent command reject a missing or unknown subcommand
// with a usage error (cobra would otherwise print help and exit 0).
func needSub(cmd *cobra.Command, args []string) error {
	names := []string{}
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if len(args) == 0 {
		return fmt.Errorf("%s needs a subcommand: %s", cmd.Name(), strings.Join(names, ", "))
	}
	return fmt.Errorf("unknown command %q for %q (one of: %s)", args[0], cmd.Name(), strings.Join(names, ", "))
}

func (s *Server) commandTree(st *sessionState) *cobra.Command {
	root := &cobra.Command{
		Use:           "kiosk",
		Short:         "ventanilla technician console",
		Long:          "Run as: ssh -p 2222 tech@KIOSK COMMAND [flags]\nWithout a command (and with a terminal) ssh opens the interactive console.\nJSON output is one object per line.\nExit status: 0 ok, 1 the operation failed or said no, 2 usage or input error,\n75 too many sessions from your address (try again later).\n255 is ssh's own: no connection, or the key was refused.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          needSub,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })

	var jsonOut bool
	status := &cobra.Command{
		Use:   "status [--json]",
		Short: "kiosk status: uptime, version, visitor step, maintenance, modem/camera/outbox health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Kiosk == nil {
				return failed("status: kiosk %w", ErrUnavailable)
			}
			v := s.statusView()
			s.health(cmd.Context(), &v)
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, kv := range v.pairs() {
				_, _ = fmt.Fprintf(w, "%s\t%s\n", kv[0], Sanitize(kv[1]))
			}
			return w.Flush()
		},
	}
	status.Flags().BoolVar(&jsonOut, "json", false, "print JSON")

	root.AddCommand(status, s.queueCmd(st), s.modemCmd(st), s.cameraCmd(), s.logsCmd(),
		s.maintenanceCmd(st), s.metricsCmd(), s.keysCmd(st))
	return root
}

// statusJSON is status --json: the kiosk's status plus what only the
// console knows, and the health of the devices and the outbox so that a
// monitoring script needs one command: OK is true when all three are.
type statusJSON struct {
	KioskStatus
	UptimeSeconds int64        `json:"uptime_seconds"`
	Technicians   int          `json:"technicians"`
	OK            bool         `json:"ok"`
	Modem         modemHealth  `json:"modem"`
	Camera        cameraHealth `json:"camera"`
	Outbox        outboxHealth `json:"outbox"`
}

type modemHealth struct {
	OK         bool   `json:"ok"` // an SMS can be sent now
	Registered bool   `json:"registered"`
	Operator   string `json:"operator,omitempty"`
	SignalDBm  int    `json:"signal_dbm,omitempty"`
	Error      string `json:"error,omitempty"`
}

type cameraHealth struct {
	OK        bool    `json:"ok"` // the device is there and answered
	Device    string  `json:"device,omitempty"`
	Simulated bool    `json:"simulated,omitempty"`
	FPS       float64 `json:"fps"`
	Error     string  `json:"error,omitempty"`
}

type outboxHealth struct {
	OK    bool           `json:"ok"` // readable, and no dead letter waiting for a person
	Jobs  map[string]int `json:"jobs,omitempty"`
	Error string         `json:"error,omitempty"`
}

// healthTimeout bounds the outbox read of status, so a busy database
// cannot hang a monitoring script.
const healthTimeout = 2 * time.Second

func (s *Server) health(ctx context.Context, v *statusJSON) {
	unavailable := ErrUnavailable.Error()
	v.Modem = modemHealth{Error: unavailable}
	if s.deps.Modem != nil {
		h := s.deps.Modem.Health()
		v.Modem = modemHealth{OK: h.Ready, Registered: h.Registered, Operator: h.Operator, SignalDBm: h.SignalDBm, Error: h.Error}
	}
	v.Camera = cameraHealth{Error: unavailable}
	if s.deps.Camera != nil {
		ci := s.deps.Camera.Info()
		v.Camera = cameraHealth{OK: ci.LastError == "", Device: ci.Device, Simulated: ci.Simulated, FPS: ci.FPS, Error: ci.LastError}
	}
	v.Outbox = outboxHealth{Error: unavailable}
	if s.deps.Queue != nil {
		ctx, cancel := context.WithTimeout(ctx, healthTimeout)
		defer cancel()
		jobs, err := s.deps.Queue.Stats(ctx)
		switch {
		case err != nil:
			v.Outbox = outboxHealth{Error: err.Error()}
		case jobs["dead"] > 0:
			v.Outbox = outboxHealth{Jobs: jobs, Error: fmt.Sprintf("dead letters waiting: %d (queue dead)", jobs["dead"])}
		default:
			v.Outbox = outboxHealth{OK: true, Jobs: jobs}
		}
	}
	v.OK = v.Modem.OK && v.Camera.OK && v.Outbox.OK
}

func healthText(ok bool, errText string) string {
	if ok {
		return "ok"
	}
	return "NOT OK: " + errText
}

func (v statusJSON) pairs() [][2]string {
	step := v.Step
	if step == "" {
		step = "(idle)"
	}
	p := [][2]string{
		{"kiosk", v.KioskID}, {"office", v.Office}, {"version", v.Version},
		{"uptime", (time.Duration(v.UptimeSeconds) * time.Second).String()},
		{"step", step}, {"maintenance", onOff(v.Maintenance)},
		{"last error", v.LastError}, {"technicians", fmt.Sprint(v.Technicians)},
		{"modem", healthText(v.Modem.OK, v.Modem.Error)}, {"camera", healthText(v.Camera.OK, v.Camera.Error)},
		{"outbox", healthText(v.Outbox.OK, v.Outbox.Error)},
	}
	keys := make([]string, 0, len(v.Sessions))
	for k := range v.Sessions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p = append(p, [2]string{"sessions " + k, fmt.Sprint(v.Sessions[k])})
	}
	for _, w := range v.Warnings {
		p = append(p, [2]string{"warning", w})
	}
	return p
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (s *Server) statusView() statusJSON {
	ks := s.deps.Kiosk.Status()
	v := statusJSON{KioskStatus: ks, Technicians: s.Technicians()}
	if !ks.Started.IsZero() {
		v.UptimeSeconds = int64(s.cfg.Now().Sub(ks.Started) / time.Second)
	}
	return v
}

// Technicians reports how many interactive sessions are open.
func (s *Server) Technicians() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.programs)
}

func (s *Server) queueCmd(st *sessionState) *cobra.Command {
	q := &cobra.Command{Use: "queue", Short: "the outbox: list, stats, retry, dead", Args: cobra.ArbitraryArgs, RunE: needSub}
	var (
		jsonOut     bool
		state, kind string
		limit       int
	)
	list := &cobra.Command{
		Use:   "list [--json] [--state S] [--kind K] [--limit N]",
		Short: "list outbox jobs (recipients masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Queue == nil {
				return failed("queue: outbox %w", ErrUnavailable)
			}
			jobs, err := s.deps.Queue.List(cmd.Context(), QueueFilter{State: state, Kind: kind, Limit: limit})
			if err != nil {
				return failed("queue list: %w", err)
			}
			return printJobs(cmd.OutOrStdout(), jobs, jsonOut)
		},
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "one JSON object per line")
	list.Flags().StringVar(&state, "state", "", "only jobs in this state")
	list.Flags().StringVar(&kind, "kind", "", "only jobs of this kind (sms, email)")
	list.Flags().IntVar(&limit, "limit", 0, "at most N jobs (0: all)")

	stats := &cobra.Command{
		Use:   "stats [--json]",
		Short: "count jobs by state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Queue == nil {
				return failed("queue: outbox %w", ErrUnavailable)
			}
			m, err := s.deps.Queue.Stats(cmd.Context())
			if err != nil {
				return failed("queue stats: %w", err)
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), m)
			}
			for _, k := range sortedKeys(m) {
				_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%-10s %d\n", Sanitize(k), m[k])
			}
			return nil
		},
	}
	stats.Flags().BoolVar(&jsonOut, "json", false, "print JSON")

	retry := &cobra.Command{
		Use:   "retry ID",
		Short: "make a failed or dead job due now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if s.deps.Queue == nil {
				return failed("queue: outbox %w", ErrUnavailable)
			}
			id := args[0]
			err := s.act(st, "ssh.queue_retry", []string{"job", Sanitize(id)}, warnTo(cmd), func() error {
				return s.deps.Queue.Retry(cmd.Context(), id)
			})
			if errors.Is(err, ErrInvalid) {
				return fmt.Errorf("queue retry: %w", err) // usage: exit 2
			}
			if err != nil {
				return failed("queue retry %s: %w", id, err)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "job %s is due now\n", Sanitize(id))
			return nil
		},
	}

	dead := &cobra.Command{
		Use:   "dead [--json]",
		Short: "list the dead letters (jobs that exhausted their retries)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Queue == nil {
				return failed("queue: outbox %w", ErrUnavailable)
			}
			jobs, err := s.deps.Queue.Dead(cmd.Context())
			if err != nil {
				return failed("queue dead: %w", err)
			}
			return printJobs(cmd.OutOrStdout(), jobs, jsonOut)
		},
	}
	dead.Flags().BoolVar(&jsonOut, "json", false, "one JSON object per line")
	q.AddCommand(list, stats, retry, dead)
	return q
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func printJobs(w io.Writer, jobs []JobView, asJSON bool) error {
	if asJSON {
		for _, j := range jobs {
			var err error
			if j.Raw != nil {
				err = writeRawJSON(w, j.Raw)
			} else {
				err = writeJSON(w, j)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPTS\tTO\tCREATED\tLAST ERROR")
	for _, j := range jobs {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", Sanitize(j.ID), Sanitize(j.Kind), Sanitize(j.State),
			j.Attempts, Sanitize(j.To), fmtTime(j.Created), Sanitize(clip(j.LastError, 60)))
	}
	return tw.Flush()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// writeJSON prints v as one line of JSON with terminal-unsafe runes escaped.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return failed("encode json: %w", err)
	}
	b = append(safeJSON(b), '\n')
	_, err = w.Write(b)
	return err
}

// writeRawJSON prints JSON from another package on one line, escaped the same way.
func writeRawJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return failed("invalid json from the store: %w", err)
	}
	b := append(safeJSON(buf.Bytes()), '\n')
	_, err := w.Write(b)
	return err
}

func (s *Server) modemCmd(st *sessionState) *cobra.Command {
	m := &cobra.Command{Use: "modem", Short: "the GSM modem: check, test", Args: cobra.ArbitraryArgs, RunE: needSub}
	var jsonOut bool
	check := &cobra.Command{
		Use:   "check [--json]",
		Short: "SIM, registration, operator and signal",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Modem == nil {
				return failed("modem %w", ErrUnavailable)
			}
			ms, err := s.deps.Modem.Check(cmd.Context())
			if err != nil {
				return failed("modem check: %w", err)
			}
			s.deps.Metrics.SetModem(ms.Registered, ms.SignalDBm)
			if jsonOut {
				if ms.Raw != nil {
					return writeRawJSON(cmd.OutOrStdout(), ms.Raw)
				}
				return writeJSON(cmd.OutOrStdout(), ms)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "sim           %s\nregistration  %s\noperator      %s\nsignal        %s\n",
				Sanitize(ms.SIM), Sanitize(ms.Registration), Sanitize(ms.Operator), signalText(ms))
			if !ms.Registered {
				return failed("modem is not registered on a network")
			}
			return nil
		},
	}
	check.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	test := &cobra.Command{
		Use:   "test NUMBER",
		Short: "send a test SMS to NUMBER now (not through the outbox)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if s.deps.Modem == nil {
				return failed("modem %w", ErrUnavailable)
			}
			// Accept "600 000 012" typed without quotes.
			raw := strings.Join(args, " ")
			to, err := s.deps.Modem.Number(raw)
			if err != nil {
				return fmt.Errorf("not a phone number: %s. Give a Spanish mobile (600 000 000 or +34 600 000 000) or another country's in international form (+33 6 12 34 56 78)", Sanitize(err.Error()))
			}
			err = s.act(st, "ssh.modem_test", []string{"to", mask.Phone(to)}, warnTo(cmd), func() error {
				return s.deps.Modem.SendTest(cmd.Context(), to)
			})
			if err != nil {
				return failed("modem test to %s: %w", mask.Phone(to), err)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "test SMS sent to %s\n", mask.Phone(to))
			return nil
		},
	}
	m.AddCommand(check, test)
	return m
}

func signalText(ms ModemStatus) string {
	if ms.Signal == 99 || (ms.Signal == 0 && ms.SignalDBm == 0) {
		return "unknown"
	}
	return fmt.Sprintf("%d dBm (CSQ %d)", ms.SignalDBm, ms.Signal)
}

func (s *Server) cameraCmd() *cobra.Command {
	c := &cobra.Command{Use: "camera", Short: "the camera: info", Args: cobra.ArbitraryArgs, RunE: needSub}
	var jsonOut bool
	info := &cobra.Command{
		Use:   "info [--json]",
		Short: "device, format, fps, frames",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Camera == nil {
				return failed("camera %w", ErrUnavailable)
			}
			ci := s.deps.Camera.Info()
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), ci)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "device  %s\nformat  %s\nsize    %dx%d\nfps     %.1f\nframes  %d\n",
				Sanitize(ci.Device), Sanitize(ci.Format), ci.Width, ci.Height, ci.FPS, ci.Frames)
			if ci.LastError != "" {
				_, _ = fmt.Fprintf(cmd.OutOrStdout(), "error   %s\n", Sanitize(ci.LastError))
			}
			return nil
		},
	}
	info.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	c.AddCommand(info)
	return c
}

func (s *Server) logsCmd() *cobra.Command {
	var (
		level   string
		n       int
		jsonOut bool
	)
	c := &cobra.Command{
		Use:   "logs [--level debug|info|warn|error] [-n N] [--json]",
		Short: "the most recent log lines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Logs == nil {
				return failed("logs %w", ErrUnavailable)
			}
			lv, ok := logbuf.ParseLevel(level)
			if !ok {
				return fmt.Errorf("unknown level %q (debug, info, warn, error)", Sanitize(level))
			}
			if n < 0 {
				return fmt.Errorf("-n must be positive")
			}
			for _, r := range s.deps.Logs.Tail(n, lv) {
				if jsonOut {
					if err := writeJSON(cmd.OutOrStdout(), r); err != nil {
						return err
					}
					continue
				}
				_, _ = fmt.Fprintln(cmd.OutOrStdout(), formatRecord(r))
			}
			return nil
		},
	}
	c.Flags().StringVar(&level, "level", "info", "minimum level")
	c.Flags().IntVarP(&n, "lines", "n", 50, "number of lines (0: all kept)")
	c.Flags().BoolVar(&jsonOut, "json", false, "one JSON object per line")
	return c
}

func formatRecord(r logbuf.Record) string {
	line := r.Time.Local().Format("15:04:05") + " " + levelTag(r.Level) + " " + r.Message
	if r.Attrs != "" {
		line += " " + r.Attrs
	}
	return Sanitize(line)
}

func levelTag(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERR"
	case l >= slog.LevelWarn:
		return "WRN"
	case l >= slog.LevelInfo:
		return "INF"
	}
	return "DBG"
}

func (s *Server) maintenanceCmd(st *sessionState) *cobra.Command {
	return &cobra.Command{
		Use:       "maintenance on|off",
		Short:     `show (on) or lift (off) the "fuera de servicio" screen`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if s.deps.Kiosk == nil {
				return failed("maintenance: kiosk %w", ErrUnavailable)
			}
			on := args[0] == "on"
			if err := s.setMaintenance(cmd.Context(), st, on, warnTo(cmd)); err != nil {
				return failed("maintenance %s: %w", onOff(on), err)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "maintenance %s\n", onOff(on))
			return nil
		},
	}
}

// maintenanceConfirm bounds how long a technician waits for the visitor
// screen to show (or lift) the "fuera de servicio" screen.
const maintenanceConfirm = 5 * time.Second

// setMaintenance asks the kiosk to change maintenance mode and returns
// only when its visitor screen confirmed it, or why it did not.
func (s *Server) setMaintenance(ctx context.Context, st *sessionState, on bool, warn func(string)) error {
	err := s.act(st, "ssh.maintenance", []string{"on", fmt.Sprint(on)}, warn, func() error {
		ctx, cancel := context.WithTimeout(ctx, maintenanceConfirm)
		defer cancel()
		return s.deps.Kiosk.SetMaintenance(ctx, on)
	})
	if err != nil {
		s.log.Warn("console: maintenance mode not changed", "on", on, "fingerprint", st.fingerprint, "err", err)
		return err
	}
	s.log.Info("console: maintenance mode", "on", on, "fingerprint", st.fingerprint)
	return nil
}

// warnTo returns a function printing a warning on the command's stderr.
func warnTo(cmd *cobra.Command) func(string) {
	return func(msg string) { _, _ = fmt.Fprintln(cmd.ErrOrStderr(), Sanitize(msg)) }
}

func (s *Server) metricsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "metrics",
		Short: "print the Prometheus metrics (text format)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.deps.Metrics == nil {
				return failed("metrics %w", ErrUnavailable)
			}
			if err := s.deps.Metrics.WriteText(cmd.OutOrStdout()); err != nil {
				return failed("%w", err)
			}
			return nil
		},
	}
}

func (s *Server) keysCmd(st *sessionState) *cobra.Command {
	k := &cobra.Command{Use: "keys", Short: "technician keys: reload", Args: cobra.ArbitraryArgs, RunE: needSub}
	k.AddCommand(&cobra.Command{
		Use:   "reload",
		Short: "re-read authorized_keys now and report skipped lines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var (
				n   int
				bad []string
			)
			err := s.act(st, "ssh.keys_reload", nil, warnTo(cmd), func() (err error) {
				n, bad, err = s.ReloadAuthorizedKeys()
				return err
			})
			if err != nil {
				return failed("%w", err)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%d keys allowed\n", n)
			for _, b := range bad {
				_, _ = fmt.Fprintf(cmd.OutOrStdout(), "skipped %s\n", Sanitize(b))
			}
			return nil
		},
	})
	return k
}
