package console

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// keyring is the set of technician keys from authorized_keys. It re-reads
// the file whenever its modification time or size changed, checked at each
// authentication, so adding or removing a technician needs no restart; and
// it checks the file's ownership and modes every time, as OpenSSH's
// StrictModes does, because chmod changes neither.
type keyring struct {
	path   string
	logger *slog.Logger
	now    func() time.Time
	loc    *time.Location // of expiry-time without Z (time.Local)

	mu       sync.Mutex
	keys     map[string][]keyEntry // SHA256 fingerprint -> its lines
	mtime    time.Time
	size     int64
	seen     bool  // file existed at last look
	insecure error // the file or its folder failed the strict-modes check
}

// keyEntry is one authorized_keys line of a key (a key may have several,
// with different options; any one that allows the connection lets it in,
// as in sshd).
type keyEntry struct {
	line    int
	comment string
	opts    keyOptions
}

// errUnknownKey is returned by authorize for a key in no line.
var errUnknownKey = errors.New("key not in authorized_keys")

// badLine describes a line of authorized_keys that was skipped.
type badLine struct {
	Line int
	Err  error
}

func (b badLine) Error() string { return fmt.Sprintf("line %d: %v", b.Line, b.Err) }

// parseAuthorizedKeys reads every key it can; a bad line is reported and
// skipped so one typo does not lock every technician out. A line with an
// option the console does not enforce is a bad line: refusing it is the
// only safe reading of a restriction that would otherwise be ignored.
func parseAuthorizedKeys(data []byte, loc *time.Location) (map[string][]keyEntry, []badLine) {
	keys := map[string][]keyEntry{}
	var bad []badLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			bad = append(bad, badLine{n, err})
			continue
		}
		if _, isCert := key.(*gossh.Certificate); isCert {
			bad = append(bad, badLine{n, errors.New("certificates are not supported")})
			continue
		}
		ko, err := parseKeyOptions(opts, loc)
		if err != nil {
			bad = append(bad, badLine{n, fmt.Errorf("%w; line refused", err)})
			continue
		}
		fp := gossh.FingerprintSHA256(key)
		keys[fp] = append(keys[fp], keyEntry{line: n, comment: Sanitize(comment), opts: ko})
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, badLine{n + 1, err})
	}
	return keys, bad
}

// Reload reads the file now. It returns how many lines allow a key and
// the skipped lines. A missing file means no key is allowed (not an
// error: the kiosk must still run without technicians); a file that
// fails the strict-modes check lets nobody in and is an error.
func (k *keyring) Reload() (int, []badLine, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reloadLocked()
}

func (k *keyring) reloadLocked() (int, []badLine, error) {
	fi, err := os.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		if k.seen || k.keys == nil {
			k.logger.Warn("console: no authorized_keys file; nobody can log in", "path", k.path)
		}
		k.keys, k.seen, k.mtime, k.size = map[string][]keyEntry{}, false, time.Time{}, 0
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("console: stat authorized keys: %w", err)
	}
	if err := k.checkModesLocked(); err != nil {
		k.keys, k.seen, k.mtime, k.size = map[string][]keyEntry{}, true, fi.ModTime(), fi.Size()
		return 0, nil, err
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return 0, nil, fmt.Errorf("console: read authorized keys: %w", err)
	}
	keys, bad := parseAuthorizedKeys(data, k.loc)
	for _, b := range bad {
		k.logger.Warn("console: skipped a line of authorized_keys", "path", k.path, "line", b.Line, "err", b.Err)
	}
	k.keys, k.seen, k.mtime, k.size = keys, true, fi.ModTime(), fi.Size()
	n := 0
	for _, es := range keys {
		n += len(es)
	}
	k.logger.Info("console: authorized keys loaded", "path", k.path, "keys", n, "skipped", len(bad))
	return n, bad, nil
}

