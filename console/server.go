// Package console is the technician console of the kiosk: an SSH server
// (charmbracelet/wish) that serves an interactive bubbletea UI to
// technicians with a pty and runs one-shot commands for scripts
// (`ssh kiosk status --json`).
//
// Only public keys listed in authorized_keys get in; passwords and
// keyboard-interactive are refused, failed attempts are rate limited per
// IP, and every login and command is written to the audit log with the
// key's SHA256 fingerprint. Everything a visitor or a device may have
// written is passed through Sanitize before it reaches a technician's
// terminal.
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/keygen"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/time/rate"
)

// Errors callers may test for.
var (
	// ErrNotFound is what Queue.Retry should wrap for an unknown job id.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable is returned by commands whose dependency is not wired.
	ErrUnavailable = errors.New("not available on this kiosk")
	// ErrServerClosed is returned by ListenAndServe after Shutdown or Close.
	ErrServerClosed = errors.New("console: server closed")
	// ErrInvalid marks input a dependency cannot take (a job id that is
	// not one): the command exits 2, a usage error. Wrap with Invalid.
	ErrInvalid = errors.New("invalid input")
	// ErrAudit is returned for an action that was refused because the
	// audit log could not record it first.
	ErrAudit = errors.New("audit log not writable")
)

// Config configures the SSH server. Zero durations and counts take the
// defaults documented on each field.
type Config struct {
	// Addr to listen on, e.g. "127.0.0.1:2222"; "127.0.0.1:0" in tests.
	Addr string
	// HostKeyPath is the ed25519 host key (DATA/ssh_host_ed25519),
	// generated on first run; its directory is created 0700.
	HostKeyPath string
	// AuthorizedKeysPath lists the technicians' public keys
	// (DATA/authorized_keys); re-read when it changes.
	AuthorizedKeysPath string
	// IdleTimeout disconnects an interactive session without key presses
	// (default 10 min). Done in the app because redraws defeat SSH timeouts.
	IdleTimeout time.Duration
	// MaxAuthFailures per IP within AuthFailureWindow before that IP is
	// refused (defaults 10 and 5 min; negative disables).
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
	// SessionsPerMinute per IP once authenticated, after a burst of
	// SessionBurst (defaults 60 and 30; negative disables): a monitoring
	// script polling a few commands every few seconds stays well inside
	// it. A refused session exits with ExitTooMany (75).
	SessionsPerMinute int
	SessionBurst      int
	// LoginGraceTime closes a connection that has not authenticated in
	// time (OpenSSH's LoginGraceTime; default 20 s, negative disables).
	LoginGraceTime time.Duration
	// MaxStartups caps connections that have not authenticated yet; more
	// are closed at once (OpenSSH's MaxStartups; default 20).
	MaxStartups int
	// MaxPerAddress caps the connections open at once from one address,
	// authenticated or not (default 8; negative disables).
	MaxPerAddress int
	// Version and KioskID are shown in the banner line of the UI.
	Version string
	KioskID string
	// Now is the clock (time.Now when nil); tests pass a fake one.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 10 * time.Minute
	}
	if c.MaxAuthFailures == 0 {
		c.MaxAuthFailures = 10
	}
	if c.AuthFailureWindow <= 0 {
		c.AuthFailureWindow = 5 * time.Minute
	}
	if c.SessionsPerMinute == 0 {
		c.SessionsPerMinute = 60
	}
	if c.SessionBurst <= 0 {
		c.SessionBurst = 30
	}
	if c.LoginGraceTime == 0 {
		c.LoginGraceTime = 20 * time.Second
	}
	if c.MaxStartups <= 0 {
		c.MaxStartups = 20
	}
	if c.MaxPerAddress == 0 {
		c.MaxPerAddress = 8
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server is the technician SSH console.
type Server struct {
	cfg    Config
	deps   Deps
	log    *slog.Logger
	ssh    *ssh.Server
	keys   *keyring
	fails  *failLimiter
	rate   *sessionLimiter
	ln     net.Listener
	lnErr  error
	lnOnce sync.Once

	logMu    sync.Mutex // guards logEvery
	mu       sync.Mutex
	pending  map[string]*connAuth // connections authenticating, by remote address
	perAddr  map[string]int       // connections open, by IP
	logEvery map[string]*rate.Sometimes
	programs map[*sessionState]struct{}
	active   int // session handlers running
	closed   bool
}

// NewServer prepares the server: it creates the host key if needed and
// loads authorized_keys. It does not listen yet.
func NewServer(cfg Config, deps Deps) (*Server, error) {
	cfg.defaults()
	if cfg.Addr == "" {
		return nil, errors.New("console: no listen address configured")
	}
	if cfg.HostKeyPath == "" || cfg.AuthorizedKeysPath == "" {
		return nil, errors.New("console: host key and authorized_keys paths are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	routeCharmLog(deps.Logger)
	s := &Server{
		cfg:      cfg,
		deps:     deps,
		log:      deps.Logger,
		keys:     &keyring{path: cfg.AuthorizedKeysPath, logger: deps.Logger, now: cfg.Now, loc: time.Local},
		fails:    &failLimiter{max: cfg.MaxAuthFailures, window: cfg.AuthFailureWindow, now: cfg.Now, fails: map[string][]failure{}},
		pending:  map[string]*connAuth{},
		perAddr:  map[string]int{},
		logEvery: map[string]*rate.Sometimes{},
		rate:     newSessionLimiter(cfg.SessionsPerMinute, cfg.SessionBurst, cfg.Now),
		programs: map[*sessionState]struct{}{},
	}
	if err := ensureHostKey(cfg.HostKeyPath, deps.Logger); err != nil {
		return nil, err
	}
	// Bad modes are not fatal: the console runs, nobody gets in, and the
	// file is checked again at every login, so a chmod is enough.
	if _, _, err := s.keys.Reload(); err != nil && !errors.Is(err, errBadModes) {
		return nil, err
	}
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Addr),
		wish.WithHostKeyPath(cfg.HostKeyPath),
		wish.WithPublicKeyAuth(s.publicKeyHandler),
		func(srv *ssh.Server) error {
			srv.ServerConfigCallback = s.serverConfig
			srv.ConnCallback = s.connCallback
			srv.ConnectionFailedCallback = s.connectionFailed
			srv.PtyCallback = s.ptyAllowed
			return nil
		},
		// Outermost last: wish wraps in list order. The pattern's
		// "dependencies in context" step is not needed: every handler is
		// a method of Server and reads s.deps, fixed after NewServer.
		wish.WithMiddleware(
			s.goodbyeMiddleware(),
			s.teaMiddleware(),
			s.execMiddleware(),
			s.loggingMiddleware(),
			s.authRecheckMiddleware(),
			s.rateLimitMiddleware(),
			s.recoverMiddleware(),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("console: configure ssh server: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// ensureHostKey creates the ed25519 host key on first run, in a 0700
// directory, so the key's fingerprint stays stable across restarts. An
// existing key readable by others is made 0600 (logged); one that belongs
// to someone else or sits in a folder others may write is refused.
func ensureHostKey(path string, log *slog.Logger) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("console: create host key directory: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		old, _ := os.Lstat(path)
		repaired, err := checkHostKey(path)
		if err != nil {
			return err
		}
		if repaired {
			log.Warn("console: the host key was readable by others; made it 0600 (consider a new key if others could log in to this machine)",
				"path", path, "was", fmt.Sprintf("%04o", old.Mode().Perm()))
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("console: host key: %w", err)
	}
	if _, err := keygen.New(path, keygen.WithKeyType(keygen.Ed25519), keygen.WithWrite()); err != nil {
		return fmt.Errorf("console: generate host key %s: %w", path, err)
	}
	return nil
}

// ReloadAuthorizedKeys re-reads authorized_keys now (for SIGHUP). It
// returns the number of keys and a description of each skipped line.
func (s *Server) ReloadAuthorizedKeys() (int, []string, error) {
	n, bad, err := s.keys.Reload()
	msgs := make([]string, len(bad))
	for i, b := range bad {
		msgs[i] = b.Error()
	}
	return n, msgs, err
}

// Listen binds the address without serving yet, so Addr is known (tests
// use port 0). ListenAndServe and Start call it.
func (s *Server) Listen() error {
	s.lnOnce.Do(func() {
		ln, err := net.Listen("tcp", s.cfg.Addr)
		if err != nil {
			s.lnErr = fmt.Errorf("console: listen on %s: %w", s.cfg.Addr, err)
			return
		}
		s.ln = ln
	})
	return s.lnErr
}

// Addr is the listening address ("" before Listen).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// ListenAndServe serves until Shutdown or Close, then returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.log.Info("console: ssh listening", "addr", s.Addr())
	err := s.ssh.Serve(s.ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return ErrServerClosed
	}
	return fmt.Errorf("console: serve: %w", err)
}

// Start listens and serves in the background; errors after the listen
// are logged.
func (s *Server) Start() error {
	if err := s.Listen(); err != nil {
		return err
	}
	go func() {
		if err := s.ListenAndServe(); !errors.Is(err, ErrServerClosed) {
			s.log.Error("console: ssh server stopped", "err", err)
		}
	}()
	return nil
}

// Shutdown stops accepting connections, asks every interactive session to
// say goodbye and quit, and waits for sessions to end until ctx expires;
// then it closes what is left. Technicians are not left hanging: an open
// console would otherwise keep the kiosk from restarting.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for st := range s.programs {
		st.quit("the kiosk is shutting down")
	}
	s.mu.Unlock()
	s.closePending()
	// SSH connections outlive their sessions (a client may keep one open
	// with no session), so wait for the session handlers, not for the
	// connections, and then drop the connections.
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	var err error
wait:
	for {
		s.mu.Lock()
		n := s.active
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("console: shutdown: %d sessions still running: %w", n, ctx.Err())
			break wait
		case <-t.C:
		}
	}
	if cerr := s.ssh.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("console: shutdown: %w", cerr)
	}
	return err
}

