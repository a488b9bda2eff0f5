package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func startCatcher(t *testing.T) *Catcher {
	t.Helper()
	c, err := StartCatcher("127.0.0.1:0", filepath.Join(t.TempDir(), "mail"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func senderFor(t *testing.T, c *Catcher, timeout time.Duration) *Sender {
	t.Helper()
	host, port, _ := strings.Cut(c.Addr(), ":")
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	s, err := NewSender(Config{Host: host, Port: p, TLS: TLSNone, Timeout: timeout, HELO: "kiosk.test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("dni"), 100)...)

func testMessage() Message {
	return Message{
		From:        "kiosk@ayto.example.es",
		To:          "cita@fnmt.example.es",
		Subject:     "Solicitud de certificado — Begoña Núñez",
		Body:        "Código de solicitud: 123456789\nAñadimos el DNI.",
		Attachments: []Attachment{{Name: "dni-anverso.jpg", ContentType: "image/jpeg", Data: jpeg}},
		MessageID:   "01jabc@ventanilla.test",
	}
}

func readOnlyMessage(t *testing.T, dir string) *netmail.Message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSendToCatcher(t *testing.T) {
	c := startCatcher(t)
	s := senderFor(t, c, 5*time.Second)
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	m := readOnlyMessage(t, c.Dir())
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != testMessage().Subject {
		t.Fatalf("subject %q (%v)", subj, err)
	}
	if got := m.Header.Get("Message-Id"); got != "<01jabc@ventanilla.test>" {
		t.Fatalf("Message-ID %q", got)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q %v", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var gotBody, gotAttach bool
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case p.FileName() == "dni-anverso.jpg":
			gotAttach = bytes.Equal(data, jpeg)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			gotBody = strings.Contains(string(data), "Código de solicitud: 123456789")
		}
	}
	if !gotBody || !gotAttach {
		t.Fatalf("body ok %v, attachment ok %v", gotBody, gotAttach)
	}
}

func TestFaultsClassified(t *testing.T) {
	c := startCatcher(t)
	s := senderFor(t, c, 300*time.Millisecond)
	for _, tc := range []struct {
		fault     Fault
		permanent bool
		code      int
	}{
		{FaultRefuse, false, 0},
		{FaultTemp, false, 451},
		{FaultPerm, true, 550},
		{FaultStall, false, 0},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			if err := c.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err := s.Send(context.Background(), testMessage())
			if err == nil {
				t.Fatal("send succeeded under fault")
			}
			if IsPermanent(err) != tc.permanent {
				t.Fatalf("IsPermanent = %v for %v", !tc.permanent, err)
			}
			var se *SendError
			if tc.code != 0 && (!asSendError(err, &se) || se.Code != tc.code) {
				t.Fatalf("code: %v", err)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
		})
	}
	if err := c.SetFault(FaultNone); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if c.Count() != 1 {
		t.Fatalf("catcher stored %d messages, want 1", c.Count())
	}
}

func asSendError(err error, target **SendError) bool {
	se, ok := err.(*SendError)
	if ok {
		*target = se
	}
	return ok
}

func TestBadAddressPermanent(t *testing.T) {
	c := startCatcher(t)
	s := senderFor(t, c, time.Second)
	m := testMessage()
	m.To = "not an address"
	if err := s.Send(context.Background(), m); !IsPermanent(err) {
		t.Fatalf("bad address: %v, want permanent", err)
	}
}

func TestLeadingCode(t *testing.T) {
	for s, want := range map[string]int{
		"send failed: sending SMTP MAIL FROM command: 451 4.3.0 try later": 451,
		"dial failed: dial tcp 127.0.0.1:45013: connect: refused":          0,
		"550 5.1.1 no": 550,
		"":             0,
	} {
		if got := leadingCode(s); got != want {
			t.Errorf("leadingCode(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzLeadingCode(f *testing.F) {
	f.Add("451 4.3.0 try later")
	f.Add("dial tcp 127.0.0.1:2525")
	f.Fuzz(func(t *testing.T, s string) {
		c := leadingCode(s)
		if c != 0 && (c < 400 || c > 599) {
			t.Fatalf("code %d out of range", c)
		}
	})
}

// TestFaultToggle switches the relay off and on quickly while a sender
// keeps trying: each switch replaces the catcher's listener while the
// previous server may still be starting (under -race this caught serve's
// goroutine reading c.lis as the next serve wrote it).
func TestFaultToggle(t *testing.T) {
	c := startCatcher(t)
	s := senderFor(t, c, 300*time.Millisecond)
	for i := range 30 {
		if err := c.SetFault(FaultRefuse); err != nil {
			t.Fatal(err)
		}
		if err := c.SetFault(FaultNone); err != nil {
			t.Fatalf("toggle %d: %v", i, err)
		}
	}
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("after toggling: %v", err)
	}
	if c.Count() != 1 {
		t.Fatalf("catcher stored %d messages, want 1", c.Count())
	}
}

// TestReplyTo: the Reply-To header carries the visitor's address (the
// call centre's answer goes to them), as a standard parser reads it; a bad
// address is refused before anything is sent.
func TestReplyTo(t *testing.T) {
	c := startCatcher(t)
	s := senderFor(t, c, 5*time.Second)
	m := testMessage()
	m.ReplyTo = "begona.nunez@example.com"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := readOnlyMessage(t, c.Dir())
	rt, err := got.Header.AddressList("Reply-To")
	if err != nil || len(rt) != 1 || rt[0].Address != "begona.nunez@example.com" {
		t.Fatalf("Reply-To %v (%v)", rt, err)
	}
	if from, _ := got.Header.AddressList("From"); len(from) != 1 || from[0].Address != m.From {
		t.Fatalf("From %v", from)
	}

	m.ReplyTo = "not an address"
	var se *SendError
	if err := s.Send(context.Background(), m); !errors.As(err, &se) || !se.Permanent {
		t.Fatalf("bad Reply-To: %v", err)
	}
	if c.Count() != 1 {
		t.Fatalf("catcher stored %d messages, want 1", c.Count())
	}
}