// checkModesLocked runs the strict-modes check and logs when its verdict
// changes (once, not at every login attempt).
func (k *keyring) checkModesLocked() error {
	err := strictModes(k.path)
	switch {
	case err != nil && (k.insecure == nil || k.insecure.Error() != err.Error()):
		k.logger.Error("console: authorized_keys refused, nobody can log in until it is fixed", "path", k.path, "err", err)
	case err == nil && k.insecure != nil:
		k.logger.Info("console: authorized_keys modes fixed", "path", k.path)
	}
	k.insecure = err
	return err
}

// authorize finds a line of the key that allows a connection from addr
// now (reloading first if the file changed). It fails closed: when the
// file cannot be read or fails the strict-modes check, nobody gets in.
// The error says why the key was refused.
func (k *keyring) authorize(key gossh.PublicKey, addr netip.Addr) (string, keyEntry, error) {
	fp := gossh.FingerprintSHA256(key)
	k.mu.Lock()
	defer k.mu.Unlock()
	fi, err := os.Stat(k.path)
	changed := k.keys == nil ||
		(err == nil && (!k.seen || !fi.ModTime().Equal(k.mtime) || fi.Size() != k.size)) ||
		(err != nil && k.seen) ||
		k.insecure != nil // fixed modes do not change mtime: read it again
	if changed {
		if _, _, err := k.reloadLocked(); err != nil {
			k.logger.Error("console: reload authorized keys", "err", err)
			k.keys = map[string][]keyEntry{}
			return fp, keyEntry{}, err
		}
	} else if err == nil {
		if err := k.checkModesLocked(); err != nil {
			return fp, keyEntry{}, err
		}
	}
	entries := k.keys[fp]
	if len(entries) == 0 {
		return fp, keyEntry{}, errUnknownKey
	}
	var why []string
	for _, e := range entries {
		err := e.opts.allows(addr, k.now())
		if err == nil {
			return fp, e, nil
		}
		why = append(why, fmt.Sprintf("line %d: %v", e.line, err))
	}
	return fp, keyEntry{}, fmt.Errorf("key refused by its options: %s", strings.Join(why, "; "))
}

// failLimiter counts failed authentications per remote IP in a sliding
// window; an IP over the limit is refused before any key is looked at and
// its new connections are closed at once.
type failLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]failure
}

// failure is one failed attempt; conn identifies the connection so that
// the attempts of a connection that then authenticates can be forgiven (an
// SSH agent offers every key it holds before the right one).
type failure struct {
	at   time.Time
	conn string
}

// maxTrackedIPs bounds the limiter's memory under a scan from many sources.
const maxTrackedIPs = 4096

func (l *failLimiter) blocked(ip string) bool { return l.blockedExcept(ip, "") }

// blockedExcept ignores the failures of connection conn itself: within
// one connection x/crypto's MaxAuthTries already bounds the attempts, and
// an agent may offer several keys before the right one.
func (l *failLimiter) blockedExcept(ip, conn string) bool {
	if l.max <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, f := range l.recentLocked(ip) {
		if conn == "" || f.conn != conn {
			n++
		}
	}
	return n >= l.max
}

// forgive drops the failures of a connection that then authenticated.
func (l *failLimiter) forgive(ip, conn string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.fails[ip]
	kept := fs[:0]
	for _, f := range fs {
		if f.conn != conn {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		delete(l.fails, ip)
		return
	}
	l.fails[ip] = kept
}

func (l *failLimiter) fail(ip, conn string) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxTrackedIPs {
		for k := range l.fails {
			if len(l.recentLocked(k)) == 0 {
				delete(l.fails, k)
			}
		}
		if len(l.fails) >= maxTrackedIPs {
			// Still full of active sources: forget an arbitrary one
			// rather than grow without bound.
			for k := range l.fails {
				delete(l.fails, k)
				break
			}
		}
	}
	r := append(l.recentLocked(ip), failure{at: l.now(), conn: conn})
	if len(r) > l.max {
		r = r[len(r)-l.max:]
	}
	l.fails[ip] = r
}

func (l *failLimiter) recentLocked(ip string) []failure {
	ts := l.fails[ip]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(ts) && !ts[i].at.After(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.fails, ip)
		return nil
	}
	ts = ts[i:]
	l.fails[ip] = ts
	return ts
}
