package console

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// strictModes checks authorized_keys the way OpenSSH's StrictModes does
// before trusting it: a regular file, and the file and the folder holding
// it owned by the kiosk's user or root and writable by nobody else, so
// that another account cannot add its key. Symbolic links are followed
// and the real file and folder checked.
func strictModes(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("console: authorized_keys: %w", err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("console: authorized_keys: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("console: authorized_keys %s is not a regular file", real)
	}
	if err := ownedAndPrivate(real, fi); err != nil {
		return err
	}
	dir := filepath.Dir(real)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("console: authorized_keys folder: %w", err)
	}
	return ownedAndPrivate(dir, di)
}

// errBadModes is wrapped by every strict-modes refusal.
var errBadModes = errors.New("bad ownership or modes")

// ownedAndPrivate: owned by this process's user or root, and not writable
// by group or others.
func ownedAndPrivate(path string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := uint32(os.Geteuid()); st.Uid != uid && st.Uid != 0 {
			return fmt.Errorf("console: %s: %w: owned by uid %d, want %d or root", path, errBadModes, st.Uid, uid)
		}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("console: %s: %w: mode %04o is writable by group or others (chmod go-w)", path, errBadModes, fi.Mode().Perm())
	}
	return nil
}

// checkHostKey refuses or repairs the host key's modes as sshd would not
// use a private key others can read: a key of ours readable by group or
// others is made 0600 (and the repair logged by the caller); one owned by
// another user, or in a folder others may write, is refused.
func checkHostKey(path string) (repaired bool, err error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return false, fmt.Errorf("console: host key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("console: host key %s is not a regular file", path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := uint32(os.Geteuid()); st.Uid != uid && st.Uid != 0 {
			return false, fmt.Errorf("console: host key %s: %w: owned by uid %d, want %d or root", path, errBadModes, st.Uid, uid)
		}
	}
	dir := filepath.Dir(path)
	if di, err := os.Stat(dir); err != nil {
		return false, fmt.Errorf("console: host key folder: %w", err)
	} else if err := ownedAndPrivate(dir, di); err != nil {
		return false, err
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return false, nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return false, fmt.Errorf("console: host key %s has mode %04o and cannot be made 0600: %w", path, fi.Mode().Perm(), err)
	}
	return true, nil
}
