package console

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Movistar", "Movistar"},
		{"accents kept", "José Ñúñez · €", "José Ñúñez · €"},
		{"clear screen", "a\x1b[2Jb", "a[2Jb"},
		{"window title OSC", "x\x1b]0;pwned\x07y", "x]0;pwnedy"},
		{"hyperlink OSC 8", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "]8;;http://evil\\click]8;;\\"},
		{"C1 CSI", "a\u009b31mred", "a31mred"},
		{"C1 OSC", "a\u009d0;t\u009cb", "a0;tb"},
		{"newlines", "line1\nline2\r\tend", "line1 line2  end"},
		{"bidi override", "admin\u202egnp.exe", "admingnp.exe"},
		{"bidi isolate", "a\u2066b\u2069c", "abc"},
		{"marks", "a\u200eb\u200fc\u061cd", "abcd"},
		{"DEL and NUL", "a\x7fb\x00c", "abc"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"backspace overwrite", "secret\b\b\b\b\b\bpublic", "secretpublic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSafeJSON(t *testing.T) {
	in := map[string]string{"to": "+34\u009b2J\u202e\x1b[31m"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := safeJSON(raw)
	for _, r := range string(out) {
		if unsafeRune(r) {
			t.Fatalf("unsafe rune %U left in %q", r, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("safeJSON broke JSON: %v (%s)", err, out)
	}
	if back["to"] != in["to"] {
		t.Fatalf("value changed: %q != %q", back["to"], in["to"])
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[2J", "\u009b", "\u202e", "\xff\xfe", "é\x1b]0;x\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("unsafe rune %U in Sanitize(%q)", r, s)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, unsafeRune) && out != s {
			t.Fatalf("changed a clean string %q -> %q", s, out)
		}
	})
}