// Close stops the server and drops every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.closePending()
	if err := s.ssh.Close(); err != nil {
		return fmt.Errorf("console: close: %w", err)
	}
	return nil
}

// connAuth is what is known about a connection while it authenticates:
// the attempts that failed, reported once if it never gets in (an agent
// offering several keys before the right one is not an incident), and the
// timer that closes it when the login grace time is up.
type connAuth struct {
	ip       string
	attempts []string
	lastFP   string // fingerprint of the last key refused
	conn     *trackedConn
	grace    *time.Timer
	expired  bool // closed by the grace timer
}

// The algorithms the console offers: what OpenSSH offers by default today,
// without SHA-1 anywhere (no diffie-hellman-group14-sha1 or other SHA-1
// key exchange, no hmac-sha1, no ssh-rsa SHA-1 signatures) and without
// CBC or RC4 ciphers. A client that offers only those cannot connect.
var (
	kexAlgos = []string{
		gossh.KeyExchangeMLKEM768X25519, gossh.KeyExchangeCurve25519, "curve25519-sha256@libssh.org",
		gossh.KeyExchangeECDHP256, gossh.KeyExchangeECDHP384, gossh.KeyExchangeECDHP521,
		gossh.KeyExchangeDH16SHA512, gossh.KeyExchangeDH14SHA256,
	}
	cipherAlgos = []string{
		gossh.CipherChaCha20Poly1305, gossh.CipherAES256GCM, gossh.CipherAES128GCM,
		gossh.CipherAES256CTR, gossh.CipherAES192CTR, gossh.CipherAES128CTR,
	}
	macAlgos = []string{gossh.HMACSHA256ETM, gossh.HMACSHA512ETM, gossh.HMACSHA256, gossh.HMACSHA512}
	// pubKeyAlgos are the signatures a technician's key may sign with;
	// an RSA key signs with rsa-sha2-256/512 (every OpenSSH since 7.2).
	pubKeyAlgos = []string{
		gossh.KeyAlgoED25519, gossh.KeyAlgoSKED25519, gossh.KeyAlgoECDSA256, gossh.KeyAlgoSKECDSA256,
		gossh.KeyAlgoECDSA384, gossh.KeyAlgoECDSA521, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSASHA512,
	}
)

