package console

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// pendingCount is how many connections are authenticating now.
func (s *Server) pendingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// waitFor polls cond (the server works in its own goroutines) for up to
// 10 s: generous for a loaded machine, and only a failure waits that long.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawConn opens a TCP connection that never speaks SSH, from the given
// local address ("" for any).
func rawConn(t *testing.T, addr, from string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedByServer reports whether the server closed c (EOF or reset)
// before the deadline; data it sends first (its version line) is skipped.
func closedByServer(c net.Conn, within time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(within))
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// TestLoginGraceTime: a connection that does not log in within the grace
// time is closed, whether it says nothing or stops after the version line;
// a technician who logged in is not.
func TestLoginGraceTime(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginGraceTime = 300 * time.Millisecond })
	tech := e.mustDial(t) // logged in before the others start waiting

	silent := rawConn(t, e.srv.Addr(), "")
	talker := rawConn(t, e.srv.Addr(), "")
	if _, err := io.WriteString(talker, "SSH-2.0-OpenSSH_9.6\r\n"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]net.Conn{"silent": silent, "version only": talker} {
		if !closedByServer(c, 10*time.Second) {
			t.Errorf("%s connection still open after the grace time", name)
		}
	}
	waitFor(t, "no connection authenticating", func() bool { return e.srv.pendingCount() == 0 })
	if got := metricLine(t, e, `ventanilla_ssh_refused_total{reason="grace"}`); got != "2" {
		t.Errorf("grace expiries counted: %s", got)
	}
	e.logged(t, "no login within the grace time")

	// Well past the grace time, the technician's connection still works.
	time.Sleep(600 * time.Millisecond)
	sess, err := tech.NewSession()
	if err != nil {
		t.Fatalf("authenticated connection closed by the grace timer: %v", err)
	}
	if out, err := sess.Output("status"); err != nil || !strings.Contains(string(out), "mad-012") {
		t.Fatalf("status: %v %q", err, out)
	}
}

// TestMaxStartups: connections beyond the cap on unauthenticated ones are
// closed at once; when the others go, a technician gets in again.
func TestMaxStartups(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxStartups, c.MaxPerAddress, c.LoginGraceTime = 3, -1, time.Minute })
	var idle []net.Conn
	for range 3 {
		idle = append(idle, rawConn(t, e.srv.Addr(), ""))
	}
	waitFor(t, "3 connections authenticating", func() bool { return e.srv.pendingCount() == 3 })
	if c := rawConn(t, e.srv.Addr(), ""); !closedByServer(c, 10*time.Second) {
		t.Fatal("a 4th unauthenticated connection was kept")
	}
	if c, err := e.dial(t); err == nil {
		c.Close()
		t.Fatal("a client got in over the cap")
	}
	if got := metricLine(t, e, `ventanilla_ssh_refused_total{reason="startups"}`); got != "2" {
		t.Errorf("startups refusals counted: %s", got)
	}
	for _, c := range idle {
		_ = c.Close()
	}
	waitFor(t, "the idle connections gone", func() bool { return e.srv.pendingCount() == 0 })
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatal("technician refused after the flood ended")
	}
}

// TestMaxPerAddress: one address may hold MaxPerAddress connections,
// authenticated or not; another address is not affected.
func TestMaxPerAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxPerAddress, c.LoginGraceTime = 2, time.Minute })
	rawConn(t, e.srv.Addr(), "127.0.0.1")
	e.mustDial(t) // an authenticated one counts too
	waitFor(t, "the raw connection registered", func() bool { return e.srv.pendingCount() == 1 })
	if c := rawConn(t, e.srv.Addr(), "127.0.0.1"); !closedByServer(c, 10*time.Second) {
		t.Fatal("a 3rd connection from the same address was kept")
	}
	if c, err := e.dial(t); err == nil {
		c.Close()
		t.Fatal("a 3rd client from the same address got in")
	}
	if got := metricLine(t, e, `ventanilla_ssh_refused_total{reason="per_address"}`); got != "2" {
		t.Errorf("per-address refusals counted: %s", got)
	}
	// 127.0.0.2 is another address on the loopback interface.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", e.srv.Addr())
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2 here: %v", err)
	}
	sc, chans, reqs, err := gossh.NewClientConn(nc, e.srv.Addr(), e.clientConfig(gossh.PublicKeys(e.signer)))
	if err != nil {
		t.Fatalf("another address refused: %v", err)
	}
	gossh.NewClient(sc, chans, reqs).Close()
}

// TestAlgorithms: a client offering only SHA-1 key exchange, only
// hmac-sha1, or only ssh-rsa (SHA-1) signatures cannot connect; an
// ordinary client, and an RSA key signing with SHA-2, can.
func TestAlgorithms(t *testing.T) {
	e := newEnv(t, nil)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := gossh.NewSignerFromKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "authorized_keys"),
		[]byte(authorizedLine(e.signer, "ed")+authorizedLine(rsaSigner, "rsa")), 0o600); err != nil {
		t.Fatal(err)
	}
	e.bumpKeys(t)
	dial := func(mod func(*gossh.ClientConfig), auth gossh.AuthMethod) error {
		cfg := e.clientConfig(auth)
		if mod != nil {
			mod(cfg)
		}
		c, err := gossh.Dial("tcp", e.srv.Addr(), cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	ed := gossh.PublicKeys(e.signer)
	sha1Only, err := gossh.NewSignerWithAlgorithms(rsaSigner.(gossh.AlgorithmSigner), []string{gossh.KeyAlgoRSA})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		mod  func(*gossh.ClientConfig)
		auth gossh.AuthMethod
	}{
		"diffie-hellman-group14-sha1 only": {func(c *gossh.ClientConfig) { c.KeyExchanges = []string{gossh.InsecureKeyExchangeDH14SHA1} }, ed},
		"diffie-hellman-group1-sha1 only":  {func(c *gossh.ClientConfig) { c.KeyExchanges = []string{gossh.InsecureKeyExchangeDH1SHA1} }, ed},
		"hmac-sha1 only": {func(c *gossh.ClientConfig) {
			c.Ciphers, c.MACs = []string{gossh.CipherAES128CTR}, []string{gossh.HMACSHA1}
		}, ed},
		"aes128-cbc only":       {func(c *gossh.ClientConfig) { c.Ciphers = []string{gossh.InsecureCipherAES128CBC} }, ed},
		"ssh-rsa SHA-1 signing": {nil, gossh.PublicKeys(sha1Only)},
	} {
		if err := dial(c.mod, c.auth); err == nil {
			t.Errorf("%s: connected", name)
		}
	}
	for name, c := range map[string]struct {
		mod  func(*gossh.ClientConfig)
		auth gossh.AuthMethod
	}{
		"defaults":             {nil, ed},
		"rsa-sha2-256 signing": {nil, gossh.PublicKeys(rsaSigner)},
		"curve25519, chacha20": {func(c *gossh.ClientConfig) {
			c.KeyExchanges, c.Ciphers = []string{gossh.KeyExchangeCurve25519}, []string{gossh.CipherChaCha20Poly1305}
		}, ed},
		"aes256-ctr, sha2 etm": {func(c *gossh.ClientConfig) {
			c.Ciphers, c.MACs = []string{gossh.CipherAES256CTR}, []string{gossh.HMACSHA256ETM}
		}, ed},
		"mlkem768x25519-sha256": {func(c *gossh.ClientConfig) { c.KeyExchanges = []string{gossh.KeyExchangeMLKEM768X25519} }, ed},
	} {
		if err := dial(c.mod, c.auth); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
