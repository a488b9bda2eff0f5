package emulator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem/pdu"
)

// TestGammuInterop drives the emulator with Debian's gammu, an independent
// AT client and PDU encoder: gammu must be able to send through it, the
// emulator's decoder must read gammu's PDUs back to the text, and our
// encoder must produce the same TPDUs as gammu for the same text (after
// setting the validity octet and concatenation reference to gammu's).
//
// Where gammu is required (CI, or VENTANILLA_REQUIRE_GAMMU, which .ci/run
// sets) a missing gammu fails the test instead of skipping it: a failed
// install must not pass for a green run.
func TestGammuInterop(t *testing.T) {
	gammu, err := exec.LookPath("gammu")
	if err != nil {
		if gammuRequired() {
			t.Fatalf("gammu is required here (CI or VENTANILLA_REQUIRE_GAMMU) but not installed: %v; apt-get install -y gammu", err)
		}
		t.Skip("gammu is not installed (apt-get install -y gammu); interoperability not checked")
	}
	if testing.Short() && !gammuRequired() {
		t.Skip("gammu interop takes a few seconds; skipped with -short")
	}
	emu, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	dir := t.TempDir()
	rc := filepath.Join(dir, "gammurc")
	conf := fmt.Sprintf("[gammu]\ndevice = %s\nconnection = at\nlogfile = %s\nlogformat = textall\n",
		emu.Path(), filepath.Join(dir, "gammu.log"))
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	const to = "+34600000000"
	cases := []struct {
		name  string
		args  []string
		text  string
		parts int
	}{
		{"gsm7 single", nil, "hellohello", 1},
		{"gsm7 concatenated with escapes", []string{"-autolen", "400"},
			"Cita confirmada: lunes 14 a las 10:30 en la oficina de Sevilla. Traiga su DNI/NIE y el codigo de solicitud. " +
				"Coste: 0 € (gratuito). Dudas: {web} [ventanilla] ^ | \\ fin del mensaje largo para que ocupe dos partes o mas.", 2},
		{"ucs2 concatenated", []string{"-unicode", "-autolen", "400"},
			"¿Qué tal? Atención: la cita está confirmada para el miércoles. Por favor, traiga el código. Úselo en la oficina. 😀 Gracias.", 2},
	}
	for _, tc := range cases {
		before := len(emu.Submissions())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		args := append([]string{"-c", rc, "sendsms", "TEXT", to}, tc.args...)
		args = append(args, "-text", tc.text)
		out, err := exec.CommandContext(ctx, gammu, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: gammu failed: %v\n%s", tc.name, err, out)
		}
		subs := emu.Submissions()[before:]
		if len(subs) != tc.parts {
			t.Fatalf("%s: gammu sent %d parts, want %d\n%s", tc.name, len(subs), tc.parts, out)
		}
		msgs := emu.Messages()
		last := msgs[len(msgs)-1]
		if last.Text != tc.text || last.To != to || last.Parts != tc.parts {
			t.Errorf("%s: emulator decoded %+v", tc.name, last)
		}
		// Our encoder against gammu's PDUs: same TPDU octets.
		theirs := subs[0]
		vp, err := validityOf(theirs.PDU)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := pdu.Encode(to, tc.text, pdu.Options{Validity: vp, ConcatRef: uint8(theirs.Ref)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ours) != len(subs) {
			t.Fatalf("%s: we make %d parts, gammu %d", tc.name, len(ours), len(subs))
		}
		for i := range ours {
			if got, want := ours[i].Hex[2:], stripSMSC(subs[i].PDU); got != want {
				t.Errorf("%s part %d:\n ours  %s\n gammu %s", tc.name, i, got, want)
			}
			if ours[i].TPDULen != subs[i].Length {
				t.Errorf("%s part %d: length %d, gammu %d", tc.name, i, ours[i].TPDULen, subs[i].Length)
			}
		}
	}
}

// gammuRequired: CI (any value but "false" or "0", as CI systems set it)
// or VENTANILLA_REQUIRE_GAMMU (any value but "0").
func gammuRequired() bool {
	if v := os.Getenv("VENTANILLA_REQUIRE_GAMMU"); v != "" && v != "0" {
		return true
	}
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// TestGammuMissingFailsWhereRequired runs TestGammuInterop in a child test
// process whose PATH has no gammu: it must fail where gammu is required
// and skip elsewhere.
func TestGammuMissingFailsWhereRequired(t *testing.T) {
	if os.Getenv("VENTANILLA_GAMMU_CHILD") != "" {
		t.Skip("child run")
	}
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "PATH" && k != "CI" && k != "VENTANILLA_REQUIRE_GAMMU" {
			base = append(base, kv)
		}
	}
	base = append(base, "PATH="+t.TempDir(), "VENTANILLA_GAMMU_CHILD=1")
	for _, tc := range []struct {
		env      []string
		wantFail bool
	}{
		{nil, false},
		{[]string{"CI=true"}, true},
		{[]string{"CI=1"}, true},
		{[]string{"CI=false"}, false},
		{[]string{"VENTANILLA_REQUIRE_GAMMU=1"}, true},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestGammuInterop$", "-test.v", "-test.count=1")
		cmd.Env = append(append([]string(nil), base...), tc.env...)
		out, err := cmd.CombinedOutput()
		failed := err != nil
		if failed != tc.wantFail {
			t.Errorf("env %v: failed=%v, want %v\n%s", tc.env, failed, tc.wantFail, out)
			continue
		}
		want := "--- SKIP: TestGammuInterop"
		if tc.wantFail {
			want = "but not installed"
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("env %v: output lacks %q\n%s", tc.env, want, out)
		}
	}
}

func stripSMSC(h string) string {
	var n int
	if _, err := fmt.Sscanf(h[:2], "%02X", &n); err != nil {
		return h
	}
	return strings.ToUpper(h[2+2*n:])
}

// validityOf returns the relative validity octet of a SUBMIT PDU.
func validityOf(h string) (byte, error) {
	t := stripSMSC(h)
	var first, mr, ndig byte
	if _, err := fmt.Sscanf(t[:6], "%02X%02X%02X", &first, &mr, &ndig); err != nil {
		return 0, err
	}
	if (first>>3)&3 != 2 {
		return 0, fmt.Errorf("validity format %d not relative", (first>>3)&3)
	}
	pos := 6 + 2 + int(ndig+1)/2*2 + 4 // type, digits, PID, DCS
	var vp byte
	_, err := fmt.Sscanf(t[pos:pos+2], "%02X", &vp)
	return vp, err
}