// serverConfig hardens the x/crypto config wish builds on. It is called
// once per connection.
func (s *Server) serverConfig(ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		Config: gossh.Config{
			KeyExchanges: kexAlgos,
			Ciphers:      cipherAlgos,
			MACs:         macAlgos,
		},
		PublicKeyAuthAlgorithms: pubKeyAlgos,
		MaxAuthTries:            6,
		AuthLogCallback: func(conn gossh.ConnMetadata, method string, err error) {
			remote := conn.RemoteAddr().String()
			ip := hostOf(conn.RemoteAddr())
			if err == nil {
				s.fails.forgive(ip, remote)
				s.mu.Lock()
				if ca := s.pending[remote]; ca != nil {
					ca.stop()
					delete(s.pending, remote)
				}
				s.mu.Unlock()
				return
			}
			// "none" is every client's first probe, not an attempt.
			if method == "none" {
				return
			}
			s.fails.fail(ip, remote)
			attempt := method
			s.mu.Lock()
			if ca := s.pending[remote]; ca != nil {
				if method == "publickey" && ca.lastFP != "" {
					attempt += " " + ca.lastFP
					ca.lastFP = ""
				}
				ca.attempts = append(ca.attempts, attempt)
			}
			s.mu.Unlock()
		},
	}
}

// connCallback admits a new TCP connection, or closes it at once: after
// too many failed logins from its address, when its address has
// MaxPerAddress connections open, or when MaxStartups connections are
// still authenticating. An admitted one has LoginGraceTime to log in.
// So a flood of idle connections holds a bounded, short-lived set of
// them, not memory for ever.
func (s *Server) connCallback(_ ssh.Context, conn net.Conn) net.Conn {
	ip := hostOf(conn.RemoteAddr())
	remote := conn.RemoteAddr().String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	refuse := func(reason, msg string) net.Conn {
		s.deps.Metrics.SSHRefused(reason)
		s.sometimes(reason, func() { s.log.Warn("console: connection refused: "+msg, "remote", ip) })
		return nil
	}
	if s.fails.blocked(ip) {
		return refuse("blocked", "too many failed logins")
	}
	if s.cfg.MaxPerAddress > 0 && s.perAddr[ip] >= s.cfg.MaxPerAddress {
		return refuse("per_address", fmt.Sprintf("%d connections open from this address (MaxPerAddress)", s.perAddr[ip]))
	}
	if len(s.pending) >= s.cfg.MaxStartups {
		return refuse("startups", fmt.Sprintf("%d connections not yet authenticated (MaxStartups)", len(s.pending)))
	}
	tc := &trackedConn{Conn: conn, s: s, ip: ip, remote: remote}
	ca := &connAuth{ip: ip, conn: tc}
	if g := s.cfg.LoginGraceTime; g > 0 {
		ca.grace = time.AfterFunc(g, func() { s.graceExpired(ca) })
	}
	s.pending[remote] = ca
	s.perAddr[ip]++
	return tc
}

