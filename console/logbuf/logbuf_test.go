package logbuf

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestBoundedByCount(t *testing.T) {
	b := New(Options{MaxRecords: 3, MaxBytes: 1 << 20})
	for i := range 5 {
		b.Add(Record{Level: slog.LevelInfo, Message: fmt.Sprint("m", i)})
	}
	got := b.Tail(0, slog.LevelDebug)
	if len(got) != 3 || got[0].Message != "m2" || got[2].Message != "m4" {
		t.Fatalf("tail = %+v, want m2..m4", got)
	}
	if b.Dropped() != 2 {
		t.Fatalf("dropped = %d, want 2", b.Dropped())
	}
}

func TestBoundedByBytes(t *testing.T) {
	b := New(Options{MaxRecords: 1000, MaxBytes: 1000})
	msg := strings.Repeat("x", 100)
	for range 50 {
		b.Add(Record{Message: msg})
	}
	n, bytes := b.Len()
	if bytes > 1000 {
		t.Fatalf("bytes = %d > 1000", bytes)
	}
	if want := 1000 / (100 + recordOverhead); n != want {
		t.Fatalf("records = %d, want %d", n, want)
	}
	// A record larger than the whole budget still keeps the newest one.
	b.Add(Record{Message: strings.Repeat("y", 10000)})
	n, _ = b.Len()
	if n != 1 {
		t.Fatalf("records after huge = %d, want 1", n)
	}
	if got := b.Tail(1, 0)[0].Message; len(got) > maxRecordBytes+len("…") {
		t.Fatalf("huge message not truncated: %d bytes", len(got))
	}
}

func TestTailFilterAndOrder(t *testing.T) {
	b := New(Options{})
	lg := slog.New(b.Handler())
	lg.Debug("d1")
	lg.Info("i1")
	lg.Error("e1", "code", 7)
	lg.Warn("w1")
	lg.Error("e2")
	got := b.Tail(2, slog.LevelWarn)
	if len(got) != 2 || got[0].Message != "w1" || got[1].Message != "e2" {
		t.Fatalf("tail = %+v", got)
	}
	all := b.Tail(0, slog.LevelError)
	if len(all) != 2 || all[0].Attrs != "code=7" {
		t.Fatalf("errors = %+v", all)
	}
}

func TestHandlerAttrsGroups(t *testing.T) {
	b := New(Options{})
	lg := slog.New(b.Handler()).With("pkg", "modem").WithGroup("at")
	lg.Info("sent", "cmd", "AT+CSQ", slog.Group("resp", "code", "OK"), "note", "two words")
	r := b.Tail(1, 0)[0]
	want := `pkg=modem at.cmd=AT+CSQ at.resp.code=OK at.note="two words"`
	if r.Attrs != want {
		t.Fatalf("attrs = %q, want %q", r.Attrs, want)
	}
}

func TestLevelOption(t *testing.T) {
	b := New(Options{Level: slog.LevelWarn})
	lg := slog.New(b.Handler())
	lg.Info("no")
	lg.Warn("yes")
	if n, _ := b.Len(); n != 1 {
		t.Fatalf("len = %d, want 1", n)
	}
}

func TestTruncateUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	got := truncate(s, 5)
	if got != "éé…" {
		t.Fatalf("truncate = %q", got)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warning": slog.LevelWarn, "error": slog.LevelError} {
		if got, ok := ParseLevel(in); !ok || got != want {
			t.Errorf("ParseLevel(%q) = %v,%v", in, got, ok)
		}
	}
	if _, ok := ParseLevel("loud"); ok {
		t.Error("ParseLevel(loud) ok")
	}
}

func BenchmarkHandle(b *testing.B) {
	buf := New(Options{})
	lg := slog.New(buf.Handler())
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		lg.Info("job delivered", "id", "01J", "kind", "sms", "latency", time.Since(now))
	}
}

func TestConcurrentAddTail(t *testing.T) {
	b := New(Options{MaxRecords: 50, MaxBytes: 4000})
	lg := slog.New(b.Handler())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			lg.Info("x", "i", i)
		}
	}()
	for range 200 {
		for _, r := range b.Tail(10, 0) {
			if r.Message != "x" {
				t.Errorf("torn record %+v", r)
			}
		}
	}
	<-done
	n, bytes := b.Len()
	if n > 50 || bytes > 4000 {
		t.Fatalf("bounds broken: %d records, %d bytes", n, bytes)
	}
}
