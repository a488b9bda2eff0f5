package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "catcher"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

func relayConfig(t *testing.T, c *Catcher, pool *x509.CertPool, policy TLSPolicy, user, pass string) Config {
	host, port, _ := net.SplitHostPort(c.Addr())
	p, _ := strconv.Atoi(port)
	return Config{Host: host, Port: p, TLS: policy, Username: user, Password: pass, Timeout: 2 * time.Second,
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}}
}

// STARTTLS with AUTH, as with the office relay: the right credentials
// deliver, wrong ones are a permanent failure.
func TestStartTLSAndAuth(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	c, err := StartCatcherWith("127.0.0.1:0", filepath.Join(t.TempDir(), "mail"), CatcherOptions{TLS: srvTLS, Username: "kiosk", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := NewSender(relayConfig(t, c, pool, TLSMandatory, "kiosk", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("STARTTLS + AUTH: %v", err)
	}
	if c.Count() != 1 {
		t.Fatalf("catcher stored %d", c.Count())
	}
	bad, _ := NewSender(relayConfig(t, c, pool, TLSMandatory, "kiosk", "wrong"))
	if err := bad.Send(context.Background(), testMessage()); err == nil || !IsPermanent(err) {
		t.Fatalf("wrong password: %v, want a permanent failure", err)
	}
	anon, _ := NewSender(relayConfig(t, c, pool, TLSMandatory, "", ""))
	if err := anon.Send(context.Background(), testMessage()); err == nil {
		t.Fatal("relay requiring AUTH accepted an anonymous sender")
	}
	if c.Count() != 1 {
		t.Fatalf("catcher stored %d", c.Count())
	}
}

// Mandatory STARTTLS never falls back to clear text.
func TestMandatoryTLSRefusesPlainRelay(t *testing.T) {
	c := startCatcher(t)
	_, pool := selfSigned(t)
	s, _ := NewSender(relayConfig(t, c, pool, TLSMandatory, "", ""))
	if err := s.Send(context.Background(), testMessage()); err == nil {
		t.Fatal("sent in clear text under TLSMandatory")
	}
	if c.Count() != 0 {
		t.Fatal("message reached the relay")
	}
	o, _ := NewSender(relayConfig(t, c, pool, TLSOpportunistic, "", ""))
	if err := o.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("opportunistic: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := NewSender(Config{}); err == nil {
		t.Fatal("no host accepted")
	}
	if _, err := NewSender(Config{Host: "x", TLS: "sometimes"}); err == nil {
		t.Fatal("bad policy accepted")
	}
	s, err := NewSender(Config{Host: "x", TLS: TLSImplicit})
	if err != nil || s.cfg.Port != 465 {
		t.Fatalf("implicit TLS default port: %v %d", err, s.cfg.Port)
	}
}
