package main

import (
	"fmt"
	"io"
	"path/filepath"

	"gopkg.in/natefinch/lumberjack.v2"
)

// The kiosk's log is capped: an SD card filled by its own log would stop
// the outbox from committing jobs. At most logMaxMB in ventanilla.log, then
// it is renamed with a time stamp, compressed, and only the newest
// logBackups of those are kept (about 10 MB + 5 × 1 MB).
const (
	logMaxMB   = 10
	logBackups = 5
)

// openLogFile opens dir/ventanilla.log for appending, rotated by size. The
// file is opened now (0600), so a data folder that cannot hold it fails
// start-up with a clear message rather than losing every log line.
func openLogFile(dir string, maxMB, backups int) (io.WriteCloser, error) {
	lj := &lumberjack.Logger{
		Filename:   filepath.Join(dir, "ventanilla.log"),
		MaxSize:    maxMB,
		MaxBackups: backups,
		Compress:   true,
	}
	if _, err := lj.Write(nil); err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	return lj, nil
}