// graceExpired closes a connection that did not log in in time. Only the
// socket is closed here: the SSH library then fails the handshake and
// reports it (connectionFailed), and the connection is released when the
// library closes it.
func (s *Server) graceExpired(ca *connAuth) {
	s.mu.Lock()
	if s.pending[ca.conn.remote] != ca {
		s.mu.Unlock()
		return // logged in meanwhile
	}
	ca.expired = true
	s.mu.Unlock()
	s.deps.Metrics.SSHRefused("grace")
	s.sometimes("grace", func() {
		s.log.Warn("console: connection closed: no login within the grace time", "remote", ca.ip, "grace", s.cfg.LoginGraceTime.String())
	})
	_ = ca.conn.Conn.Close()
}

func (ca *connAuth) stop() {
	if ca.grace != nil {
		ca.grace.Stop()
	}
}

// sometimes runs log at most once every 10 s per reason: a flood of
// refused connections must not fill the SD card with the same line.
// Called with s.mu held or not; it has its own state.
func (s *Server) sometimes(reason string, log func()) {
	s.logMu.Lock()
	st := s.logEvery[reason]
	if st == nil {
		st = &rate.Sometimes{Interval: 10 * time.Second}
		s.logEvery[reason] = st
	}
	s.logMu.Unlock()
	st.Do(log)
}

// trackedConn counts a connection against its address until it closes.
type trackedConn struct {
	net.Conn
	s          *Server
	ip, remote string
	once       sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.s.release(c) })
	return err
}

// release forgets a closed connection's place in its address's count.
// Its pending entry, if any, stays for connectionFailed, which the SSH
// library calls after closing a connection that did not authenticate.
func (s *Server) release(c *trackedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perAddr[c.ip]--; s.perAddr[c.ip] <= 0 {
		delete(s.perAddr, c.ip)
	}
	if ca := s.pending[c.remote]; ca != nil && ca.conn == c {
		ca.stop()
	}
}

