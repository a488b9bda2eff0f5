package main

import (
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

func writeScene(t *testing.T, dir, name string, s sim.Scene) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	sim.Render(img, s)
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type checkJSON struct {
	File     string         `json:"file"`
	OK       bool           `json:"ok"`
	Problems []string       `json:"problems"`
	Metrics  map[string]any `json:"metrics"`
}

// TestCameraCheckContract runs `camera check` as a technician or a script
// would: verdicts per file as JSON lines, exit 0 / 1 / 2.
func TestCameraCheckContract(t *testing.T) {
	dir := t.TempDir()
	good := sim.Good(sim.CardFront)
	blurry, dark, far := good, good, good
	blurry.Blur = 12
	dark.Light = 0.12
	far.Fill = 0.2
	files := map[string]string{
		"good":   writeScene(t, dir, "good.jpg", good),
		"goodpn": writeScene(t, dir, "good.png", good),
		"blurry": writeScene(t, dir, "blurry.jpg", blurry),
		"dark":   writeScene(t, dir, "dark.jpg", dark),
		"far":    writeScene(t, dir, "far.jpg", far),
	}

	out, err := exec.Command(binPath, "camera", "check", "--json", files["good"], files["goodpn"]).Output()
	if code := exitCode(err); code != 0 {
		t.Fatalf("good pictures: exit %d: %s", code, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var c checkJSON
		if err := json.Unmarshal([]byte(l), &c); err != nil || !c.OK || len(c.Problems) != 0 || c.Metrics == nil {
			t.Fatalf("good picture line %q (%v)", l, err)
		}
	}

	out, err = exec.Command(binPath, "camera", "check", "--json", files["good"], files["blurry"], files["dark"], files["far"]).Output()
	if code := exitCode(err); code != 1 {
		t.Fatalf("bad pictures: exit %d, want 1: %s", code, out)
	}
	want := map[string]string{files["blurry"]: "blurry", files["dark"]: "too_dark", files["far"]: "too_far"}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 files: %s", len(lines), out)
	}
	for _, l := range lines {
		var c checkJSON
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if w, bad := want[c.File]; bad {
			if c.OK || !contains(c.Problems, w) {
				t.Errorf("%s: ok=%v problems=%v, want %s", filepath.Base(c.File), c.OK, c.Problems, w)
			}
		} else if !c.OK {
			t.Errorf("%s judged bad: %v", c.File, c.Problems)
		}
	}

	// Unreadable and corrupt files: exit 2, a clear message, no panic.
	corrupt := filepath.Join(dir, "corrupt.jpg")
	raw, _ := os.ReadFile(files["good"])
	if err := os.WriteFile(corrupt, raw[:len(raw)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{corrupt, filepath.Join(dir, "missing.jpg")} {
		out, err := exec.Command(binPath, "camera", "check", files["good"], f).CombinedOutput()
		if code := exitCode(err); code != 2 {
			t.Errorf("%s: exit %d, want 2: %s", filepath.Base(f), code, out)
		}
		if strings.Contains(string(out), "goroutine") || !strings.Contains(string(out), filepath.Base(f)) {
			t.Errorf("%s: message should name the file, got %q", filepath.Base(f), out)
		}
	}
	if _, err := exec.Command(binPath, "camera", "check").CombinedOutput(); exitCode(err) != 2 {
		t.Errorf("no files: want exit 2")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCameraSnapshotFromSimulator(t *testing.T) {
	out := filepath.Join(t.TempDir(), "snap.jpg")
	b, err := exec.Command(binPath, "camera", "snapshot", "--device", "sim", "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("snapshot: %v %s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "jpeg" || cfg.Width < 640 {
		t.Fatalf("snapshot is not a JPEG frame: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600 (it may show a person's document)", st.Mode().Perm())
	}
	if b, err := exec.Command(binPath, "camera", "snapshot", "--device", "sim").CombinedOutput(); exitCode(err) != 2 {
		t.Errorf("missing --out: exit %d, want 2 (%s)", exitCode(err), b)
	}
}

func TestCameraListWithoutCameras(t *testing.T) {
	if _, err := os.Stat("/dev/video0"); err == nil {
		t.Skip("this machine has a camera")
	}
	out, err := exec.Command(binPath, "camera", "list", "--json").Output()
	if err != nil {
		t.Fatalf("camera list: %v", err)
	}
	if strings.TrimSpace(string(out)) != "" {
		t.Fatalf("no camera here, yet list printed %q", out)
	}
}
