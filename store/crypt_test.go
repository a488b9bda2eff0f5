package store

import (
	"bytes"
	"errors"
	bolt "go.etcd.io/bbolt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A fake DNI photo: JPEG magic, then a recognisable body.
var dniJPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, bytes.Repeat([]byte("DNI-12345678Z "), 2000)...)

func emailWithDNI(to string) NewJob {
	return NewJob{Kind: KindEmail, Payload: Payload{To: to, Subject: "Solicitud", Body: "Begoña Núñez, NIF 12345678Z",
		Attachments: []Attachment{{Name: "dni.jpg", ContentType: "image/jpeg", Data: dniJPEG}}}}
}

func fileHas(t *testing.T, path string, needles ...[]byte) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			found = append(found, string(n))
		}
	}
	return found
}

func TestPersonalDataEncryptedAndPurged(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, newClock(), nil)
	var ids []string
	for i := 0; i < 5; i++ {
		j, err := db.Enqueue(emailWithDNI("begona.nunez@example.es"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	sms, err := db.Enqueue(smsJob("+34612345678", "Su código FNMT es 987654"))
	if err != nil {
		t.Fatal(err)
	}
	// The JPEG header whole: its first three bytes alone turn up in
	// ~150 KB of ciphertext about one run in 200.
	secrets := [][]byte{dniJPEG[:10], []byte("DNI-12345678Z"), []byte("begona.nunez"), []byte("612345678"), []byte("987654"), []byte("12345678Z")}
	db.Close()
	if found := fileHas(t, filepath.Join(dir, FileName), secrets...); len(found) > 0 {
		t.Fatalf("database file contains personal data in clear: %q", found)
	}
	db = openTest(t, dir, newClock(), nil)
	got, err := db.Claim(KindEmail, 10)
	if err != nil || len(got) != 5 || !bytes.Equal(got[0].Payload.Attachments[0].Data, dniJPEG) {
		t.Fatalf("claim after reopen: %d jobs, %v", len(got), err)
	}
	// Capture the ciphertexts, deliver, and check they are gone.
	var sealed [][]byte
	_ = db.bolt.View(func(tx *bboltTx) error {
		for _, id := range ids {
			uid, _ := ParseID(id)
			sealed = append(sealed, bytes.Clone(tx.Bucket(bPayload).Get(uid[:])[:64]))
		}
		return nil
	})
	for _, id := range ids {
		if err := db.Done(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Claim(KindSMS, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(sms.ID); err != nil {
		t.Fatal(err)
	}
	s, _ := db.Stats()
	if s.Payloads != 0 {
		t.Fatalf("%d payloads left after delivery", s.Payloads)
	}
	for _, id := range ids {
		j, _ := db.Get(id)
		if j.HasPayload || j.State != StateDone {
			t.Fatalf("job %s: %+v", id, j)
		}
	}
	db.Close()
	// Deleted from the tree at once; the freed pages (ciphertext only)
	// are physically gone after compaction.
	if _, _, err := Compact(dir); err != nil {
		t.Fatal(err)
	}
	if found := fileHas(t, filepath.Join(dir, FileName), sealed...); len(found) > 0 {
		t.Fatalf("%d ciphertexts still in the compacted file", len(found))
	}
	log := auditText(t, dir)
	if strings.Count(log, EventPayloadPurged) != 6 || strings.Contains(log, "begona") || strings.Contains(log, "612345678") {
		t.Fatalf("audit log:\n%s", log)
	}
}

func auditText(t *testing.T, dir string) string {
	t.Helper()
	db := openTest(t, dir, newClock(), nil)
	defer db.Close()
	entries, err := db.AuditLog(time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Event)
		for k, v := range e.Fields {
			b.WriteString(" " + k + "=" + v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestWrongKeyClearError(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, newClock(), nil)
	if _, err := db.Enqueue(emailWithDNI("a@example.es")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	keyPath := filepath.Join(dir, KeyFileName)
	orig, _ := os.ReadFile(keyPath)

	// Another kiosk's key.
	if err := os.WriteFile(keyPath, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "put the right key file back") {
		t.Fatalf("wrong key: %v", err)
	}
	// No key at all: not silently replaced by a new one.
	os.Remove(keyPath)
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrKeyMissing) || !strings.Contains(err.Error(), "restore it from backup") {
		t.Fatalf("missing key: %v", err)
	}
	if _, statErr := os.Stat(keyPath); statErr == nil {
		t.Fatal("Open created a new key over encrypted data")
	}
	// Readable by others.
	if err := os.WriteFile(keyPath, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("0644 key: %v", err)
	}
	os.Chmod(keyPath, 0o600)
	db = openTest(t, dir, nil, nil)
	if got, err := db.Claim(KindEmail, 1); err != nil || len(got) != 1 {
		t.Fatalf("right key: %v %v", got, err)
	}
}

func TestTamperedPayloadDetected(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	j, _ := db.Enqueue(smsJob("+34600000001", "x"))
	uid, _ := ParseID(j.ID)
	// A never-claimed job's sealed payload ends its inbox record.
	err := db.bolt.Update(func(tx *bboltTx) error {
		k := newKey(KindSMS, uid[:])
		v := bytes.Clone(tx.Bucket(bNew).Get(k))
		v[len(v)-1] ^= 1
		return tx.Bucket(bNew).Put(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Claim(KindSMS, 1)
	if err != nil || len(got) != 0 {
		t.Fatalf("claimed a tampered job: %v %v", got, err)
	}
	after, _ := db.Get(j.ID)
	if after.State != StateRetry || !strings.Contains(after.LastError, "failed authentication") {
		t.Fatalf("tampered job: %s %q", after.State, after.LastError)
	}
}

func TestRotateKey(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	db := openTest(t, dir, clk, nil)
	// One payload in the payload bucket (claimed once, waiting to retry),
	// one in a never-claimed job's inbox record.
	s, _ := db.Enqueue(smsJob("+34600000001", "reintento"))
	if c, _ := db.Claim(KindSMS, 1); len(c) != 1 {
		t.Fatal("claim")
	} else if _, err := db.Fail(s.ID, c[0].Attempt, errors.New("451"), false); err != nil {
		t.Fatal(err)
	}
	j, _ := db.Enqueue(emailWithDNI("a@example.es"))
	oldID := db.KeyID()
	newID, err := db.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	if newID == oldID {
		t.Fatal("key id unchanged")
	}
	db.Close()
	db = openTest(t, dir, clk, nil)
	if db.KeyID() != newID {
		t.Fatalf("reopened with key %s, want %s", db.KeyID(), newID)
	}
	got, err := db.Claim(KindEmail, 1)
	if err != nil || len(got) != 1 || got[0].ID != j.ID || !bytes.Equal(got[0].Payload.Attachments[0].Data, dniJPEG) {
		t.Fatalf("after rotation: %v", err)
	}
	clk.Advance(time.Hour)
	if got, err := db.Claim(KindSMS, 1); err != nil || len(got) != 1 || got[0].Payload.Text != "reintento" {
		t.Fatalf("after rotation: %v %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName+nextKeySufix)); !os.IsNotExist(err) {
		t.Fatal("rotation left kiosk.key.next behind")
	}
}

// A crash between writing kiosk.key.next and committing: the old key stays.
// A crash between committing and renaming: the next Open finishes.
func TestRotateKeyInterrupted(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, newClock(), nil)
	if _, err := db.Enqueue(smsJob("+34600000001", "x")); err != nil {
		t.Fatal(err)
	}
	id0 := db.KeyID()
	db.Close()
	next := filepath.Join(dir, KeyFileName+nextKeySufix)
	if _, err := writeKeyFile(next); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir, newClock(), nil)
	if db.KeyID() != id0 {
		t.Fatal("uncommitted rotation took effect")
	}
	if _, err := os.Stat(next); !os.IsNotExist(err) {
		t.Fatal("stale kiosk.key.next not discarded")
	}
	// Committed but not renamed: simulate by rotating, then moving the
	// installed key back to .next and restoring the old file.
	oldKey, _ := os.ReadFile(filepath.Join(dir, KeyFileName))
	id1, err := db.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Rename(filepath.Join(dir, KeyFileName), next); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir, newClock(), nil)
	if db.KeyID() != id1 {
		t.Fatalf("interrupted rotation not finished: key %s, want %s", db.KeyID(), id1)
	}
	if got, err := db.Claim(KindSMS, 1); err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
}

func TestSecondOpenIsLockedWithinASecond(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, nil, nil)
	_ = db
	start := time.Now()
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "the kiosk is running (database locked): use the SSH console") {
		t.Fatalf("second open: %v", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("took %v", d)
	}
}

type bboltTx = bolt.Tx

func TestMustExist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	if _, err := Open(dir, Options{MustExist: true}); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("Open(MustExist) on nothing: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("Open(MustExist) created the data dir")
	}
	if _, _, err := Compact(dir); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("Compact on nothing: %v", err)
	}
}

// TestRotateKeyTo: a key the kiosk only reads (a systemd credential) is
// rotated into a new file the technician installs; until then the old
// key is refused by name, and with the new one every payload opens.
func TestRotateKeyTo(t *testing.T) {
	dir, creds := t.TempDir(), t.TempDir()
	cred := filepath.Join(creds, "ventanilla-key")
	if _, err := writeKeyFile(cred); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cred, 0o400); err != nil { // as systemd hands it over
		t.Fatal(err)
	}
	clk := newClock()
	db := openTest(t, dir, clk, func(o *Options) { o.KeyFile, o.NoCreateKey = cred, true })
	j, _ := db.Enqueue(emailWithDNI("a@example.es"))
	out := filepath.Join(t.TempDir(), "new.key")
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateKeyTo(out); err == nil {
		t.Fatal("RotateKeyTo overwrote an existing file")
	}
	os.Remove(out)
	newID, err := db.RotateKeyTo(out)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(dir, Options{KeyFile: cred, NoCreateKey: true}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("open with the old credential after rotation: %v, want ErrWrongKey", err)
	}
	db = openTest(t, dir, clk, func(o *Options) { o.KeyFile, o.NoCreateKey = out, true })
	if db.KeyID() != newID {
		t.Fatalf("key %s, want %s", db.KeyID(), newID)
	}
	got, err := db.Claim(KindEmail, 1)
	if err != nil || len(got) != 1 || got[0].ID != j.ID || !bytes.Equal(got[0].Payload.Attachments[0].Data, dniJPEG) {
		t.Fatalf("claim with the new key: %v %v", got, err)
	}
}
