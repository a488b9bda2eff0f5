package console

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func FuzzParseAuthorizedKeys(f *testing.F) {
	s := newSigner(f)
	f.Add([]byte(authorizedLine(s, "alice")))
	f.Add([]byte("# c\n\n" + authorizedLine(s, "a") + "junk\n"))
	f.Add([]byte(`command="x",no-pty ` + authorizedLine(s, "b")))
	f.Add([]byte("cert-authority " + authorizedLine(s, "ca")))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, bad := parseAuthorizedKeys(data, time.UTC)
		lines := strings.Count(string(data), "\n") + 1
		if len(keys)+len(bad) > lines {
			t.Fatalf("%d keys + %d bad lines from %d lines", len(keys), len(bad), lines)
		}
		for fp, es := range keys {
			if !strings.HasPrefix(fp, "SHA256:") {
				t.Fatalf("fingerprint %q", fp)
			}
			for _, e := range es {
				if Sanitize(e.comment) != e.comment {
					t.Fatalf("unsanitized comment %q", e.comment)
				}
			}
		}
		for _, b := range bad {
			if b.Line < 1 || b.Line > lines+1 {
				t.Fatalf("bad line number %d of %d", b.Line, lines)
			}
		}
	})
}

func TestParseAuthorizedKeysKeepsGoodLinesAfterBadOnes(t *testing.T) {
	a, b := newSigner(t), newSigner(t)
	data := "ssh-rsa AAAA-truncated\n" + authorizedLine(a, "a") + "\x00\x01binary\n" + authorizedLine(b, "b")
	keys, bad := parseAuthorizedKeys([]byte(data), time.UTC)
	if _, ok := keys[gossh.FingerprintSHA256(a.PublicKey())]; !ok {
		t.Fatal("key a lost")
	}
	if _, ok := keys[gossh.FingerprintSHA256(b.PublicKey())]; !ok {
		t.Fatal("key b lost")
	}
	if len(bad) != 2 {
		t.Fatalf("bad = %+v", bad)
	}
}
