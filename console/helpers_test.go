package console

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ventanilla-kiosk/ventanilla/console/logbuf"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
)

// --- fakes of the kiosk parts ---

type fakeKiosk struct {
	mu    sync.Mutex
	st    KioskStatus
	calls []bool
	err   error // SetMaintenance fails with it (the kiosk said no)
}

func (k *fakeKiosk) Status() KioskStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.st
}

func (k *fakeKiosk) SetMaintenance(_ context.Context, on bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, on)
	if k.err != nil {
		return k.err
	}
	k.st.Maintenance = on
	return nil
}

func (k *fakeKiosk) failWith(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.err = err
}

func (k *fakeKiosk) maintenanceCalls() []bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]bool(nil), k.calls...)
}

type fakeQueue struct {
	mu      sync.Mutex
	jobs    []JobView
	retried []string
}

func (q *fakeQueue) Stats(context.Context) (map[string]int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := map[string]int{}
	for _, j := range q.jobs {
		m[j.State]++
	}
	return m, nil
}

func (q *fakeQueue) List(_ context.Context, f QueueFilter) ([]JobView, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []JobView
	for _, j := range q.jobs {
		if f.State != "" && j.State != f.State {
			continue
		}
		out = append(out, j)
	}
	if f.NewestFirst {
		slices.Reverse(out) // jobs are kept oldest first, as in the store
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (q *fakeQueue) Retry(_ context.Context, id string) error {
	if len(id) != 26 { // as the store: a job id is a 26-character ULID
		return Invalid(fmt.Errorf("bad job id %q", id))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, j := range q.jobs {
		if j.ID == id {
			q.jobs[i].State = "pending"
			q.retried = append(q.retried, id)
			return nil
		}
	}
	return fmt.Errorf("job %s: %w", id, ErrNotFound)
}

func (q *fakeQueue) Dead(ctx context.Context) ([]JobView, error) {
	return q.List(ctx, QueueFilter{State: "dead"})
}

func (q *fakeQueue) retriedIDs() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.retried...)
}

type fakeModem struct {
	mu   sync.Mutex
	sent []string
	err  error
}

func (m *fakeModem) Health() ModemHealth {
	if m.err != nil {
		return ModemHealth{Error: m.err.Error()}
	}
	return ModemHealth{Ready: true, Registered: true, Operator: "Movistar", SignalDBm: -71}
}

func (m *fakeModem) Check(context.Context) (ModemStatus, error) {
	if m.err != nil {
		return ModemStatus{}, m.err
	}
	return ModemStatus{SIM: "READY", Registration: "home", Registered: true, Operator: "Movi\x1b[2Jstar", Signal: 21, SignalDBm: -71}, nil
}

// Number stands in for the kiosk's reading of numbers (procedure's, tested
// there and through the real kiosk): Spanish mobiles nationally or with
// +34, other countries with +.
func (m *fakeModem) Number(raw string) (string, error) {
	d := strings.NewReplacer(" ", "", "-", "").Replace(raw)
	switch {
	case len(d) == 9 && (d[0] == '6' || d[0] == '7'):
		return "+34" + d, nil
	case len(d) >= 9 && len(d) <= 16 && d[0] == '+' && strings.Trim(d[1:], "0123456789") == "":
		return d, nil
	}
	return "", errors.New("not a Spanish mobile or an international number")
}

func (m *fakeModem) SendTest(_ context.Context, to string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to)
	return nil
}

// fakeCamera's frame is a document: fine black-on-white print over a grey
// desk, the kind of detail the privacy mosaic must not let through.
type fakeCamera struct{ none bool }

func (fakeCamera) Info() CameraInfo {
	return CameraInfo{Device: "sim0", Format: "MJPG", Width: 640, Height: 480, FPS: 15, Frames: 1234, Simulated: true}
}

func (c fakeCamera) LatestFrame(dst *image.Gray) *image.Gray {
	if c.none {
		return nil
	}
	if dst == nil {
		dst = &image.Gray{}
	}
	*dst = *documentFrame()
	return dst
}

