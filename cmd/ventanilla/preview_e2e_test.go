package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"
)

// consoleTerm is an interactive technician console over SSH on a pty.
type consoleTerm struct {
	t     *testing.T
	in    io.Writer
	out   *syncBuffer
	mark  int
	close func()
}

func openConsole(t *testing.T, addr string, signer ssh.Signer) *consoleTerm {
	t.Helper()
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "tech", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 40, 120, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	ct := &consoleTerm{t: t, in: in, out: &syncBuffer{}}
	go func() {
		p := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(p)
			if n > 0 {
				_, _ = ct.out.Write(p[:n])
				// The console asks the terminal for its background colour
				// (then device attributes): answer as a dark xterm does.
				if bytes.Contains(p[:n], []byte("\x1b[c")) {
					_, _ = io.WriteString(in, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
				}
			}
			if err != nil {
				return
			}
		}
	}()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	ct.close = func() { _ = s.Close(); _ = c.Close() }
	t.Cleanup(ct.close)
	return ct
}

func (c *consoleTerm) send(s string) {
	if _, err := io.WriteString(c.in, s); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor waits until want shows after the mark (escape sequences
// stripped) and moves the mark past it.
func (c *consoleTerm) waitFor(want string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s := ansi.Strip(c.out.String())
		if i := strings.Index(s[min(c.mark, len(s)):], want); i >= 0 {
			c.mark += i + len(want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := ansi.Strip(c.out.String())
	c.t.Fatalf("the console never showed %q; last output:\n%s", want, s[max(0, len(s)-3000):])
}

// TestConsolePreviewDuringAndAfterAVisit: a technician watches the live
// camera preview while a visitor is on the DNI photo step of the Cl@ve
// procedure: the console says the picture is blurred for the visitor's
// privacy (issue 14.2). The visitor cancels (F10, "se borrarán las fotos")
// and the kiosk goes home: the preview then shows nothing of them, no
// frame at all, until the camera is used again (issue 16.1).
func TestConsolePreviewDuringAndAfterAVisit(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the whole kiosk")
	}
	tech := newTechnician(t)
	signer := tech.signer
	k := startKioskWith(t, "", func(data string) { tech.authorize(t, data) })
	addr := waitLog(t, k.data, listenRE)[1]
	k.send("2")
	k.identity()
	// The DNI photo step: the simulated visitor shows the card.
	k.waitLive("Pulse Enter para aceptarla", 20*time.Second)

	con := openConsole(t, addr, signer)
	con.waitFor("Technicians")
	con.send("3")
	con.waitFor("Frames") // the Devices tab's camera column
	con.send("p")
	con.waitFor("Live preview")
	con.waitFor("blurred for their privacy")

	k.send("\x1b[21~") // F10
	k.wait("Se borrarán")
	k.send(keyEnter)
	k.wait("Necesito ayuda")
	con.waitFor("no frame: the camera is not in use")
	time.Sleep(time.Second) // several refreshes: the frame stays gone
	s := ansi.Strip(con.out.String())
	if i := strings.LastIndex(s, "no frame: the camera is not in use"); strings.Contains(s[i:], "blurred for their privacy") {
		t.Fatal("after the visit the preview shows a frame again")
	}
}
