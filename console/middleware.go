package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	charmlog "github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

type ctxKey int

const stateKey ctxKey = 0

// sessionState is what the middlewares learn about one SSH session and
// share with its UI: who it is (by key fingerprint) and why it ended.
type sessionState struct {
	fingerprint string
	comment     string // the key's comment in authorized_keys
	user        string
	remote      string
	started     time.Time
	auditErr    error      // the login could not be audited
	opts        keyOptions // of the authorized_keys line that let it in

	mu      sync.Mutex
	reason  string
	program *tea.Program
}

// auditFields are the fields every audit record of this session carries.
func (st *sessionState) auditFields(extra ...string) map[string]string {
	f := map[string]string{"fingerprint": st.fingerprint, "remote": st.remote, "user": st.user, "key": st.comment}
	for i := 0; i+1 < len(extra); i += 2 {
		f[extra[i]] = extra[i+1]
	}
	return f
}

// quit asks the session's UI to end, telling the technician why.
func (st *sessionState) quit(reason string) {
	st.mu.Lock()
	if st.reason == "" {
		st.reason = reason
	}
	p := st.program
	st.mu.Unlock()
	if p != nil {
		go p.Send(quitMsg{reason: reason})
	}
}

func (st *sessionState) setReason(r string) {
	st.mu.Lock()
	if st.reason == "" {
		st.reason = r
	}
	st.mu.Unlock()
}

func (st *sessionState) getReason() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

func stateFrom(sess ssh.Session) *sessionState {
	st, _ := sess.Context().Value(stateKey).(*sessionState)
	return st
}

// recoverMiddleware keeps a bug in one session from taking the kiosk (and
// the visitor's screen) down with it.
func (s *Server) recoverMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			s.mu.Lock()
			s.active++
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.active--
				s.mu.Unlock()
			}()
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("console: panic in session", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					_, _ = io.WriteString(sess.Stderr(), "internal error; see the kiosk log\r\n")
					_ = sess.Exit(1)
				}
			}()
			next(sess)
		}
	}
}

func (s *Server) rateLimitMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			if ok, wait := s.rate.allow(hostOf(sess.RemoteAddr())); !ok {
				_, _ = fmt.Fprintf(sess.Stderr(), "too many sessions from your address (%d a minute after %d at once); try again in %s\r\n",
					s.cfg.SessionsPerMinute, s.cfg.SessionBurst, wait.Round(100*time.Millisecond))
				s.deps.Metrics.SSHRefused("rate")
				_ = sess.Exit(ExitTooMany)
				return
			}
			next(sess)
		}
	}
}

// authRecheckMiddleware checks again, at session start, that the key that
// authenticated is still allowed (it may have been removed since) and
// records who the technician is for the audit log.
func (s *Server) authRecheckMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			key := sess.PublicKey()
			if key == nil {
				s.denied(sess, "no public key")
				return
			}
			fp, entry, err := s.keys.authorize(key, addrOf(sess.RemoteAddr()))
			if err != nil {
				s.denied(sess, "key no longer authorized: "+err.Error())
				return
			}
			st := &sessionState{
				fingerprint: fp, comment: entry.comment, user: Sanitize(sess.User()),
				remote: hostOf(sess.RemoteAddr()), started: s.cfg.Now(), opts: entry.opts,
			}
			sess.Context().SetValue(stateKey, st)
			next(sess)
		}
	}
}

func (s *Server) denied(sess ssh.Session, why string) {
	s.log.Warn("console: session denied", "remote", hostOf(sess.RemoteAddr()), "why", why)
	_, _ = io.WriteString(sess.Stderr(), "access denied\r\n")
	_ = sess.Exit(1)
}

func (s *Server) loggingMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			st := stateFrom(sess)
			mode := "interactive"
			if len(sess.Command()) > 0 {
				mode = "exec"
			}
			s.deps.Metrics.SSHLogin(true)
			s.deps.Metrics.SSHSessionOpened()
			defer s.deps.Metrics.SSHSessionClosed()
			// A login changes nothing: it goes on when the audit log cannot
			// record it (counted and logged by audit), so a technician can
			// still look at a kiosk whose disk is full; every action that
			// changes something is refused then (Server.act).
			st.auditErr = s.audit("ssh.login", st.auditFields("mode", mode))
			s.log.Info("console: session start", "fingerprint", st.fingerprint, "key", st.comment,
				"remote", st.remote, "mode", mode)
			start := s.cfg.Now()
			next(sess)
			s.log.Info("console: session end", "fingerprint", st.fingerprint, "remote", st.remote,
				"mode", mode, "duration", s.cfg.Now().Sub(start).Round(time.Millisecond).String())
		}
	}
}

