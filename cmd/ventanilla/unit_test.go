package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// unitFile reads deploy/ventanilla.service as section -> key -> values.
func unitFile(t *testing.T) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open("../../deploy/ventanilla.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := map[string]map[string][]string{}
	sec := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			sec = strings.Trim(line, "[]")
			u[sec] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == "" {
				t.Fatalf("unit file: %q", line)
			}
			u[sec][k] = append(u[sec][k], v)
		}
	}
	return u
}

// exampleKeyFile is the [data_key] file ventanilla.example.toml suggests.
func exampleKeyFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../ventanilla.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, _ := strings.Cut(string(b), "[data_key]")
	m := regexp.MustCompile(`(?m)^#\s*file\s*=\s*"(/[^"]+)"`).FindStringSubmatch(sec)
	if m == nil {
		t.Fatal("ventanilla.example.toml: no example [data_key] file")
	}
	return m[1]
}

// TestUnitFileStartsWithAKeyFile: the shipped unit must let a kiosk start
// with either key source the README offers. systemd fails a unit whose
// LoadCredentialEncrypted= names an absolute path that does not exist
// (status 243/CREDENTIALS, before the kiosk runs), while a bare credential
// name is looked up in /etc/credstore.encrypted/ and skipped when absent
// (systemd.exec(5), "Credentials"; exec-credential.c load_credential's
// missing_ok): with the old absolute path a kiosk using [data_key] file
// could never start. The key file's directory must also be writable under
// ProtectSystem=strict (the kiosk creates the key there on first start and
// finishes an interrupted rotation there) and mounted before the kiosk.
func TestUnitFileStartsWithAKeyFile(t *testing.T) {
	u := unitFile(t)
	svc := u["Service"]
	if got := svc["LoadCredentialEncrypted"]; !slices.Equal(got, []string{defaultKeyCredential}) {
		t.Errorf("LoadCredentialEncrypted=%q: want the bare name %q, so a missing credential does not stop the unit", got, defaultKeyCredential)
	}
	if !slices.Equal(svc["ProtectSystem"], []string{"strict"}) {
		t.Fatalf("ProtectSystem=%q: this test checks what strict allows", svc["ProtectSystem"])
	}
	dir := filepath.Dir(exampleKeyFile(t))
	if !slices.ContainsFunc(svc["ReadWritePaths"], func(p string) bool { return strings.TrimPrefix(p, "-") == dir }) {
		t.Errorf("ReadWritePaths=%q lacks %s, the example [data_key] file's directory", svc["ReadWritePaths"], dir)
	}
	if !slices.ContainsFunc(u["Unit"]["RequiresMountsFor"], func(p string) bool { return slices.Contains(strings.Fields(p), dir) }) {
		t.Errorf("[Unit] RequiresMountsFor=%q lacks %s", u["Unit"]["RequiresMountsFor"], dir)
	}
}

// TestUnitFileVerifies: systemd's own checker finds nothing wrong with the
// unit (an unknown key, a key in the wrong section, a bad value), with
// ExecStart pointed at the binary under test.
func TestUnitFileVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is missing (apt-get install systemd)")
		}
		t.Skip("no systemd-analyze")
	}
	b, err := os.ReadFile("../../deploy/ventanilla.service")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("ExecStart=/usr/local/bin/ventanilla ")) {
		t.Fatal("ExecStart no longer runs /usr/local/bin/ventanilla: update this test")
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, "ventanilla.service")
	b = bytes.ReplaceAll(b, []byte("/usr/local/bin/ventanilla"), []byte(binPath))
	if err := os.WriteFile(unit, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", unit)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestKeyFileUnderTheUnitsSandbox starts the kiosk with the example
// [data_key] file inside the unit's file-system sandbox, rebuilt in a
// private mount namespace from the unit file: ProtectSystem=strict makes
// every mount read-only but the ReadWritePaths (the test's data dir stands
// in for /var/lib/ventanilla); the key's directory is its own filesystem,
// as the README asks. On first start the kiosk creates its key there, then
// reads it. (Without the key's directory in ReadWritePaths it stopped with
// "create key file: read-only file system".) Needs root and unshare.
func TestKeyFileUnderTheUnitsSandbox(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	if err := exec.Command("unshare", "-m", "true").Run(); err != nil {
		t.Skipf("no mount namespace here: %v", err)
	}
	key := exampleKeyFile(t)
	keyDir := filepath.Dir(key)
	mnt := filepath.Dir(keyDir) // a tmpfs here hides the host's files
	if st, err := os.Stat(mnt); err != nil || !st.IsDir() {
		t.Skipf("%s is not a directory here", mnt)
	}
	var rw []string
	for _, p := range unitFile(t)["Service"]["ReadWritePaths"] {
		for _, f := range strings.Fields(p) {
			rw = append(rw, strings.TrimPrefix(f, "-"))
		}
	}
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "k.toml")
	body := `data_dir = "` + data + `"
[ssh]
listen = "127.0.0.1:0"
[metrics]
listen = ""
[privacy]
controller = "Ayuntamiento de Prueba"
contact = "dpd@example.es"
[call_centre]
email = "cc@example.es"
[smtp]
host = "127.0.0.1"
from = "k@example.es"
tls = "none"
[modem]
port = "sim"
[camera]
device = "sim"
[data_key]
file = "` + key + `"
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `set -eu
mount -t tmpfs -o mode=0755 tmpfs "$MNT"
mkdir -p "$KEYDIR"
mount -t tmpfs -o mode=0700 tmpfs "$KEYDIR"
mount --bind "$DATA" "$DATA"
for m in / "$MNT" "$KEYDIR"; do
  case " $RW " in *" $m "*) ;; *) mount -o remount,bind,ro "$m" ;; esac
