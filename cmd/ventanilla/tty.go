package main

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
)

// errTerminalGone ends the kiosk when its terminal goes away.
var errTerminalGone = errors.New("the kiosk's terminal went away")

// ttyInput is the kiosk's terminal as the visitor screen reads it. When the
// terminal goes away (tmux kill-session, an SSH or serial line dropping) the
// kernel sends SIGHUP only to the terminal's session leader, which under
// `make run` is make, and make waits for its child; the kiosk's next read
// returns EOF (or EIO), and bubbletea ends its read loop silently on EOF.
// ttyInput notices that read and calls gone, so the kiosk stops as it does
// for SIGTERM instead of holding the database, the modem and the SSH port
// for nobody.
//
// It embeds the *os.File so that bubbletea still sees a terminal (Fd for raw
// mode, and an epoll-cancellable reader).
type ttyInput struct {
	*os.File
	once sync.Once
	gone func(error)
}

// watchTerminal wraps in when it is a file; other readers (tests) are
// returned as they are.
func watchTerminal(in io.Reader, gone func(error)) io.Reader {
	f, ok := in.(*os.File)
	if !ok {
		return in
	}
	return &ttyInput{File: f, gone: gone}
}

// Read implements io.Reader.
func (t *ttyInput) Read(p []byte) (int, error) {
	n, err := t.File.Read(p)
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO)) {
		t.once.Do(func() { t.gone(err) })
	}
	return n, err
}
