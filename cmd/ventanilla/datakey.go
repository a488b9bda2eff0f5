package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ventanilla-kiosk/ventanilla/store"
)

// The data key encrypts every piece of personal data the outbox holds. A
// key stored beside the data it protects (DATA/kiosk.key next to
// ventanilla.db) protects nothing from whoever takes the disk, so a
// production kiosk takes it, in this order, from:
//
//  1. a systemd credential (LoadCredentialEncrypted=ventanilla-key:…, sealed
//     to the TPM where there is one): systemd decrypts it into
//     $CREDENTIALS_DIRECTORY, a memory-only directory only the kiosk's
//     user can read, at each start;
//  2. [data_key] file, a path on another filesystem (removable media, a
//     separate partition), created on first use;
//  3. DATA/kiosk.key, only in demo mode or with [data_key] beside_data =
//     true, which says the office accepts the risk.
//
// Anything else is refused at start with a message saying how to fix it.
// See the README's "The data key".

// defaultKeyCredential is the credential name the unit file loads.
const defaultKeyCredential = "ventanilla-key"

// keySource is where the data key comes from.
type keySource struct {
	Path string
	// Credential: provisioned by the platform, read-only to the kiosk (a
	// rotation writes the new key elsewhere, for the technician to seal).
	Credential bool
	// Origin names the source in messages.
	Origin string
}

func (k keySource) options(o store.Options) store.Options {
	o.KeyFile = k.Path
	o.NoCreateKey = o.NoCreateKey || k.Credential
	return o
}

// errKeyBesideData is the refusal of a production start whose key would
// sit beside the data.
var errKeyBesideData = errors.New("the data key would sit beside the data it protects")

// sameFilesystem reports whether two existing paths are on one filesystem
// (a variable so tests can pretend another mount).
var sameFilesystem = func(a, b string) (bool, error) {
	var sa, sb syscall.Stat_t
	if err := syscall.Stat(a, &sa); err != nil {
		return false, err
	}
	if err := syscall.Stat(b, &sb); err != nil {
		return false, err
	}
	return sa.Dev == sb.Dev, nil
}

// resolveDataKey finds the data key for a kiosk with data dir data
// (getenv is os.Getenv; tests pass their own).
func resolveDataKey(c Config, data string, demo bool, getenv func(string) string) (keySource, error) {
	if dir := getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		p := filepath.Join(dir, c.DataKey.Credential)
		if _, err := os.Stat(p); err == nil {
			return keySource{Path: p, Credential: true, Origin: "systemd credential " + c.DataKey.Credential}, nil
		}
	}
	beside := filepath.Join(data, store.KeyFileName)
	if f := c.DataKey.File; f != "" {
		if !c.DataKey.BesideData {
			if err := os.MkdirAll(data, 0o700); err != nil {
				return keySource{}, fmt.Errorf("data dir %s: %w", data, err)
			}
			same, err := sameFilesystem(filepath.Dir(f), data)
			if err != nil {
				return keySource{}, fmt.Errorf("data_key.file %s: %v (is its filesystem mounted?)", f, errors.Unwrap(err))
			}
			if same {
				return keySource{}, fmt.Errorf("%w: data_key.file %s is on the same filesystem as the data dir %s, so whoever takes the disk has both: put it on another mount, use the systemd credential %q (README, \"The data key\"), or accept the risk with [data_key] beside_data = true", errKeyBesideData, f, data, c.DataKey.Credential)
			}
		}
		return keySource{Path: f, Origin: "data_key.file"}, nil
	}
	if demo || c.DataKey.BesideData {
		return keySource{Path: beside, Origin: beside}, nil
	}
	return keySource{}, fmt.Errorf("%w (%s): provide it as the systemd credential %q (LoadCredentialEncrypted=, see deploy/ventanilla.service and the README, \"The data key\"), set [data_key] file to a path on another filesystem, or accept the risk with [data_key] beside_data = true", errKeyBesideData, beside, c.DataKey.Credential)
}
