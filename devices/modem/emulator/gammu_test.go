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
func TestGammuInterop(t *testing.T) {
	gammu, err := exec.LookPath("gammu")
	if err != nil {
		t.Skip("gammu is not installed (apt-get install -y gammu); interoperability not checked")
	}
	if testing.Short() {
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