// closePending drops every connection still authenticating (the SSH
// library only tracks authenticated ones, so Close would leave them).
func (s *Server) closePending() {
	s.mu.Lock()
	var conns []*trackedConn
	for _, ca := range s.pending {
		ca.stop()
		conns = append(conns, ca.conn)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Conn.Close()
	}
}

// connectionFailed is called when a connection ends before it
// authenticated: one audit record and one metric per refused connection.
func (s *Server) connectionFailed(conn net.Conn, err error) {
	remote := conn.RemoteAddr().String()
	s.mu.Lock()
	ca := s.pending[remote]
	delete(s.pending, remote)
	s.mu.Unlock()
	if ca != nil {
		ca.stop()
	}
	if ca == nil || len(ca.attempts) == 0 {
		return // a port scan, a client that gave up before trying, or one that sat idle until the grace time
	}
	s.deps.Metrics.SSHLogin(false)
	s.record("ssh.auth_failed", map[string]string{"remote": ca.ip, "attempts": strings.Join(ca.attempts, ", ")})
	s.log.Warn("console: authentication failed", "remote", ca.ip, "attempts", strings.Join(ca.attempts, ", "), "err", err)
}

func (s *Server) publicKeyHandler(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.fails.blockedExcept(hostOf(ctx.RemoteAddr()), ctx.RemoteAddr().String()) {
		return false
	}
	fp, _, err := s.keys.authorize(key, addrOf(ctx.RemoteAddr()))
	if err != nil {
		s.mu.Lock()
		if ca := s.pending[ctx.RemoteAddr().String()]; ca != nil {
			ca.lastFP = fp
		}
		s.mu.Unlock()
		if !errors.Is(err, errUnknownKey) {
			s.log.Warn("console: key refused", "fingerprint", fp, "remote", hostOf(ctx.RemoteAddr()), "why", err)
		}
	}
	return err == nil
}

// ptyAllowed refuses a terminal to a key whose line says restrict or
// no-pty (without a later pty), as sshd does.
func (s *Server) ptyAllowed(ctx ssh.Context, _ ssh.Pty) bool {
	key, _ := ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey)
	if key == nil {
		return false
	}
	_, e, err := s.keys.authorize(key, addrOf(ctx.RemoteAddr()))
	return err == nil && !e.opts.noPty
}

// Invalid marks err as an input error (errors.Is(err, ErrInvalid)) while
// keeping its message as it is.
func Invalid(err error) error { return invalidError{err} }

type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// audit writes one record to the audit log. A failure is counted
// (ventanilla_audit_write_failures_total), logged, and returned wrapping
// ErrAudit, so the caller can refuse the action it was about to take.
// Without an audit log (Deps.Audit nil) every write fails: an action that
// cannot be recorded is not taken.
func (s *Server) audit(event string, fields map[string]string) error {
	err := ErrUnavailable
	if s.deps.Audit != nil {
		err = s.deps.Audit.Audit(event, fields)
	}
	if err == nil {
		return nil
	}
	s.deps.Metrics.AuditFailed(event)
	s.log.Error("console: audit write failed", "event", event, "fingerprint", fields["fingerprint"], "err", err)
	return fmt.Errorf("%w: %v", ErrAudit, err)
}

// record writes an audit record of something that has already happened
// or cannot be refused (a login, a refused connection): a failure is only
// counted and logged, by audit.
func (s *Server) record(event string, fields map[string]string) {
	_ = s.audit(event, fields)
}

// act performs a technician's action so that it is always in the audit
// log: the request is written first and the action is refused when it
// cannot be; the outcome is written after it as event+".result". When
// only the outcome cannot be written (the action was done and its request
// is in the log), warn says so to the technician.
func (s *Server) act(st *sessionState, event string, kv []string, warn func(string), do func() error) error {
	if err := s.audit(event, st.auditFields(kv...)); err != nil {
		return fmt.Errorf("not done: %w", err)
	}
	err := do()
	res := st.auditFields(append(kv, "ok", fmt.Sprint(err == nil))...)
	if err != nil {
		res["error"] = clip(Sanitize(err.Error()), 200)
	}
	if aerr := s.audit(event+".result", res); aerr != nil && warn != nil {
		warn("warning: done, but its outcome is not in the audit log: " + aerr.Error())
	}
	return err
}

// addrOf is the IP of a remote address (the zero Addr when unknown, which
// no from= pattern matches).
func addrOf(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(t.IP)
		return ip.Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}
