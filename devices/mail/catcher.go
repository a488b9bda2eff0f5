package mail

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	smtp "github.com/emersion/go-smtp"
)

// Fault makes the catcher misbehave on purpose, so tests and demos can show
// what the outbox does when the relay is down.
type Fault int

// Faults.
const (
	// FaultNone: accept every message.
	FaultNone Fault = iota
	// FaultRefuse: stop listening (connection refused).
	FaultRefuse
	// FaultTemp: answer MAIL FROM with 451 (try again later).
	FaultTemp
	// FaultPerm: answer RCPT TO with 550 (mailbox unavailable).
	FaultPerm
	// FaultStall: accept the TCP connection and never say a word, so the
	// client times out.
	FaultStall
)

// String names the fault (for test names and logs).
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultRefuse:
		return "refuse"
	case FaultTemp:
		return "temp"
	case FaultPerm:
		return "perm"
	case FaultStall:
		return "stall"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Catcher is a loopback SMTP server that writes each accepted message as
// DIR/<time>-<n>.eml. It has no TLS and no auth: it is for demo mode and
// tests, never for a network.
type Catcher struct {
	dir  string
	addr string
	opt  CatcherOptions

	mu      sync.Mutex
	fault   Fault
	srv     *smtp.Server
	lis     net.Listener
	stalled []net.Conn
	closed  bool
	wg      sync.WaitGroup

	seq   atomic.Int64
	count atomic.Int64
}

// CatcherOptions make the catcher behave like a real relay, for tests of
// STARTTLS and SMTP AUTH.
type CatcherOptions struct {
	// TLS enables STARTTLS with this configuration.
	TLS *tls.Config
	// Username and Password, when set, require AUTH PLAIN (only offered
	// after STARTTLS when TLS is set) before MAIL FROM.
	Username, Password string
}

// StartCatcher listens on addr (e.g. "127.0.0.1:0" or "127.0.0.1:2525")
// and stores messages under dir (created 0700).
func StartCatcher(addr, dir string) (*Catcher, error) {
	return StartCatcherWith(addr, dir, CatcherOptions{})
}

// StartCatcherWith is StartCatcher with STARTTLS and/or AUTH.
func StartCatcherWith(addr, dir string, o CatcherOptions) (*Catcher, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail catcher: %w", err)
	}
	c := &Catcher{dir: dir, opt: o}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mail catcher: listen %s: %w", addr, err)
	}
	c.addr = lis.Addr().String()
	c.serve(lis)
	return c, nil
}

// serve starts a server on lis; c.mu must be held or c unpublished.
func (c *Catcher) serve(lis net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{c: c}, nil
	}))
	srv.Domain = "catcher.ventanilla.invalid"
	srv.MaxMessageBytes = 32 << 20
	srv.MaxRecipients = 50
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = nopLogger{}
	srv.TLSConfig = c.opt.TLS
	// Without TLS configured, AUTH over plain text is the only way to test
	// it; the catcher only listens on loopback anyway.
	srv.AllowInsecureAuth = c.opt.TLS == nil
	sl := &stallListener{Listener: lis, c: c}
	c.srv, c.lis = srv, sl
	c.wg.Add(1)
	// The goroutine gets its own listener and server: c.lis and c.srv
	// belong to c.mu, and a later SetFault replaces them while this
	// Serve may still be starting.
	go func() {
		defer c.wg.Done()
		_ = srv.Serve(sl)
	}()
}

type nopLogger struct{}

// Printf drops go-smtp's connection chatter (it would echo addresses).
func (nopLogger) Printf(string, ...any) {}

// Println drops go-smtp's connection chatter.
func (nopLogger) Println(...any) {}

// Addr is host:port the catcher listens on (stable across FaultRefuse).
func (c *Catcher) Addr() string { return c.addr }

// Dir is where messages are stored.
func (c *Catcher) Dir() string { return c.dir }

// Count is the number of messages stored since start.
func (c *Catcher) Count() int { return int(c.count.Load()) }

// SetFault switches the catcher's behaviour. Leaving FaultRefuse listens
// again on the same address.
func (c *Catcher) SetFault(f Fault) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("mail catcher: closed")
	}
	prev := c.fault
	c.fault = f
	if f != FaultStall {
		c.releaseStalled()
	}
	switch {
	case f == FaultRefuse && prev != FaultRefuse:
		c.stopServer()
	case f != FaultRefuse && prev == FaultRefuse:
		lis, err := net.Listen("tcp", c.addr)
		if err != nil {
			c.fault = FaultRefuse
			return fmt.Errorf("mail catcher: listen again on %s: %w", c.addr, err)
		}
		c.serve(lis)
	}
	return nil
}

func (c *Catcher) stopServer() {
	if c.srv != nil {
		// Close the listener ourselves too: Serve registers it with the
		// server from its goroutine, which may not have run yet.
		_ = c.lis.Close()
		_ = c.srv.Close()
		c.srv = nil
	}
}

func (c *Catcher) releaseStalled() {
	for _, conn := range c.stalled {
		_ = conn.Close()
	}
	c.stalled = nil
}

func (c *Catcher) currentFault() Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fault
}

// Close stops the catcher and waits for its goroutines.
func (c *Catcher) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.releaseStalled()
	c.stopServer()
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// stallListener swallows connections while the fault is FaultStall: the
// client's TCP connect succeeds but no greeting ever comes.
type stallListener struct {
	net.Listener
	c *Catcher
}

// Accept hands connections to the server except while stalling.
func (l *stallListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.c.mu.Lock()
		if l.c.fault == FaultStall && !l.c.closed {
			l.c.stalled = append(l.c.stalled, conn)
			l.c.mu.Unlock()
			continue
		}
		l.c.mu.Unlock()
		return conn, nil
	}
}

type session struct {
	c      *Catcher
	from   string
	to     []string
	authed bool
}

// AuthMechanisms offers PLAIN when the catcher requires credentials.
func (s *session) AuthMechanisms() []string {
	if s.c.opt.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials against the catcher's.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.c.opt.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if subtle.ConstantTimeCompare([]byte(user), []byte(s.c.opt.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(s.c.opt.Password)) != 1 {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		s.authed = true
		return nil
	}), nil
}

// Reset forgets the envelope (RSET); authentication stays.
func (s *session) Reset() { s.from, s.to = "", nil }

// Logout ends the session.
func (s *session) Logout() error { return nil }

// Mail accepts the sender unless a fault or missing AUTH says no.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.c.opt.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	if s.c.currentFault() == FaultTemp {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure (catcher fault), try again later"}
	}
	s.from = from
	return nil
}

// Rcpt accepts a recipient unless FaultPerm is on.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.c.currentFault() == FaultPerm {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable (catcher fault)"}
	}
	s.to = append(s.to, to)
	return nil
}

// Data stores the message as an .eml file (atomically).
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	if s.c.currentFault() == FaultTemp {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure (catcher fault)"}
	}
	n := s.c.seq.Add(1)
	name := fmt.Sprintf("%s-%04d.eml", time.Now().UTC().Format("20060102T150405.000000000Z"), n)
	if err := writeFileAtomic(filepath.Join(s.c.dir, name), buf.Bytes()); err != nil {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "cannot store message"}
	}
	s.c.count.Add(1)
	return nil
}

// writeFileAtomic writes via a temporary name so a reader of DIR never
// sees half a message.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
