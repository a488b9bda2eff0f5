package console

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/anmitsu/go-shlex"
)

// keyOptions are the options of one authorized_keys line, with the
// meaning sshd(8) gives them (AUTHORIZED_KEYS FILE FORMAT). The console
// implements from=, expiry-time=, command=, restrict, pty and no-pty;
// no-agent-forwarding, no-port-forwarding, no-X11-forwarding and
// no-user-rc are accepted because the console offers none of those
// features. Any other option makes the line refused (fail closed): a
// restriction the console does not enforce must not be believed.
type keyOptions struct {
	// from, when set, is the pattern list the client's address must match.
	from []string
	// expiry, when not zero, is the time after which the key is refused.
	expiry time.Time
	// command, when set, is run instead of whatever the client asked.
	command []string
	// noPty refuses a terminal, hence the interactive console.
	noPty bool
}

// acceptedNoOps are restrictions on features the console never offers.
var acceptedNoOps = map[string]bool{
	"no-agent-forwarding": true, "no-port-forwarding": true,
	"no-x11-forwarding": true, "no-user-rc": true,
}

// parseKeyOptions reads the options x/crypto/ssh split off a line. An
// unknown, unsupported or malformed option is an error: the line is
// refused.
func parseKeyOptions(opts []string, loc *time.Location) (keyOptions, error) {
	var o keyOptions
	seen := map[string]bool{}
	for _, raw := range opts {
		name, value, hasValue := strings.Cut(raw, "=")
		name = strings.ToLower(name)
		if hasValue {
			v, err := unquoteOption(value)
			if err != nil {
				return o, fmt.Errorf("option %s: %w", name, err)
			}
			value = v
		}
		if seen[name] && hasValue {
			// sshd keeps one value; two different ones are a mistake
			// nobody should have to guess about.
			return o, fmt.Errorf("option %s given twice", name)
		}
		seen[name] = true
		switch {
		case name == "from" && hasValue:
			pats, err := parseFrom(value)
			if err != nil {
				return o, fmt.Errorf("option from=%q: %w", value, err)
			}
			o.from = pats
		case name == "expiry-time" && hasValue:
			t, err := parseExpiry(value, loc)
			if err != nil {
				return o, fmt.Errorf("option expiry-time=%q: %w", value, err)
			}
			o.expiry = t
		case name == "command" && hasValue:
			args, err := shlex.Split(value, true)
			if err != nil {
				return o, fmt.Errorf("option command=%q: %w", value, err)
			}
			if len(args) == 0 {
				return o, errors.New("option command= is empty")
			}
			o.command = args
		case name == "restrict" && !hasValue, name == "no-pty" && !hasValue:
			o.noPty = true
		case name == "pty" && !hasValue:
			o.noPty = false // "permits tty allocation previously disabled by restrict"
		case acceptedNoOps[name] && !hasValue:
		default:
			return o, fmt.Errorf("option %q is not supported by the kiosk's console (supported: from=, expiry-time=, command=, restrict, pty, no-pty, no-agent-forwarding, no-port-forwarding, no-X11-forwarding, no-user-rc)", Sanitize(raw))
		}
	}
	return o, nil
}

// unquoteOption reads a double-quoted option value; sshd allows \" inside.
func unquoteOption(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("value must be in double quotes")
	}
	v = v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && v[i+1] == '"' {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String(), nil
}

// parseFrom splits and checks a from= pattern list: each entry is a
// wildcard pattern (* and ?) matched against the client's address, or an
// address/masklen, optionally negated with "!".
func parseFrom(v string) ([]string, error) {
	var pats []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		body := strings.TrimPrefix(p, "!")
		if body == "" {
			return nil, errors.New("empty pattern")
		}
		if strings.Contains(body, "/") {
			pfx, err := netip.ParsePrefix(body)
			if err != nil {
				return nil, fmt.Errorf("bad address/masklen %q", body)
			}
			if pfx.Masked() != pfx {
				// sshd refuses host bits after the mask too: "10.0.0.1/8"
				// is more likely a typo than a wish for 10.0.0.0/8.
				return nil, fmt.Errorf("%q has bits set after the mask length", body)
			}
		}
		pats = append(pats, strings.ToLower(p))
	}
	return pats, nil
}

// fromAllows applies sshd's match_host_and_ip to the client's address: a
// negated pattern that matches refuses, otherwise any positive match
// allows, otherwise refuses. The console does no reverse DNS (sshd's
// UseDNS no, its default), so name patterns are matched against the
// address text.
func fromAllows(pats []string, addr netip.Addr) bool {
	addr = addr.Unmap()
	text := addr.String()
	allowed := false
	for _, p := range pats {
		neg := strings.HasPrefix(p, "!")
		body := strings.TrimPrefix(p, "!")
		var match bool
		if strings.Contains(body, "/") {
			pfx, err := netip.ParsePrefix(body)
			match = err == nil && pfx.Contains(addr)
		} else {
			match = wildcard(body, text)
		}
		if match && neg {
			return false
		}
		allowed = allowed || match
	}
	return allowed
}

// wildcard matches s against an OpenSSH pattern: * any run of characters,
// ? one character, nothing else special (match_pattern in sshd's match.c).
func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if wildcard(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		default:
			if s == "" || p[0] != s[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// parseExpiry reads sshd's YYYYMMDD[HHMM[SS]] timespec, in local time
// unless it ends in Z (UTC).
func parseExpiry(v string, loc *time.Location) (time.Time, error) {
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		v, loc = v[:len(v)-1], time.UTC
	}
	layout := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}[len(v)]
	if layout == "" {
		return time.Time{}, errors.New("want YYYYMMDD[HHMM[SS]][Z]")
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		return time.Time{}, errors.New("want YYYYMMDD[HHMM[SS]][Z]")
	}
	return t, nil
}

// allows reports whether the key may be used from addr at now, and why not.
func (o keyOptions) allows(addr netip.Addr, now time.Time) error {
	if !o.expiry.IsZero() && !now.Before(o.expiry) {
		return fmt.Errorf("the key expired at %s (expiry-time)", o.expiry.Format(time.RFC3339))
	}
	if o.from != nil && !fromAllows(o.from, addr) {
		return fmt.Errorf("from=%q does not allow %s", strings.Join(o.from, ","), addr.Unmap())
	}
	return nil
}
