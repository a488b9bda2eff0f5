package dispatch

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
	"github.com/ventanilla-kiosk/ventanilla/store"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFailureLogMasksRecipients: a modem or relay that echoes the number
// in its error does not put it in the log; it reads as package mask shows
// it everywhere else.
func TestFailureLogMasksRecipients(t *testing.T) {
	db := openStore(t, nil)
	const echo = "+CMS ERROR: 21 rejected for +34 612 345 678"
	sms := &fakeSMS{fail: Permanent(errors.New(echo))}
	var logs syncBuf
	run(t, Config{Store: db, SMS: sms, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34612345678", Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead", 5*time.Second, func() bool { return count(t, db, store.KindSMS, store.StateDead) == 1 })
	waitFor(t, "the failure logged", 5*time.Second, func() bool { return strings.Contains(logs.String(), "send failed") })
	if out := logs.String(); strings.Contains(out, "612 345 678") || !strings.Contains(out, mask.Phone("+34612345678")) {
		t.Fatalf("log:\n%s", out)
	}
}