func documentFrame() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 160, 96))
	for y := range 96 {
		for x := range 160 {
			v := uint8(90 + x/4) // the desk
			if x >= 20 && x < 140 && y >= 12 && y < 84 {
				v = 240 // the card
				if (x/2+y/3)%2 == 0 && y%6 < 4 {
					v = 20 // its print
				}
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img
}

type auditRec struct {
	event  string
	fields map[string]string
}

// fakeAudit is the audit sink; fail makes every write whose event
// matches fail, as a full disk would.
type fakeAudit struct {
	mu   sync.Mutex
	recs []auditRec
	fail func(event string) bool
}

var errDiskFull = errors.New("store: audit: write ventanilla.db: no space left on device")

func (a *fakeAudit) Audit(event string, fields map[string]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil && a.fail(event) {
		return errDiskFull
	}
	a.recs = append(a.recs, auditRec{event, fields})
	return nil
}

func (a *fakeAudit) failing(f func(event string) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail = f
}

func (a *fakeAudit) events(name string) []auditRec {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []auditRec
	for _, r := range a.recs {
		if r.event == name {
			out = append(out, r)
		}
	}
	return out
}

// --- test server and clients ---

type testEnv struct {
	srv    *Server
	dir    string
	signer gossh.Signer
	hostPK gossh.PublicKey
	kiosk  *fakeKiosk
	queue  *fakeQueue
	modem  *fakeModem
	audit  *fakeAudit
	logs   *logbuf.Buffer
	met    *metrics.Metrics
}

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedLine(s gossh.Signer, comment string) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment + "\n"
}

// newEnv starts a console on a random loopback port with fakes for every
// dependency and one authorized key.
func newEnv(t testing.TB, mod func(*Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	e := &testEnv{
		dir:    dir,
		signer: newSigner(t),
		kiosk: &fakeKiosk{st: KioskStatus{KioskID: "mad-012", Office: "Madrid Centro", Version: "v1.2.3",
			Started: time.Now().Add(-time.Hour), Step: "fnmt/2-request", Visitor: true, LastError: "smtp: \x1b]0;pwned\x07timeout",
			Sessions: map[string]int{"started": 3}}},
		queue: &fakeQueue{jobs: []JobView{
			{ID: "01JOB00000000000000000000A", Kind: "sms", State: "pending", Attempts: 1, To: "+34 6•• ••• •12", Created: time.Now()},
			{ID: "01JOB00000000000000000000B", Kind: "email", State: "dead", Attempts: 8, To: "•••@•••.es", LastError: "550 \u009b2J rejected"},
		}},
		modem: &fakeModem{},
		audit: &fakeAudit{},
		logs:  logbuf.New(logbuf.Options{}),
	}
	e.met = metrics.New(metrics.Options{QueueStats: e.queue.Stats})
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(authorizedLine(e.signer, "alice@laptop")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Addr:               "127.0.0.1:0",
		HostKeyPath:        filepath.Join(dir, "keys", "ssh_host_ed25519"),
		AuthorizedKeysPath: filepath.Join(dir, "authorized_keys"),
		Version:            "v1.2.3",
		KioskID:            "mad-012",
		// Tests open many sessions; TestSessionRateLimit turns it back on.
		SessionsPerMinute: -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	logger := slog.New(slog.NewMultiHandler(e.logs.Handler()))
	srv, err := NewServer(cfg, Deps{Kiosk: e.kiosk, Queue: e.queue, Modem: e.modem, Camera: fakeCamera{},
		Audit: e.audit, Logs: e.logs, Metrics: e.met, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.srv = srv
	pub, err := os.ReadFile(cfg.HostKeyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	e.hostPK, _, _, _, err = gossh.ParseAuthorizedKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *testEnv) clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "tech",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(e.hostPK),
		Timeout:         5 * time.Second,
	}
}

func (e *testEnv) dial(t testing.TB, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	if len(auth) == 0 {
		auth = []gossh.AuthMethod{gossh.PublicKeys(e.signer)}
	}
	return gossh.Dial("tcp", e.srv.Addr(), e.clientConfig(auth...))
}

func (e *testEnv) mustDial(t testing.TB) *gossh.Client {
	t.Helper()
	c, err := e.dial(t)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// run executes one command and returns stdout, stderr and the exit status.
func (e *testEnv) run(t testing.TB, cmd string) (string, string, int) {
	t.Helper()
	c, err := e.dial(t)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	code := 0
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("run %q: %v", cmd, err)
	}
	return out.String(), errOut.String(), code
}

// term is an interactive client with a pty. It answers the terminal
// queries (background colour, device attributes) as a real terminal would.
type term struct {
	t     testing.TB
	sess  *gossh.Session
	stdin io.WriteCloser
	mu    sync.Mutex
	buf   bytes.Buffer
	done  chan struct{}
	more  chan struct{} // signalled after each chunk of output
}

func (e *testEnv) openTerm(t testing.TB, c *gossh.Client, w, h int) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, stdin: stdin, done: make(chan struct{}), more: make(chan struct{}, 1)}
	go func() {
		defer close(tm.done)
		p := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(p)
			if n > 0 {
				tm.mu.Lock()
				tm.buf.Write(p[:n])
				tm.mu.Unlock()
				select {
				case tm.more <- struct{}{}:
				default:
				}
				if bytes.Contains(p[:n], []byte("\x1b[c")) {
					_, _ = io.WriteString(stdin, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
				}
			}
			if err != nil {
				return
			}
		}
	}()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	return tm
}

// screen is everything received so far, without escape sequences.
func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return ansi.Strip(tm.buf.String())
}

func (tm *term) reset() {
	tm.mu.Lock()
	tm.buf.Reset()
	tm.mu.Unlock()
}

func (tm *term) waitFor(want string) {
	tm.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		if strings.Contains(tm.screen(), want) {
			return
		}
		select {
		case <-tm.more:
			continue
		case <-tm.done:
			if strings.Contains(tm.screen(), want) {
				return
			}
		case <-deadline.C:
		}
		break
	}
	tm.t.Fatalf("screen never showed %q; got:\n%s", want, tm.screen())
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, s); err != nil {
		tm.t.Fatalf("send %q: %v", s, err)
	}
}

// raw is everything received so far, escape sequences included.
func (tm *term) raw() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.buf.String()
}

// wait waits for the session to end and returns its error.
func (tm *term) wait() error {
	tm.t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- tm.sess.Wait() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		tm.t.Fatal("session did not end")
		return nil
	}
}