done
exec "$BIN" run --headless --config "$CFG"
`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "MNT="+mnt, "KEYDIR="+keyDir, "DATA="+data, "RW="+strings.Join(rw, " "), "BIN="+binPath, "CFG="+cfg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	deadline := time.After(30 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(data, "ventanilla.log"))
		if listenRE.Match(b) {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the kiosk did not start in the unit's sandbox (ReadWritePaths %q): %v\n%s\n%s", rw, err, out.String(), b)
		case <-deadline:
			t.Fatalf("the kiosk did not start within 30 s:\n%s\n%s", out.String(), b)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if b, _ := os.ReadFile(filepath.Join(data, "ventanilla.log")); !bytes.Contains(b, []byte(`msg="data key" from=data_key.file`)) {
		t.Fatalf("the key did not come from [data_key] file:\n%s", b)
	}
}

// TestQueueTakesTheConfigsDataDir: a technician running `queue … --config
// /etc/ventanilla/ventanilla.toml` (as the README says, e.g. through
// systemd-run, whose working directory is /) works on the kiosk's data_dir,
// as `run --config` does; it used to open ./var whatever the config said.
func TestQueueTakesTheConfigsDataDir(t *testing.T) {
	data := t.TempDir()
	out, errOut, code := queue(t, data, "", "add", "--kind", "sms", "--to", "+34600000001", "--text", "hola")
	if code != 0 {
		t.Fatalf("queue add: exit %d %s", code, errOut)
	}
	id := strings.TrimSpace(out)
	cfg := filepath.Join(t.TempDir(), "k.toml")
	if err := os.WriteFile(cfg, []byte(`data_dir = "`+data+`"`+"\n[data_key]\nbeside_data = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "queue", "list", "--config", cfg)
	cmd.Dir = t.TempDir() // no ./var here
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), id) {
		t.Fatalf("queue list --config: %v\n%s", err, b)
	}
}

// TestQueueAsRootOnTheKiosksData: root working on the kiosk user's data
// dir would leave root's files there (Open may compact the database into a
// new file; rotate-key writes a new key), which the kiosk, running as its
// own user, then cannot open: the kiosk would not start. The queue
// commands refuse and say which user to run them as.
func TestQueueAsRootOnTheKiosksData(t *testing.T) {
	data := t.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chown(data, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	err := checkDataOwner(data, 0)
	if err == nil || !strings.Contains(err.Error(), "runuser -u ") {
		t.Fatalf("root on another user's data dir: %v", err)
	}
	if err := checkDataOwner(data, 1000); err != nil {
		t.Fatalf("not root: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	if err := checkDataOwner(t.TempDir(), 0); err != nil {
		t.Fatalf("root's own data dir: %v", err)
	}
	_, errOut, code := queue(t, data, "", "stats")
	if code != 2 || !strings.Contains(errOut, "runuser -u nobody -- ventanilla queue") {
		t.Fatalf("queue stats as root on nobody's data: exit %d %q", code, errOut)
	}
}
