package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
)

func envWith(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// credDir makes a $CREDENTIALS_DIRECTORY holding the credential as systemd
// hands it to the service: the decrypted bytes, mode 0400.
func credDir(t *testing.T) (dir string, key []byte) {
	t.Helper()
	dir = t.TempDir()
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, defaultKeyCredential), key, 0o400); err != nil {
		t.Fatal(err)
	}
	return dir, key
}

// TestResolveDataKey: where the data key comes from, and the refusals.
func TestResolveDataKey(t *testing.T) {
	data := t.TempDir()
	creds, _ := credDir(t)
	base := defaultConfig()
	withFile := func(f string, beside bool) Config {
		c := base
		c.DataKey.File, c.DataKey.BesideData = f, beside
		return c
	}
	sameFS := filepath.Join(t.TempDir(), "kiosk.key") // t.TempDir: the data's filesystem
	for _, tc := range []struct {
		name    string
		cfg     Config
		demo    bool
		env     map[string]string
		want    string // path, or "" for a refusal
		cred    bool
		refusal string
	}{
		{"credential", base, false, map[string]string{"CREDENTIALS_DIRECTORY": creds}, filepath.Join(creds, defaultKeyCredential), true, ""},
		{"credential wins over a file", withFile(sameFS, true), false, map[string]string{"CREDENTIALS_DIRECTORY": creds}, filepath.Join(creds, defaultKeyCredential), true, ""},
		{"another service's credentials only", base, false, map[string]string{"CREDENTIALS_DIRECTORY": t.TempDir()}, "", false, "beside the data"},
		{"production, nothing configured", base, false, nil, "", false, "systemd credential"},
		{"production, key file on the data's filesystem", withFile(sameFS, false), false, nil, "", false, "same filesystem"},
		{"production, explicitly beside the data", withFile("", true), false, nil, filepath.Join(data, store.KeyFileName), false, ""},
		{"production, key file beside, explicitly", withFile(sameFS, true), false, nil, sameFS, false, ""},
		{"demo", base, true, nil, filepath.Join(data, store.KeyFileName), false, ""},
		{"demo with a key file", withFile(sameFS, true), true, nil, sameFS, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := resolveDataKey(tc.cfg, data, tc.demo, envWith(tc.env))
			if tc.want == "" {
				if !errors.Is(err, errKeyBesideData) || !strings.Contains(err.Error(), tc.refusal) || !strings.Contains(err.Error(), "beside_data = true") {
					t.Fatalf("got %+v, %v; want a refusal saying %q and how to fix it", k, err, tc.refusal)
				}
				return
			}
			if err != nil || k.Path != tc.want || k.Credential != tc.cred {
				t.Fatalf("got %+v, %v; want %s (credential %v)", k, err, tc.want, tc.cred)
			}
		})
	}
	// Another mount (pretended: the check itself is the device number).
	old := sameFilesystem
	sameFilesystem = func(string, string) (bool, error) { return false, nil }
	defer func() { sameFilesystem = old }()
	if k, err := resolveDataKey(withFile(sameFS, false), data, false, envWith(nil)); err != nil || k.Path != sameFS {
		t.Fatalf("key file on another mount: %+v %v", k, err)
	}
}

// kioskConfig writes a production configuration (no demo) for a headless
// kiosk with nothing attached, plus extra TOML.
func kioskConfig(t *testing.T, extra string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "k.toml")
	body := `[camera]
device = "none"
[ssh]
listen = ""
[metrics]
listen = ""
[privacy]
controller = "Ayuntamiento de prueba"
contact = "dpd@example.es"
` + extra
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// runKioskUntilStarted starts `run --headless` and waits for "kiosk
// started", then stops it with SIGTERM; it returns the log.
func runKioskUntilStarted(t *testing.T, cfg, data string, env []string) string {
	t.Helper()
	logPath := filepath.Join(data, "ventanilla.log")
	var from int64
	if st, err := os.Stat(logPath); err == nil {
		from = st.Size()
	}
	cmd := exec.Command(binPath, "run", "--headless", "--config", cfg, "--data", data)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	waitLogFrom(t, logPath, from, "kiosk started")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(t, cmd, 30*time.Second); err != nil {
		t.Fatalf("kiosk stopped with %v: %s", err, out.String())
	}
	b, _ := os.ReadFile(logPath)
	return string(b[from:])
}

// TestProductionRefusesKeyBesideData (issue 14.3): a production start
// without a key source refuses with exit 2 and says how to fix it, and
// leaves no key behind.
func TestProductionRefusesKeyBesideData(t *testing.T) {
	data := t.TempDir()
	for name, extra := range map[string]string{
		"nothing configured":           "",
		"key file on the data's mount": fmt.Sprintf("[data_key]\nfile = %q\n", filepath.Join(t.TempDir(), "kiosk.key")),
	} {
		cmd := exec.Command(binPath, "run", "--headless", "--config", kioskConfig(t, extra), "--data", data)
		cmd.Env = append(os.Environ(), "CREDENTIALS_DIRECTORY=")
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), "beside the data") || !strings.Contains(string(out), "systemd credential") {
			t.Errorf("%s: exit %d: %s", name, code, out)
		}
	}
	if _, err := os.Stat(filepath.Join(data, store.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused start left %s behind: %v", store.KeyFileName, err)
	}
	// Explicitly accepted: starts, with the key beside the data.
	log := runKioskUntilStarted(t, kioskConfig(t, "[data_key]\nbeside_data = true\n"), data, []string{"CREDENTIALS_DIRECTORY="})
	if _, err := os.Stat(filepath.Join(data, store.KeyFileName)); err != nil || !strings.Contains(log, "data key") {
		t.Fatalf("beside_data = true: %v\n%s", err, log)
	}
}

