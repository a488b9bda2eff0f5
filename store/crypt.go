package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Encryption of personal data at rest and key rotation: see the package
// documentation (doc.go).

// KeyFileName is the kiosk key inside the data directory.
const KeyFileName = "kiosk.key"

const (
	keySize      = 32
	keyIDSize    = 4
	sealVersion  = 1
	nextKeySufix = ".next"
)

// ErrWrongKey means payloads were sealed with a key other than the kiosk
// key file present now.
var ErrWrongKey = errors.New("wrong kiosk key")

// ErrKeyMissing means the database holds encrypted payloads but the key file
// is gone.
var ErrKeyMissing = errors.New("kiosk key file missing")

// ErrDecrypt means a payload failed authentication: the file was tampered
// with or damaged.
var ErrDecrypt = errors.New("payload failed authentication (tampered or damaged)")

type kioskKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

type keyring struct {
	current *kioskKey
	byID    map[[keyIDSize]byte]*kioskKey
	path    string
}

func newKioskKey(raw []byte) (*kioskKey, error) {
	if len(raw) != keySize {
		return nil, fmt.Errorf("key must be %d bytes, file has %d", keySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &kioskKey{aead: aead}
	sum := sha256.Sum256(append([]byte("ventanilla key id\x00"), raw...))
	copy(k.id[:], sum[:keyIDSize])
	return k, nil
}

// KeyID is the printable id of a key (what the error messages name).
func (k *kioskKey) KeyID() string { return hex.EncodeToString(k.id[:]) }

func readKeyFile(path string) (*kioskKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %v: it must be readable by its owner only (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := newKioskKey(raw)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// writeKeyFile creates path (which must not exist) with 32 random bytes,
// mode 0600, and makes it durable before anything is sealed with it.
func writeKeyFile(path string) (*kioskKey, error) {
	raw := make([]byte, keySize)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return newKioskKey(raw)
}

func (db *DB) keyPath() string {
	if db.opt.KeyFile != "" {
		return db.opt.KeyFile
	}
	return filepath.Join(db.dir, KeyFileName)
}

// loadKeys reads (or creates) the kiosk key, finishes or abandons an
// interrupted rotation, and checks the key against the id the database
// recorded.
func (db *DB) loadKeys() error {
	path := db.keyPath()
	var recorded []byte
	var havePayloads bool
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		recorded = bytes.Clone(tx.Bucket(bMeta).Get(metaKeyID))
		k, _ := tx.Bucket(bPayload).Cursor().First()
		kn, _ := tx.Bucket(bNew).Cursor().First()
		havePayloads = k != nil || kn != nil
		return nil
	}); err != nil {
		return fmt.Errorf("store: read key id: %w", err)
	}

	// An interrupted rotation: the .next key is in force if the database
	// already records its id.
	next := path + nextKeySufix
	if nk, err := readKeyFile(next); err == nil {
		if bytes.Equal(recorded, nk.id[:]) {
			if err := os.Rename(next, path); err != nil {
				return fmt.Errorf("store: finish key rotation: %w", err)
			}
			if err := syncDir(filepath.Dir(path)); err != nil {
				return fmt.Errorf("store: finish key rotation: %w", err)
			}
		} else if err := os.Remove(next); err != nil {
			return fmt.Errorf("store: discard unfinished key rotation: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: %w", err)
	}

	k, err := readKeyFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if recorded != nil && havePayloads {
			return fmt.Errorf("store: %w: the database holds personal data sealed with key id %x but %s does not exist: restore it from backup (or move the data dir aside to start empty)", ErrKeyMissing, recorded, path)
		}
		if db.opt.NoCreateKey {
			return fmt.Errorf("store: %w: %s", ErrKeyMissing, path)
		}
		if k, err = writeKeyFile(path); err != nil {
			return fmt.Errorf("store: create key file: %w", err)
		}
	case err != nil:
		return fmt.Errorf("store: %w", err)
	}
	if recorded != nil && havePayloads && !bytes.Equal(recorded, k.id[:]) {
		return fmt.Errorf("store: %w: the database holds personal data sealed with key id %x, but %s has key id %s: put the right key file back", ErrWrongKey, recorded, path, k.KeyID())
	}
	if !bytes.Equal(recorded, k.id[:]) {
		if err := db.bolt.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bMeta).Put(metaKeyID, k.id[:])
		}); err != nil {
			return fmt.Errorf("store: record key id: %w", err)
		}
	}
	db.keys.Store(&keyring{current: k, byID: map[[keyIDSize]byte]*kioskKey{k.id: k}, path: path})
	return nil
}

// seal encrypts plain for job id with the current key.
func (kr *keyring) seal(id, plain []byte) ([]byte, error) {
	k := kr.current
	out := make([]byte, 1+keyIDSize+k.aead.NonceSize(), 1+keyIDSize+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], k.id[:])
	nonce := out[1+keyIDSize:]
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plain, id), nil
}

