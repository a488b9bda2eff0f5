package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWriteShots writes shots SIM_SHOTS_FROM.. (count SIM_SHOTS_N) as JPEG
// files and a manifest into SIM_SHOTS (development aid: look at what the
// simulator draws, or score `ventanilla camera check` on them).
func TestWriteShots(t *testing.T) {
	dir := os.Getenv("SIM_SHOTS")
	if dir == "" {
		t.Skip("set SIM_SHOTS=DIR (SIM_SHOTS_FROM, SIM_SHOTS_N) to write sample shots")
	}
	from, _ := strconv.Atoi(os.Getenv("SIM_SHOTS_FROM"))
	n, _ := strconv.Atoi(os.Getenv("SIM_SHOTS_N"))
	if n == 0 {
		n = 40
	}
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	var man []map[string]any
	for i := from; i < from+n; i++ {
		sh := Sample(uint64(i))
		_, data, err := sh.Photo(nil)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("images/shot_%06d.jpg", i)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		e := map[string]any{"file": name, "ok": sh.OK, "category": sh.Category, "size": fmt.Sprintf("%dx%d", sh.Width, sh.Height),
			"gen": map[string]any{"kind": sh.Scene.Kind.String(), "bg": sh.Scene.Background.String(), "fill": sh.Scene.Fill, "hands": sh.Scene.Hands, "q": sh.Quality}}
		if !sh.OK {
			e["must_include"] = []string{sh.Want}
		}
		man = append(man, e)
	}
	b, _ := json.MarshalIndent(man, "", " ")
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
