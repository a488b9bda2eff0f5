package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLogFileIsCapped writes far more than the cap: the log never holds
// more than the current file and the kept (compressed) backups, and every
// file is private to the kiosk's user.
func TestLogFileIsCapped(t *testing.T) {
	dir := t.TempDir()
	w, err := openLogFile(dir, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for range 6 * 1024 { // 6 MB through a 1 MB log keeping 2 backups
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	last := []byte("the newest line\n")
	if _, err := w.Write(last); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Old files are compressed and pruned in the background.
	var total int64
	var names []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		total, names = 0, nil
		ents, _ := os.ReadDir(dir)
		pending := false
		for _, e := range ents {
			info, err := e.Info()
			if err != nil {
				continue
			}
			total += info.Size()
			names = append(names, e.Name())
			if e.Name() != "ventanilla.log" && !strings.HasSuffix(e.Name(), ".gz") {
				pending = true
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
			}
		}
		if !pending && len(names) <= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rotation never settled: %v", names)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if total > 1<<20+2*(1<<20) {
		t.Fatalf("the log takes %d bytes (%v); the cap is 1 MB + 2 backups", total, names)
	}
	cur, err := os.ReadFile(filepath.Join(dir, "ventanilla.log"))
	if err != nil || !bytes.HasSuffix(cur, last) {
		t.Fatalf("ventanilla.log does not end with the newest line: %v", err)
	}
}

func TestLogFileWhereNoFileCanBe(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(notADir, []byte("a file, not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openLogFile(notADir, 1, 1); err == nil {
		t.Fatal("a log that cannot be created must fail start-up")
	}
}