// open decrypts a sealed payload of job id.
func (kr *keyring) open(id, sealed []byte) ([]byte, error) {
	if len(sealed) < 1+keyIDSize || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format", ErrDecrypt)
	}
	var kid [keyIDSize]byte
	copy(kid[:], sealed[1:])
	k, ok := kr.byID[kid]
	if !ok {
		return nil, fmt.Errorf("%w: payload sealed with key id %x, %s has key id %s", ErrWrongKey, kid, kr.path, kr.current.KeyID())
	}
	ns := k.aead.NonceSize()
	rest := sealed[1+keyIDSize:]
	if len(rest) < ns {
		return nil, fmt.Errorf("%w: truncated", ErrDecrypt)
	}
	plain, err := k.aead.Open(nil, rest[:ns], rest[ns:], id)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// KeyID is the id of the kiosk key in force (safe to log).
func (db *DB) KeyID() string { return db.kr().current.KeyID() }

// RotateKey replaces the kiosk key with a new random one and re-seals every
// payload with it (see the package notes on rotation). It returns the new
// key id.
func (db *DB) RotateKey() (string, error) {
	db.rotMu.Lock()
	defer db.rotMu.Unlock()
	path := db.kr().path
	next := path + nextKeySufix
	_ = os.Remove(next) // a leftover from a crash before commit is worthless
	return db.rotate(next, path)
}

// RotateKeyTo is RotateKey for a key the kiosk cannot write where it reads
// it (a systemd credential): the new key is written to out, which must not
// exist, and left there for the technician to install (seal it with
// systemd-creds, then delete it). Until it is installed, Open with the old
// key fails with ErrWrongKey: the payloads are sealed with the new one.
func (db *DB) RotateKeyTo(out string) (string, error) {
	db.rotMu.Lock()
	defer db.rotMu.Unlock()
	return db.rotate(out, "")
}

// rotate writes a new key to next, re-seals every payload with it and
// records its id in one transaction, then renames next to install (when
// set). Callers hold rotMu.
func (db *DB) rotate(next, install string) (string, error) {
	nk, err := writeKeyFile(next)
	if err != nil {
		return "", fmt.Errorf("store: rotate key: write new key: %w", err)
	}
	n := 0
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPayload)
		type kv struct{ k, v []byte }
		var all []kv
		if err := b.ForEach(func(k, v []byte) error {
			all = append(all, kv{bytes.Clone(k), bytes.Clone(v)})
			return nil
		}); err != nil {
			return err
		}
		nr := &keyring{current: nk, byID: map[[keyIDSize]byte]*kioskKey{nk.id: nk}, path: next}
		for _, e := range all {
			plain, err := db.kr().open(e.k, e.v)
			if err != nil {
				return fmt.Errorf("job %s: %w", idString(e.k), err)
			}
			sealed, err := nr.seal(e.k, plain)
			if err != nil {
				return err
			}
			if err := b.Put(e.k, sealed); err != nil {
				return err
			}
			n++
		}
		// Never-claimed jobs carry their payload in their inbox record.
		nb := tx.Bucket(bNew)
		var recs []kv
		if err := nb.ForEach(func(k, v []byte) error {
			recs = append(recs, kv{bytes.Clone(k), bytes.Clone(v)})
			return nil
		}); err != nil {
			return err
		}
		for _, e := range recs {
			id := e.k[1:]
			j, sealed, err := decodeRecord(e.k, e.v)
			if err != nil {
				return fmt.Errorf("job %s: %w", idString(id), err)
			}
			plain, err := db.kr().open(id, sealed)
			if err != nil {
				return fmt.Errorf("job %s: %w", idString(id), err)
			}
			if sealed, err = nr.seal(id, plain); err != nil {
				return err
			}
			rec, err := encodeRecord(j, sealed)
			if err != nil {
				return err
			}
			if err := nb.Put(e.k, rec); err != nil {
				return err
			}
			n++
		}
		if err := tx.Bucket(bMeta).Put(metaKeyID, nk.id[:]); err != nil {
			return err
		}
		return auditTx(tx, db.opt.Now(), "key.rotated", map[string]string{"key_id": nk.KeyID(), "payloads": fmt.Sprint(n)})
	})
	if err != nil {
		_ = os.Remove(next)
		return "", fmt.Errorf("store: rotate key: %w", err)
	}
	path := install
	if install == "" {
		path = next
	} else if err := os.Rename(next, install); err != nil {
		return "", fmt.Errorf("store: rotate key: install new key (run any queue command to finish): %w", err)
	} else if err := syncDir(filepath.Dir(install)); err != nil {
		return "", fmt.Errorf("store: rotate key: %w", err)
	}
	db.keys.Store(&keyring{current: nk, byID: map[[keyIDSize]byte]*kioskKey{nk.id: nk}, path: path})
	return nk.KeyID(), nil
}
