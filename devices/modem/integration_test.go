package modem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// syncBuffer is a bytes.Buffer safe for the emulator's writer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startEmu(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return emu
}

func fastConfig(port string) modem.Config {
	return modem.Config{
		Port:           port,
		CommandTimeout: 2 * time.Second,
		SendTimeout:    3 * time.Second,
		Backoff:        time.Millisecond,
	}
}

func openModem(t testing.TB, cfg modem.Config) *modem.Modem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := modem.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

const spanish = "Hola Ana: su solicitud de certificado FNMT está registrada con el código 123456789. " +
	"Acuda a la oficina con su DNI o NIE en vigor. Si no ha pedido este trámite, ignore este mensaje. ¡Gracias!"

func TestSendOverPTY(t *testing.T) {
	log := &syncBuffer{}
	emu := startEmu(t, emulator.Options{PIN: "1234", Log: log})
	cfg := fastConfig(emu.Path())
	cfg.PIN = "1234"
	m := openModem(t, cfg)
	st := m.LastStatus()
	if !st.Ready() || st.Operator != "Movistar" || st.SignalDBm != -73 || st.SMSC != "+34609090909" {
		t.Fatalf("status after start-up: %+v", st)
	}
	ctx := context.Background()
	res, err := m.SendSMS(ctx, "+34600000000", spanish, modem.SendOptions{ConcatRef: 7})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	wantParts, _ := modem.Parts(spanish)
	if res.Parts != wantParts || len(res.Refs) != wantParts {
		t.Fatalf("result %+v, want %d parts", res, wantParts)
	}
	msgs, err := emu.WaitMessages(1, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != spanish || msgs[0].To != "+34600000000" || msgs[0].Parts != wantParts {
		t.Fatalf("emulator got %+v", msgs[0])
	}
	var logged emulator.Message
	if err := json.Unmarshal([]byte(strings.TrimSpace(log.String())), &logged); err != nil || logged != msgs[0] {
		t.Fatalf("log line %q (%v)", log.String(), err)
	}
	if errors.Is(err, modem.ErrClosed) {
		t.Fatal("unexpected")
	}
}
