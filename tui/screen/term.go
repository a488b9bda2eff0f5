package screen

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
)

// Terminal does for a program run with tea.WithoutRenderer what bubbletea
// does only with its own renderer: it puts the input terminal in raw mode
// (keys one by one, no echo, Ctrl+C a key rather than a signal) and sends
// the output terminal's size now and after every SIGWINCH. Either file
// descriptor may be something else than a terminal; it is then left alone.
// The returned stop undoes both; call it after the program has ended.
func Terminal(in, out uintptr, send func(tea.Msg)) (stop func(), err error) {
	var restore func()
	if term.IsTerminal(in) {
		st, err := term.MakeRaw(in)
		if err != nil {
			return nil, fmt.Errorf("screen: raw mode: %w", err)
		}
		restore = func() { _ = term.Restore(in, st) }
	}
	if !term.IsTerminal(out) {
		return func() {
			if restore != nil {
				restore()
			}
		}, nil
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	quit := make(chan struct{})
	done := make(chan struct{})
	sendSize := func() {
		if w, h, err := term.GetSize(out); err == nil {
			send(tea.WindowSizeMsg{Width: w, Height: h})
		}
	}
	go func() {
		defer close(done)
		sendSize()
		for {
			select {
			case <-quit:
				return
			case <-winch:
				sendSize()
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(quit)
		<-done
		if restore != nil {
			restore()
		}
	}, nil
}
