package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	bolt "go.etcd.io/bbolt"
)

// TestOutboxHonoursContext (issue 14.8): the screens give the outbox 15 s;
// a database held by another writer must not keep the visitor waiting
// beyond that, and what the screen is then told ("nothing was sent, try
// again") must be true: the abandoned message is not queued, and a retry
// of the e-mail with the same reference queues it once.
func TestOutboxHonoursContext(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := outbox{db: db, from: "kiosk@example.es"}
	mail := kit.Email{To: "cita@example.es", Subject: "Solicitud", Body: "x", Ref: "REF-1",
		Attachments: []kit.Attachment{{Name: "dni.jpg", ContentType: "image/jpeg", Data: []byte{0xff, 0xd8}}}}

	hold, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.Bolt().Update(func(*bolt.Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	for name, enqueue := range map[string]func(context.Context) error{
		"sms": func(ctx context.Context) error {
			_, err := o.EnqueueSMS(ctx, "+34600000001", "Su código: 1234")
			return err
		},
		"e-mail": func(ctx context.Context) error { _, err := o.EnqueueEmail(ctx, mail); return err },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := enqueue(ctx)
		cancel()
		if !errors.Is(err, store.ErrNotQueued) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s on a busy database: %v, want an error saying it was not queued", name, err)
		}
	}
	close(hold)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first, err := o.EnqueueEmail(ctx, mail) // the visitor presses "try again"
	if err != nil {
		t.Fatal(err)
	}
	again, err := o.EnqueueEmail(ctx, mail) // and once more
	if err != nil || again != first {
		t.Fatalf("retry with the same reference: %s %v, want %s", again, err, first)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jobs, _ := db.List(store.ListFilter{})
	if len(jobs) != 1 || jobs[0].ID != first || jobs[0].Kind != store.KindEmail {
		t.Fatalf("queue after the time-outs and the retry: %+v, want the one e-mail", jobs)
	}
}
