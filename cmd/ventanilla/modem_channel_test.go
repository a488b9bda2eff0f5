package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
	"github.com/ventanilla-kiosk/ventanilla/store/dispatch"
)

// TestModemChannel: what the dispatcher gets from the kiosk's modem before
// it has one, without a port, on a refusal and on success.
func TestModemChannel(t *testing.T) {
	ctx := context.Background()
	send := func(c *modemChannel) error {
		_, err := c.SendSMS(ctx, "+34611111111", "hola", dispatch.SMSOptions{})
		return err
	}
	c := newModemChannel()
	var _ dispatch.Readiness = c
	changed := c.Changed()
	if err := send(c); !errors.Is(err, modem.ErrNotReady) || !errors.Is(err, dispatch.ErrNotReady) || dispatch.IsPermanent(err) || c.Ready() {
		t.Fatalf("before the supervisor: %v", err)
	}
	noPort := newModemChannel()
	noPort.noPort.Store(true)
	if err := send(noPort); !errors.Is(err, dispatch.ErrNotReady) {
		t.Fatalf("without a port: %v", err)
	}
	if _, err := c.Check(ctx); !errors.Is(err, modem.ErrNotReady) {
		t.Fatalf("check before the supervisor: %v", err)
	}
	if h := c.Health(); h.Ready || !strings.Contains(h.Error, "not ready") {
		t.Fatalf("health before the supervisor: %+v", h)
	}

	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	sup := modem.NewSupervisor(modem.SupervisorConfig{Modem: modem.Config{Port: emu.Path(), MaxAttempts: 1}})
	c.attach(sup)
	select {
	case <-changed:
	default:
		t.Fatal("attaching the supervisor is no change to a dispatcher waiting on Changed")
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = sup.Run(rctx) }()
	for deadline := time.Now().Add(10 * time.Second); !c.Ready(); {
		if time.Now().After(deadline) {
			t.Fatal("the channel never became ready")
		}
		select {
		case <-sup.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := send(c); err != nil {
		t.Fatal(err)
	}
	if h := c.Health(); !h.Ready || h.Error != "" || h.Operator != "Movistar" {
		t.Fatalf("health when up: %+v", h)
	}
	if st, err := c.Check(ctx); err != nil || !st.Registered || st.Operator != "Movistar" || st.Raw == nil {
		t.Fatalf("check: %+v %v", st, err)
	}
	emu.SetFaults(emulator.Faults{Refuse: true})
	if err := send(c); !dispatch.IsPermanent(err) || errors.Is(err, dispatch.ErrNotReady) {
		t.Fatalf("refused: %v", err)
	}
	emu.SetFaults(emulator.Faults{Congestion: 5})
	if err := send(c); dispatch.IsPermanent(err) || errors.Is(err, dispatch.ErrNotReady) || !modem.IsRetryable(err) {
		t.Fatalf("congested: %v", err)
	}
}
