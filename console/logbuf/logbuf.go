// Package logbuf keeps the most recent log records in memory so that the
// technician console can tail them without reading files on the kiosk's
// SD card. The buffer is bounded both by record count and by bytes, so a
// chatty device driver can never grow the kiosk's memory without limit.
package logbuf

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default bounds used when Options leaves them at zero.
const (
	DefaultMaxRecords = 2000
	DefaultMaxBytes   = 512 << 10
	// maxRecordBytes caps one record so a single huge message cannot evict
	// the whole history.
	maxRecordBytes = 4 << 10
	// recordOverhead approximates the fixed cost of a Record in memory.
	recordOverhead = 64
)

// Record is one stored log line. Attrs is already rendered as
// space-separated key=value pairs (groups are dotted) because the console
// only displays it.
type Record struct {
	Time    time.Time  `json:"time"`
	Level   slog.Level `json:"level"`
	Message string     `json:"msg"`
	Attrs   string     `json:"attrs,omitempty"`
}

func (r Record) size() int { return recordOverhead + len(r.Message) + len(r.Attrs) }

// Options bound a Buffer.
type Options struct {
	// MaxRecords is the most records kept (DefaultMaxRecords when 0).
	MaxRecords int
	// MaxBytes is the most message+attribute bytes kept (DefaultMaxBytes when 0).
	MaxBytes int
	// Level is the minimum level stored (slog.LevelDebug when nil), so the
	// console can show debug lines the normal handler filters out.
	Level slog.Leveler
}

// Buffer is a bounded ring of log records. It is safe for concurrent use.
type Buffer struct {
	mu       sync.Mutex
	ring     []Record // fixed capacity MaxRecords
	head     int      // index of the oldest record
	n        int      // number of records stored
	bytes    int
	maxBytes int
	level    slog.Leveler
	dropped  uint64
}

// New returns an empty Buffer.
func New(opts Options) *Buffer {
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = DefaultMaxRecords
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Level == nil {
		opts.Level = slog.LevelDebug
	}
	return &Buffer{ring: make([]Record, opts.MaxRecords), maxBytes: opts.MaxBytes, level: opts.Level}
}

// Add stores r, evicting the oldest records while either bound is exceeded.
func (b *Buffer) Add(r Record) {
	if len(r.Message) > maxRecordBytes {
		r.Message = truncate(r.Message, maxRecordBytes)
	}
	if len(r.Attrs) > maxRecordBytes {
		r.Attrs = truncate(r.Attrs, maxRecordBytes)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == len(b.ring) {
		b.evictLocked()
	}
	b.ring[(b.head+b.n)%len(b.ring)] = r
	b.n++
	b.bytes += r.size()
	for b.bytes > b.maxBytes && b.n > 1 {
		b.evictLocked()
	}
}

func (b *Buffer) evictLocked() {
	old := b.ring[b.head]
	b.bytes -= old.size()
	b.ring[b.head] = Record{}
	b.head = (b.head + 1) % len(b.ring)
	b.n--
	b.dropped++
}

// Len reports how many records are stored and their approximate bytes.
func (b *Buffer) Len() (records, bytes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n, b.bytes
}

// Dropped reports how many records were evicted since New.
func (b *Buffer) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Tail returns up to n of the most recent records at or above minLevel,
// oldest first. n <= 0 means all.
func (b *Buffer) Tail(n int, minLevel slog.Level) []Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Record
	for i := b.n - 1; i >= 0; i-- {
		r := b.ring[(b.head+i)%len(b.ring)]
		if r.Level < minLevel {
			continue
		}
		out = append(out, r)
		if n > 0 && len(out) == n {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Handler returns a slog.Handler that writes into b. Install it next to the
// normal handler with slog.NewMultiHandler(normal, buf.Handler()).
func (b *Buffer) Handler() slog.Handler { return &handler{buf: b} }

type handler struct {
	buf    *Buffer
	prefix string // rendered WithAttrs pairs
	group  string // dotted group prefix for later attrs
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.buf.level.Level() }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	var sb strings.Builder
	sb.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&sb, h.group, a)
		return true
	})
	h.buf.Add(Record{Time: r.Time, Level: r.Level, Message: r.Message, Attrs: strings.TrimSpace(sb.String())})
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var sb strings.Builder
	sb.WriteString(h.prefix)
	for _, a := range attrs {
		appendAttr(&sb, h.group, a)
	}
	return &handler{buf: h.buf, prefix: sb.String(), group: h.group}
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{buf: h.buf, prefix: h.prefix, group: h.group + name + "."}
}

func appendAttr(sb *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			appendAttr(sb, g, ga)
		}
		return
	}
	sb.WriteByte(' ')
	sb.WriteString(group)
	sb.WriteString(a.Key)
	sb.WriteByte('=')
	v := a.Value.String()
	if v == "" || strings.ContainsAny(v, " \t\"=") {
		v = strconv.Quote(v)
	}
	sb.WriteString(v)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// ParseLevel maps "debug", "info", "warn"/"warning", "error" (any case) to a
// slog level, for the console's level filter and its exec flag.
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, true
	case "info", "":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}
