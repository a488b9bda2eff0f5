package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/console/logbuf"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/mail"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
	"github.com/ventanilla-kiosk/ventanilla/store"
	"github.com/ventanilla-kiosk/ventanilla/store/dispatch"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/screen"
)

type runOptions struct {
	demo     bool
	config   string
	data     string
	headless bool
	smtpAddr string // demo: where the mail catcher listens
}

func newRunCmd() *cobra.Command {
	var o runOptions
	c := &cobra.Command{
		Use:   "run [--demo] [--config FILE] [--data DIR]",
		Short: "Run the kiosk (visitor screen, technician console, outbox)",
		Long: `Run the kiosk on this terminal. It holds the database, the modem and the
camera, serves the technician console over SSH and delivers the outbox.

--demo simulates every device: the camera, a GSM modem emulator on a
pseudo-terminal (SMS it receives are appended to DATA/sms.jsonl) and a local
SMTP catcher (each e-mail is written to DATA/mail/*.eml). The console listens
on 127.0.0.1:2222; put technicians' public keys in DATA/authorized_keys.

SIGTERM, SIGINT or SIGHUP (the terminal went away) stop it cleanly. Keys
typed on the kiosk (Ctrl+C, Ctrl+Z, Ctrl+\) never stop it.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.demo = o.demo || os.Getenv("VENTANILLA_DEMO") == "1"
			return runKiosk(c.Context(), o, c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.BoolVar(&o.demo, "demo", false, "simulate the camera, modem and mail (nothing leaves this machine)")
	f.StringVar(&o.config, "config", "", "configuration file (see ventanilla.example.toml)")
	f.StringVar(&o.data, "data", "", "data directory (default from the config, ./var)")
	f.BoolVar(&o.headless, "headless", false, "run without the visitor screen (devices, outbox and console only)")
	f.StringVar(&o.smtpAddr, "demo-smtp", "127.0.0.1:0", "demo: address of the local mail catcher")
	return c
}

// kiosk is everything `run` starts, kept so shutdown can stop it in order.
type kiosk struct {
	cfg     Config
	log     *slog.Logger
	logs    *logbuf.Buffer
	logFile io.WriteCloser
	db      *store.DB
	met     *metrics.Metrics
	httpM   *metrics.HTTPServer
	emu     *emulator.Emulator
	smsLog  *os.File
	catcher *mail.Catcher
	modem   *modemChannel
	camera  *camera.Shared
	demo    bool
	ssh     *console.Server
	status  *tui.Status
	sess    *sessions
	program *tea.Program
	started time.Time

	headless bool
	// ui is the visitor screen once it runs; the console's maintenance
	// requests go to it (nil: headless, or not started yet).
	ui         atomic.Pointer[visitorScreen]
	maintMu    sync.Mutex    // one maintenance change at a time
	servicesUp chan struct{} // closed when startServices has returned
	bg         sync.WaitGroup
	// cancel ends ctx, the context of everything started in the
	// background; shutdown calls it first.
	cancel context.CancelCauseFunc
	// waits bounds how long shutdown waits for start-up and for the
	// background goroutines (zero: the defaults).
	waits shutdownWaits
	// startHook, when set (tests), runs first in startServices.
	startHook func(context.Context)
}

// shutdownWaits are the limits of shutdown's two waits.
type shutdownWaits struct {
	start, background time.Duration
}

// errShutdown is the cause given to the kiosk's context when it stops.
var errShutdown = errors.New("the kiosk is stopping")

func runKiosk(parent context.Context, o runOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	base := defaultConfig()
	if o.demo {
		base = demoConfig()
	}
	cfg, err := loadConfig(o.config, base)
	if err == nil && !o.headless {
		err = cfg.requireVisitorSettings(o.config)
	}
	if err != nil {
		return usageError(err)
	}
	if o.data != "" {
		cfg.DataDir = o.data
	}
	if parent == nil {
		parent = context.Background()
	}
	if !o.headless {
		// Parsing the Spanish catalogue takes a few milliseconds: do it
		// while the database opens (the other languages are parsed when a
		// visitor first picks one).
		go func() { _, _ = i18n.Default() }()
	}
	// One signal context for the whole process; the kiosk program runs
	// without bubbletea's own handler so that only the system stops it.
	sigCtx, stop := signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The kiosk also stops when its terminal goes away (see ttyInput).
	ctx, cancel := context.WithCancelCause(sigCtx)
	defer cancel(nil)

	k := &kiosk{cfg: cfg, demo: o.demo, started: time.Now(), status: &tui.Status{}, headless: o.headless,
		servicesUp: make(chan struct{}), cancel: cancel}
	if err := k.openStore(); err != nil {
		close(k.servicesUp)
		k.shutdown()
		return err
	}
	var runErr error
	if o.headless {
		err := k.startServices(ctx, o)
		close(k.servicesUp)
		if err != nil {
			k.shutdown()
			return err
		}
		k.log.Info("kiosk started", "kiosk", cfg.KioskID, "version", version, "demo", o.demo, "start_ms", time.Since(k.started).Milliseconds())
		for _, w := range cfg.holidayWarnings(time.Now()) {
			k.log.Warn(w)
		}
		fmt.Fprintf(stdout, "ventanilla: running headless; console on %s; stop with SIGTERM\n", k.sshAddr())
		<-ctx.Done()
	} else {
		// The renderer becomes lipgloss's default before anything else
		// runs: the console builds styles from the default while it
		// starts, and replacing it later would race with that.
		r := kioskRenderer(stdout)
		// The visitor sees the home screen while the devices and the
		// console come up behind it: nothing on the home screen needs
		// them, and a procedure that does says honestly when one is
		// missing.
		go func() {
			defer close(k.servicesUp)
			if err := k.startServices(ctx, o); err != nil {
				if ctx.Err() != nil {
					return // stopped while starting: not a fault
				}
				k.log.Error("start-up", "err", err)
				k.status.SetError(err.Error())
				return
			}
			k.log.Info("kiosk started", "kiosk", cfg.KioskID, "version", version, "demo", o.demo, "start_ms", time.Since(k.started).Milliseconds())
			for _, w := range cfg.holidayWarnings(time.Now()) {
				k.log.Warn(w)
			}
		}()
		in := watchTerminal(stdin, func(err error) {
			k.log.Warn("terminal gone: stopping", "err", err)
			cancel(errTerminalGone)
		})
		runErr = k.runUI(ctx, r, in, stdout)
	}
	k.log.Info("kiosk stopping", "why", stopReason(ctx))
	k.shutdown()
	return runErr
}

// stopReason says why the kiosk stops, for the log.
func stopReason(ctx context.Context) string {
	switch {
	case errors.Is(context.Cause(ctx), errTerminalGone):
		return "terminal gone"
	case ctx.Err() != nil:
		return "signal"
	}
	return "visitor screen ended"
}

func (k *kiosk) sshAddr() string {
	if k.ssh == nil {
		return "(disabled)"
	}
	return k.ssh.Addr()
}

// openStore prepares the data directory and logging and takes the
// database lock: the one step that must succeed before anything is shown,
// so a second kiosk fails at once with a clear message.
func (k *kiosk) openStore() error {
	cfg := k.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return failuref("cannot create the data directory %s: %v", cfg.DataDir, err)
	}
	// The kiosk's terminal is the visitor's screen: logs go to a file and
	// to the in-memory buffer the technician console tails, never to the tty.
	lf, err := openLogFile(cfg.DataDir, logMaxMB, logBackups)
	if err != nil {
		return failuref("cannot open the log file in %s: %v", cfg.DataDir, err)
	}
	k.logFile = lf
	k.logs = logbuf.New(logbuf.Options{})
	k.log = slog.New(teeHandler{slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelInfo}), k.logs.Handler()})
	slog.SetDefault(k.log)

	dead := cfg.Retention.DeadPayload.Duration
	if dead == 0 {
		dead = -1 // the store's "purge at death"
	}
	key, err := resolveDataKey(cfg, cfg.DataDir, k.demo, os.Getenv) // datakey.go
	if err != nil {
		return usageErrorf("config: %v", err)
	}
	k.log.Info("data key", "from", key.Origin)
	db, err := store.Open(cfg.DataDir, key.options(store.Options{PayloadMaxAge: cfg.Retention.MaxAge.Duration, DeadPayloadMaxAge: dead,
		MaxAttempts: cfg.Outbox.MaxAttempts, BackoffBase: cfg.Outbox.BackoffBase.Duration, BackoffMax: cfg.Outbox.BackoffMax.Duration,
		MessageIDDomain: cfg.KioskID + ".ventanilla.invalid"}))
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return failuref("%s holds %s: %v", "another ventanilla", cfg.DataDir, err)
		}
		return failuref("cannot open the database in %s: %v", cfg.DataDir, err)
	}
	k.db = db // store.Open has already made jobs left in flight by a crash due again
	k.sess = &sessions{}
	k.met = metrics.New(metrics.Options{Version: version, KioskID: cfg.KioskID, Logger: k.log,
		QueueStats: queueView{db}.Stats})
	k.sess.m = k.met
	// The modem channel exists from the start so that screens can ask it
	// whether the modem is up; it has no supervisor until startServices.
	k.modem = newModemChannel()
	spec := cfg.Camera.Device
	if k.demo {
		spec = "sim"
	}
	if spec != "" && spec != "none" {
		k.camera = newKioskCamera(spec, k.met)
	}
	return nil
}

// startServices brings up metrics, the modem (or its emulator), mail (or
// the catcher), the dispatcher and the SSH console.
//
// Each step is quick and local; between steps it gives up as soon as ctx
// ends, so a kiosk stopped while it starts does not wait for the rest.
func (k *kiosk) startServices(ctx context.Context, o runOptions) error {
	cfg, db := k.cfg, k.db
	if k.startHook != nil {
		k.startHook(ctx)
	}

	if cfg.Metrics.Listen != "" {
		h, err := k.met.Serve(cfg.Metrics.Listen)
		if err != nil {
			k.log.Warn("metrics: not serving", "addr", cfg.Metrics.Listen, "err", err)
		} else {
			k.httpM = h
		}
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}

	// Modem: the emulator in demo mode, the configured port otherwise.
	mcfg := modem.Config{Port: cfg.Modem.Port, PIN: cfg.Modem.PIN, Baud: cfg.Modem.Baud}
	if o.demo || cfg.Modem.Port == "sim" {
		f, err := os.OpenFile(filepath.Join(cfg.DataDir, "sms.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return failuref("demo: cannot open sms.jsonl: %v", err)
		}
		k.smsLog = f
		emu, err := emulator.Start(emulator.Options{PIN: cfg.Modem.PIN, Log: f})
		if err != nil {
			return failuref("demo: cannot start the modem emulator: %v", err)
		}
		k.emu = emu
		mcfg.Port = emu.Path()
	}
	if mcfg.Port != "" {
		sup := modem.NewSupervisor(modem.SupervisorConfig{Modem: mcfg, Logger: k.log,
			OnStatus: func(st modem.Status, up bool) { k.met.SetModem(up && st.Registered, st.SignalDBm) }})
		k.modem.attach(sup)
		k.bg.Add(1)
		go func() { defer k.bg.Done(); _ = sup.Run(ctx) }()
	} else {
		k.modem.noPort.Store(true)
		k.log.Warn("modem: no port configured; SMS stay queued")
	}

	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	// Mail: the local catcher in demo mode, the office relay otherwise.
	mc := mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, TLS: mail.TLSPolicy(cfg.SMTP.TLS), Username: cfg.SMTP.Username}
	if cfg.SMTP.PasswordFile != "" {
		pw, err := os.ReadFile(cfg.SMTP.PasswordFile)
		if err != nil {
			return usageErrorf("config: smtp.password_file: %v", err)
		}
		mc.Password = string(bytes.TrimRight(pw, "\r\n"))
	}
	// Demo mode catches mail locally, unless the configuration names a
	// relay (a demo pointed at a test mail server).
	if o.demo && cfg.SMTP.Host == "" {
		c, err := mail.StartCatcher(o.smtpAddr, filepath.Join(cfg.DataDir, "mail"))
		if err != nil {
			return failuref("demo: cannot start the mail catcher on %s: %v", o.smtpAddr, err)
		}
		k.catcher = c
		host, port, _ := net.SplitHostPort(c.Addr())
		mc.Host, mc.TLS = host, mail.TLSNone
		mc.Port, _ = strconv.Atoi(port)
	}
	var ms dispatch.MailSender
	if mc.Host != "" {
		s, err := mail.NewSender(mc)
		if err != nil {
			return usageErrorf("config: smtp: %v", err)
		}
		ms = mailSender{s}
	} else {
		k.log.Warn("mail: no SMTP host configured; e-mails stay queued")
	}
	from := cfg.SMTP.From
	if from == "" {
		from = "ventanilla@" + cfg.KioskID + ".invalid"
	}
	d, err := dispatch.New(dispatch.Config{Store: db, SMS: k.modem, Mail: ms, From: from,
		Observer: dispatchObserver{k.met}, Logger: k.log})
	if err != nil {
		return failuref("outbox dispatcher: %v", err)
	}
	k.bg.Add(1)
	go func() {
		defer k.bg.Done()
		if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			k.log.Error("outbox dispatcher stopped", "err", err)
		}
	}()

	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if cfg.SSH.Listen != "" {
		srv, err := console.NewServer(console.Config{
			Addr:               cfg.SSH.Listen,
			HostKeyPath:        filepath.Join(cfg.DataDir, "ssh_host_ed25519"),
			AuthorizedKeysPath: filepath.Join(cfg.DataDir, "authorized_keys"),
			LoginGraceTime:     cfg.SSH.LoginGraceTime.Duration,
			MaxStartups:        cfg.SSH.MaxStartups,
			MaxPerAddress:      cfg.SSH.MaxPerAddress,
			SessionsPerMinute:  cfg.SSH.SessionsPerMinute,
			SessionBurst:       cfg.SSH.SessionBurst,
			Version:            version,
			KioskID:            cfg.KioskID,
		}, console.Deps{
			Kiosk:   kioskView{k},
			Queue:   queueView{db},
			Modem:   k.modem,
			Audit:   auditLog{db},
			Logs:    k.logs,
			Metrics: k.met,
			Logger:  k.log,
			Camera:  k.cameraInfo(),
		})
		if err != nil {
			return failuref("technician console: %v", err)
		}
		if err := srv.Start(); err != nil {
			return failuref("technician console: cannot listen on %s: %v (is another kiosk running?)", cfg.SSH.Listen, err)
		}
		k.ssh = srv
		k.log.Info("console: listening", "addr", srv.Addr())
	}
	return nil
}

// kioskRenderer is the one lipgloss renderer of the kiosk's terminal; it
// also becomes lipgloss's default.
func kioskRenderer(stdout io.Writer) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(stdout)
	// Said once, explicitly: querying the terminal for its background can
	// stall start-up for seconds on the Linux console.
	r.SetHasDarkBackground(true)
	if os.Getenv("TERM") == "linux" {
		r.SetColorProfile(termenv.ANSI)
	}
	// Components with built-in styles (bubbles' help, textinput) render
	// with the default renderer; make it this one so they never query the
	// terminal either.
	lipgloss.SetDefaultRenderer(r)
	return r
}

func (k *kiosk) runUI(ctx context.Context, r *lipgloss.Renderer, stdin io.Reader, stdout io.Writer) error {
	cat, err := i18n.Default()
	if err != nil {
		return failuref("translations: %v", err)
	}
	env := &kit.Env{
		T:        i18n.NewTranslator(cat, i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    kit.RealClock{},
		Settings: k.settings(),
		Outbox:   outbox{db: k.db, from: k.cfg.SMTP.From},
		Modem:    k.modem,
		Observer: k.sess,
	}
	k.wireEnv(env)
	model := tui.New(tui.Options{Env: env, Flows: flows(k.cfg.calendar, k.cfg.FNMTLinks.links()), Status: k.status})
	// The frames are painted by tui/screen, which sleeps while nothing
	// changes, instead of bubbletea's renderer, whose ticker woke the
	// kiosk fifteen times a second for nothing (nine tenths of its idle
	// CPU). At most 15 frames a second: enough for the camera preview.
	paint := screen.New(stdout, 15)
	p := tea.NewProgram(paint.Wrap(model),
		tea.WithContext(ctx),
		tea.WithInput(stdin),
		tea.WithOutput(stdout),
		tea.WithoutRenderer(),
		tea.WithoutSignalHandler(),
		tea.WithFilter(tui.Filter),
	)
	stopTerm, err := screen.Terminal(fd(stdin), fd(stdout), p.Send)
	if err != nil {
		return failuref("visitor screen: %v", err)
	}
	k.program = p
	vs := &visitorScreen{p: p, done: make(chan struct{})}
	k.ui.Store(vs)
	paint.Start()
	_, err = p.Run()
	paint.Stop()
	stopTerm()
	close(vs.done)
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && ctx.Err() == nil {
		return failuref("visitor screen: %v", err)
	}
	return nil
}

// fd is the file descriptor behind f, or an invalid one when f is not a
// file (the screen then leaves it alone).
func fd(f any) uintptr {
	if x, ok := f.(interface{ Fd() uintptr }); ok {
		return x.Fd()
	}
	return ^uintptr(0)
}

func (k *kiosk) settings() kit.Settings {
	c := k.cfg
	return kit.Settings{
		KioskID: c.KioskID, Office: c.Office, Place: c.Place, Languages: c.langs,
		IdleTimeout: c.IdleTimeout.Duration, IdleWarning: c.IdleWarning.Duration, CodeLength: c.CodeLength,
		CallCentre: kit.CallCentre{Email: c.CallCentre.Email, Phone: c.CallCentre.Phone, Hours: c.CallCentre.Hours},
		HelpDesk:   c.HelpDesk, SMSSignature: c.SMSSignature,
		Privacy: kit.Privacy{Controller: c.Privacy.Controller, Contact: c.Privacy.Contact, Info: c.Privacy.Info},
	}
}

// shutdown stops everything in order: the visitor screen has already
// returned; then the SSH console, the dispatcher and modem (via the
// context), the helpers, and the database last.
//
// What startServices sets up belongs to its goroutine until it returns
// (servicesUp): the context is cancelled first so that it returns at once,
// and if it still has not after waits.start, shutdown leaves its part
// alone (the process is about to exit, which frees it) rather than read
// fields that are still being written.
func (k *kiosk) shutdown() {
	w := k.waits
	if w.start == 0 {
		w.start = 10 * time.Second
	}
	if w.background == 0 {
		w.background = 10 * time.Second
	}
	if k.cancel != nil {
		k.cancel(errShutdown)
	}
	up := true
	if k.servicesUp != nil {
		select {
		case <-k.servicesUp:
		case <-time.After(w.start):
			up = false
			k.logError("shutdown: start-up still running; leaving what it started to the process exit", "waited", w.start)
		}
	}
	if up {
		k.stopServices(w.background)
	}
	if k.camera != nil {
		_ = k.camera.Close()
	}
	if k.db != nil {
		if err := k.db.Close(); err != nil {
			k.logError("database close", "err", err)
		}
	}
	if k.logFile != nil {
		_ = k.logFile.Close()
	}
}

func (k *kiosk) logError(msg string, args ...any) {
	if k.log != nil {
		k.log.Error(msg, args...)
	}
}

// stopServices stops what startServices started; call it only once
// startServices has returned.
func (k *kiosk) stopServices(wait time.Duration) {
	if k.ssh != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if err := k.ssh.Shutdown(ctx); err != nil {
			_ = k.ssh.Close()
		}
		cancel()
	}
	if k.httpM != nil {
		_ = k.httpM.Close()
	}
	if !waitTimeout(&k.bg, wait) {
		k.logError("shutdown: background work did not stop in time", "waited", wait)
	}
	if k.modem != nil {
		k.modem.close()
	}
	if k.emu != nil {
		_ = k.emu.Close()
	}
	if k.smsLog != nil {
		_ = k.smsLog.Close()
	}
	if k.catcher != nil {
		_ = k.catcher.Close()
	}
}

// waitTimeout waits for wg at most d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// kioskView is the kiosk as the console sees it.
type kioskView struct{ k *kiosk }

func (v kioskView) Status() console.KioskStatus {
	s := v.k.status.Snapshot()
	step := s.Flow
	if s.Step != "" && s.Step != s.Flow {
		step = s.Step
	}
	if s.Flow == "home" {
		step = ""
	}
	return console.KioskStatus{KioskID: v.k.cfg.KioskID, Office: v.k.cfg.Office, Version: version, Started: v.k.started,
		Step: step, LastError: s.LastError, Maintenance: s.Maintenance, Sessions: v.k.sess.counts(),
		// No flow yet: headless, or the screen has not started; nobody
		// can be at a kiosk that shows nothing.
		Visitor:  s.Flow != "" && s.Flow != kit.FlowHome && s.Flow != kit.FlowOutOfOrder,
		Warnings: v.k.cfg.holidayWarnings(time.Now())}
}

// visitorScreen is the running visitor program, as the console reaches it.
type visitorScreen struct {
	p    *tea.Program
	done chan struct{} // closed when the program has ended
}

var (
	errHeadless  = errors.New("this kiosk runs --headless: there is no visitor screen to put out of service")
	errNoScreen  = errors.New("the visitor screen is not running (starting up or shutting down); try again")
	errScreenEnd = errors.New("the visitor screen stopped before it took the change")
)

// SetMaintenance implements console.Kiosk: it hands the change to the
// visitor screen and returns once the screen has applied it, or an error:
// no screen (headless, not started, stopped) or no confirmation before ctx
// ends. A change reported as not done is withdrawn first, so it can never
// apply later (the screen ignores a withdrawn request when it gets to it).
func (v kioskView) SetMaintenance(ctx context.Context, on bool) error {
	if v.k.headless {
		return errHeadless
	}
	scr := v.k.ui.Load()
	if scr == nil {
		return errNoScreen
	}
	// One change at a time, so a technician's "on" is not confirmed (or
	// timed out) by another's "off".
	v.k.maintMu.Lock()
	defer v.k.maintMu.Unlock()
	select {
	case <-scr.done:
		return errScreenEnd
	default:
	}
	if v.k.status.Snapshot().Maintenance == on {
		return nil
	}
	req := tui.NewMaintenanceRequest()
	// Send blocks until the program reads the message and returns at once
	// when the program has ended, so it cannot outlive the screen. A busy
	// screen may read it after we gave up: req, withdrawn, makes it a no-op.
	go scr.p.Send(tui.MaintenanceMsg{On: on, Req: req})
	var why error
	select {
	case <-req.Applied():
		return nil
	case <-ctx.Done():
		why = fmt.Errorf("the visitor screen did not confirm in time; nothing was changed: %w", ctx.Err())
	case <-scr.done:
		why = errScreenEnd
	}
	if req.Withdraw() {
		return why
	}
	// The screen took it just now: it is applied within the same update.
	select {
	case <-req.Applied():
		return nil
	case <-scr.done:
		// Both may be closed by now; a taken request is applied before
		// the program can end.
		select {
		case <-req.Applied():
			return nil
		default:
			return why
		}
	}
}

// teeHandler writes each record to several handlers.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}