// execMiddleware runs `ssh kiosk CMD…` and ends the session with the
// command's exit status; sessions without a command go on to the UI.
func (s *Server) execMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			args := sess.Command()
			st := stateFrom(sess)
			var requested []string
			if st.opts.command != nil {
				// command= in authorized_keys: this key runs that and
				// nothing else, whatever the client asked (sshd's forced
				// command); what it asked is kept in the audit log.
				requested, args = args, st.opts.command
			}
			if len(args) == 0 {
				if st.opts.noPty {
					_, _ = io.WriteString(sess.Stderr(), "this key may not open the interactive console (restrict or no-pty in authorized_keys); give a command (try `help`)\n")
					_ = sess.Exit(exitNo)
					return
				}
				if _, _, ok := sess.Pty(); !ok {
					_, _ = io.WriteString(sess.Stderr(), "no terminal: use `ssh -t` for the console, or give a command (try `help`)\n")
					_ = sess.Exit(2)
					return
				}
				next(sess)
				return
			}
			fields := st.auditFields("command", auditCommand(args))
			if st.opts.command != nil {
				fields["forced"] = "true"
				fields["requested"] = auditCommand(requested)
			}
			if err := s.audit("ssh.command", fields); err != nil {
				_, _ = fmt.Fprintf(sess.Stderr(), "warning: %s: read-only commands still run, commands that change anything are refused\n", Sanitize(err.Error()))
			}
			code := s.runCommand(sess.Context(), st, args, sess, sess.Stderr())
			_ = sess.Exit(code)
		}
	}
}

// auditCommand is the command line as the audit log keeps it: the phone
// number of a test SMS is masked like every other number in the log.
func auditCommand(args []string) string {
	if len(args) > 2 && args[0] == "modem" && args[1] == "test" {
		return "modem test " + mask.Phone(strings.Join(args[2:], ""))
	}
	return Sanitize(strings.Join(args, " "))
}

// teaMiddleware serves the interactive console with a renderer of the
// session's own (its colour profile, its background), never the kiosk's.
func (s *Server) teaMiddleware() wish.Middleware {
	return bubbletea.MiddlewareWithProgramHandler(func(sess ssh.Session) *tea.Program {
		st := stateFrom(sess)
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			st.setReason("the kiosk is shutting down")
			return nil
		}
		r := bubbletea.MakeRenderer(sess)
		m := newModel(sess.Context(), s, st, r)
		opts := append(bubbletea.MakeOptions(sess),
			// The session's context lives as long as the connection, and a
			// client may close one session and keep the connection (OpenSSH
			// ControlMaster): end the program when its input ends.
			tea.WithInput(&eofReader{r: sess, onEOF: func() { st.quit("") }}),
			tea.WithAltScreen(),
			tea.WithFPS(15),
			// The kiosk's own signals belong to main, not to a technician's view.
			tea.WithoutSignalHandler(),
		)
		p := tea.NewProgram(m, opts...)
		st.mu.Lock()
		st.program = p
		st.mu.Unlock()
		s.mu.Lock()
		s.programs[st] = struct{}{}
		s.mu.Unlock()
		return p
	}, termenv.Ascii)
}

// goodbyeMiddleware runs after the UI ended: it unregisters the program
// and tells the technician why the console closed (idle, shutdown).
func (s *Server) goodbyeMiddleware() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			st := stateFrom(sess)
			if st != nil {
				s.mu.Lock()
				delete(s.programs, st)
				s.mu.Unlock()
				if r := st.getReason(); r != "" {
					_, _ = fmt.Fprintf(sess, "disconnected: %s\r\n", r)
					s.log.Info("console: session closed by the kiosk", "fingerprint", st.fingerprint, "reason", r)
				}
			}
			next(sess)
		}
	}
}

// eofReader calls onEOF once when the wrapped reader fails or ends.
type eofReader struct {
	r     io.Reader
	once  sync.Once
	onEOF func()
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.once.Do(e.onEOF)
	}
	return n, err
}

var charmLogOnce sync.Once

// routeCharmLog sends the charm logger that wish uses internally to slog:
// its default writes to stderr, which on the kiosk is the visitor's screen.
func routeCharmLog(l *slog.Logger) {
	charmLogOnce.Do(func() {
		// SetDefault, not SetOutput: SetOutput first builds the default
		// logger on os.Stderr, whose renderer (colour cache on) queries
		// the terminal's colours — on the kiosk, while the visitor's
		// program reads the keyboard, so the reply ate the visitor's keys.
		charmlog.SetDefault(charmlog.NewWithOptions(&slogWriter{l: l}, charmlog.Options{ReportTimestamp: false}))
	})
}

type slogWriter struct{ l *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			w.l.Log(context.Background(), slog.LevelWarn, "console: wish", "msg", Sanitize(line))
		}
	}
	return len(p), nil
}