// TestKeyFromCredentials (issue 14.3): the kiosk and the queue commands
// read the key systemd decrypted into $CREDENTIALS_DIRECTORY, never write
// one beside the data, and a rotation writes the new key where the
// technician can seal it.
func TestKeyFromCredentials(t *testing.T) {
	data := t.TempDir()
	creds, key := credDir(t)
	env := []string{"CREDENTIALS_DIRECTORY=" + creds}
	log := runKioskUntilStarted(t, kioskConfig(t, ""), data, env)
	if !strings.Contains(log, `from="systemd credential ventanilla-key"`) {
		t.Fatalf("log does not say where the key came from:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(data, store.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the kiosk wrote a key beside the data: %v", err)
	}
	q := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(binPath, append([]string{"queue"}, append(args, "--data", data)...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), exitCode(err)
	}
	if out, code := q(env, "add", "--kind", "sms", "--to", "600000001", "--text", "hola"); code != 0 {
		t.Fatalf("queue add with the credential: %d %s", code, out)
	}
	// Without the credential a queue command names the missing key and
	// how to run it; it creates none.
	if out, code := q([]string{"CREDENTIALS_DIRECTORY="}, "list"); code != 1 || !strings.Contains(out, "missing") || !strings.Contains(out, "systemd-run") {
		t.Fatalf("queue list without the credential: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(data, store.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a queue command wrote a key beside the data: %v", err)
	}

	// Rotation: the credential cannot be rewritten.
	if out, code := q(env, "rotate-key"); code != 2 || !strings.Contains(out, "--new-key") {
		t.Fatalf("rotate-key of a credential without --new-key: %d %s", code, out)
	}
	newKey := filepath.Join(t.TempDir(), "new.key")
	out, code := q(env, "rotate-key", "--new-key", newKey)
	if code != 0 || !strings.Contains(out, "systemd-creds encrypt --name=ventanilla-key "+newKey) {
		t.Fatalf("rotate-key --new-key: %d %s", code, out)
	}
	st, err := os.Stat(newKey)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Fatalf("new key file: %v %v", st, err)
	}
	if out, code := q(env, "list"); code != 1 || !strings.Contains(out, "wrong kiosk key") {
		t.Fatalf("the old credential after the rotation: %d %s", code, out)
	}
	// The technician seals the new key; systemd hands it over next start.
	nk, _ := os.ReadFile(newKey)
	if bytes.Equal(nk, key) {
		t.Fatal("rotation kept the key")
	}
	cred := filepath.Join(creds, defaultKeyCredential)
	_ = os.Chmod(cred, 0o600)
	if err := os.WriteFile(cred, nk, 0o400); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(cred, 0o400)
	if out, code := q(env, "list", "--json"); code != 0 || !strings.Contains(out, `"has_payload":true`) {
		t.Fatalf("with the new credential: %d %s", code, out)
	}
	runKioskUntilStarted(t, kioskConfig(t, ""), data, env)
}

// TestKeyFileOnAnotherMount: [data_key] file on another filesystem (here
// /dev/shm, a tmpfs) is created there on first start, used by the queue
// commands through --config, and rotated in place.
func TestKeyFileOnAnotherMount(t *testing.T) {
	data := t.TempDir()
	if same, err := sameFilesystem("/dev/shm", data); err != nil || same {
		t.Skipf("no separate /dev/shm here (%v): TestResolveDataKey covers the rule", err)
	}
	dir, err := os.MkdirTemp("/dev/shm", "ventanilla-key-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	keyPath := filepath.Join(dir, "kiosk.key")
	cfg := kioskConfig(t, fmt.Sprintf("[data_key]\nfile = %q\n", keyPath))
	runKioskUntilStarted(t, cfg, data, []string{"CREDENTIALS_DIRECTORY="})
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key on the other mount: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(data, store.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a key beside the data as well")
	}
	q := func(args ...string) (string, int) {
		cmd := exec.Command(binPath, append([]string{"queue"}, append(args, "--data", data, "--config", cfg)...)...)
		cmd.Env = append(os.Environ(), "CREDENTIALS_DIRECTORY=")
		out, err := cmd.CombinedOutput()
		return string(out), exitCode(err)
	}
	if out, code := q("add", "--kind", "sms", "--to", "600000001", "--text", "hola"); code != 0 {
		t.Fatalf("queue add: %d %s", code, out)
	}
	old, _ := os.ReadFile(keyPath)
	if out, code := q("rotate-key"); code != 0 {
		t.Fatalf("rotate-key: %d %s", code, out)
	}
	nk, _ := os.ReadFile(keyPath)
	if bytes.Equal(old, nk) || len(nk) != 32 {
		t.Fatal("the key file was not replaced")
	}
	if _, err := os.Stat(keyPath + ".next"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("rotation left kiosk.key.next")
	}
	if out, code := q("list", "--json"); code != 0 || !strings.Contains(out, `"has_payload":true`) {
		t.Fatalf("after rotation: %d %s", code, out)
	}
}
