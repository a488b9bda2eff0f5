package procedure

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// pcgReader is a deterministic io.Reader for references in tests.
type pcgReader struct{ r *rand.Rand }

func (p pcgReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.r.Uint32())
	}
	return len(b), nil
}

func seeded(n uint64) pcgReader { return pcgReader{rand.New(rand.NewPCG(n, n+1))} }

var (
	jpegMu    sync.Mutex
	jpegCache = map[[2]int][]byte{}
)

// testJPEG returns a w×h JPEG, cached (encoding is the slow part of these
// tests); callers get their own copy, since Wipe overwrites it.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	jpegMu.Lock()
	defer jpegMu.Unlock()
	if b, ok := jpegCache[[2]int{w, h}]; ok {
		return bytes.Clone(b)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	jpegCache[[2]int{w, h}] = b.Bytes()
	return bytes.Clone(b.Bytes())
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var testCC = CallCentre{
	Address: "solicitudes@centro.example.es",
	Office:  "Oficina de Atención Ciudadana de Chamberí",
	Place:   "Madrid",
	Kiosk:   "chamberi-1",
}

// completeRequest returns a request with every item given.
func completeRequest(t testing.TB, v Variant) *Request {
	t.Helper()
	r, err := NewRequestRand(v, at(2026, 11, 23, 17, 5), seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	r.NoticeRead = true
	r.ID, _ = ParseNIF("12345678Z")
	r.Name, r.Surname1, r.Surname2 = "María José", "García", "López"
	r.Mobile, r.VerifiedMobile = "+34600123456", "+34600123456"
	r.Email = "mj.garcia@example.es"
	r.Slot = SlotMorning
	r.Language = "es"
	r.Front = Image{Data: testJPEG(t, 800, 500)}
	r.Back = Image{Data: testJPEG(t, 800, 500)}
	if v == VariantClave {
		r.Signed = Image{Data: testJPEG(t, 1000, 1400)}
	} else {
		r.RequestCode = "123456789"
	}
	return r
}

func keysOf(ps []*Problem) string {
	var k []string
	for _, p := range ps {
		k = append(k, p.Field+":"+p.Key)
	}
	return strings.Join(k, " ")
}

func TestRequestCheckEmpty(t *testing.T) {
	for _, tc := range []struct {
		v    Variant
		last string
	}{
		{VariantClave, "signed:" + KeySignedMissing},
		{VariantCertificate, "code:" + KeyCodeEmpty},
	} {
		r, err := NewRequest(tc.v, at(2026, 11, 23, 10, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{
			"notice:" + KeyNoticeUnread, "nif:" + KeyNIFEmpty, "name:" + KeyNameEmpty, "surname1:" + KeySurname1Empty,
			"mobile:" + KeyPhoneEmpty, "email:" + KeyEmailEmpty, "slot:" + KeySlotMissing, "language:" + KeyLanguageMissing,
			"front:" + KeyFrontMissing, "back:" + KeyBackMissing, tc.last,
		}, " ")
		if got := keysOf(r.Check(CheckOptions{})); got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.v, got, want)
		}
		if r.Complete(CheckOptions{}) {
			t.Error("empty request complete")
		}
	}
	if _, err := NewRequest("bogus", at(2026, 11, 23, 10, 0)); err == nil {
		t.Error("unknown variant accepted")
	}
}

func TestRequestCheckProblems(t *testing.T) {
	tests := []struct {
		name    string
		variant Variant
		change  func(r *Request)
		want    string
	}{
		{"complete clave", VariantClave, func(r *Request) {}, ""},
		{"complete certificate", VariantCertificate, func(r *Request) {}, ""},
		{"no second surname is fine", VariantClave, func(r *Request) { r.Surname2 = "" }, ""},
		{"K/L/M accepted for the agent", VariantClave, func(r *Request) { r.ID, _ = ParseNIF("M1234567L") }, ""},
		{"NIE without support", VariantClave, func(r *Request) { r.ID, _ = ParseNIF("X1234567L") }, "support:" + KeySupportMissing},
		{"NIE with support", VariantClave, func(r *Request) { r.ID, _ = ParseNIF("X1234567L"); r.Support = "E01234567" }, ""},
		{"NIE with DNI support", VariantClave, func(r *Request) { r.ID, _ = ParseNIF("X1234567L"); r.Support = "BAA123456" }, "support:" + KeySupportNIEFormat},
		{"DNI with optional support", VariantClave, func(r *Request) { r.Support = "BAA123456" }, ""},
		{"bad NIF carried in", VariantClave, func(r *Request) { r.ID = ID{Kind: KindDNI, Number: "12345678A"} }, "nif:" + KeyNIFLetter},
		{"unverified mobile", VariantClave, func(r *Request) { r.VerifiedMobile = "" }, "mobile:" + KeyMobileUnverified},
		{"landline", VariantClave, func(r *Request) { r.Mobile = "+34911234567" }, "mobile:" + KeyPhoneLandline},
		{"bad e-mail", VariantClave, func(r *Request) { r.Email = "mj@example" }, "email:" + KeyEmailDomain},
		{"unknown language", VariantClave, func(r *Request) { r.Language = "de" }, "language:" + KeyLanguageMissing},
		{"unknown slot", VariantClave, func(r *Request) { r.Slot = "night" }, "slot:" + KeySlotMissing},
		{"blurry front", VariantClave, func(r *Request) { r.Front.Issues = []string{"blurry"} }, "front:" + KeyFrontUnreadable},
		{"back not an image", VariantClave, func(r *Request) { r.Back.Data = []byte("hello") }, "back:" + KeyBackUnreadable},
		{"back too small", VariantClave, func(r *Request) { r.Back.Data = testJPEG(t, 400, 250) }, "back:" + KeyBackUnreadable},
		{"png front", VariantClave, func(r *Request) { r.Front.Data = testPNG(t, 800, 500) }, ""},
		{"signed card-sized", VariantClave, func(r *Request) { r.Signed.Data = testJPEG(t, 800, 500) }, "signed:" + KeySignedUnreadable},
		{"signed missing", VariantClave, func(r *Request) { r.Signed = Image{} }, "signed:" + KeySignedMissing},
		{"signed ignored for certificate", VariantCertificate, func(r *Request) { r.Signed = Image{} }, ""},
		{"code wrong length", VariantCertificate, func(r *Request) { r.RequestCode = "12345" }, "code:" + KeyCodeLength},
		{"no consent", VariantCertificate, func(r *Request) { r.NoticeRead = false }, "notice:" + KeyNoticeUnread},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := completeRequest(t, tc.variant)
			tc.change(r)
			if got := keysOf(r.Check(CheckOptions{})); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	r := completeRequest(t, VariantClave)
	r.Back.Data = testJPEG(t, 400, 250)
	ps := r.Check(CheckOptions{})
	if ps[0].Args["Reason"] != ReasonTooSmall {
		t.Errorf("reason %v", ps[0].Args)
	}
	r.Back.Data = []byte("x")
	if ps := r.Check(CheckOptions{}); ps[0].Args["Reason"] != ReasonNotImage {
		t.Errorf("reason %v", ps[0].Args)
	}
	r = completeRequest(t, VariantCertificate)
	r.RequestCode = "1234567890"
	if !r.Complete(CheckOptions{CodeLength: 10}) {
		t.Error("configured code length ignored")
	}
}

func TestRequestMissingPerStep(t *testing.T) {
	r := completeRequest(t, VariantClave)
	r.Front = Image{}
	r.Email = ""
	if got := keysOf(r.Missing(StepCallPhotos, CheckOptions{})); got != "front:"+KeyFrontMissing {
		t.Errorf("photos step: %q", got)
	}
	if got := keysOf(r.Missing(StepCallIdentity, CheckOptions{})); got != "email:"+KeyEmailEmpty {
		t.Errorf("identity step: %q", got)
	}
	if got := r.Missing(StepCallSigned, CheckOptions{}); len(got) != 0 {
		t.Errorf("signed step: %s", keysOf(got))
	}
	if got := r.Missing(StepCallCode, CheckOptions{}); got != nil {
		t.Errorf("a Cl@ve request has no code step: %s", keysOf(got))
	}
}

var refRE = regexp.MustCompile(`^(CLV|CER)-[` + refAlphabet + `]{4}-[` + refAlphabet + `]{2}$`)

func TestReference(t *testing.T) {
	rnd := seeded(42)
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		v := VariantClave
		if i%2 == 1 {
			v = VariantCertificate
		}
		ref, err := NewReference(v, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if !refRE.MatchString(ref) {
			t.Fatalf("reference %q has the wrong shape", ref)
		}
		if (v == VariantClave) != strings.HasPrefix(ref, "CLV-") {
			t.Fatalf("reference %q for %s", ref, v)
		}
		if seen[ref] {
			t.Fatalf("duplicate %q after %d", ref, i)
		}
		seen[ref] = true
		if got, ok := ParseReference(strings.ToLower(strings.ReplaceAll(ref, "-", " "))); !ok || got != ref {
			t.Fatalf("ParseReference(%q) = %q, %v", ref, got, ok)
		}
	}
	// Any single mistyped character is caught by the check character.
	ref, _ := NewReference(VariantClave, seeded(1))
	for _, pos := range []int{4, 5, 6, 7, 9, 10} {
		for _, c := range refAlphabet {
			if byte(c) == ref[pos] {
				continue
			}
			bad := ref[:pos] + string(c) + ref[pos+1:]
			if _, ok := ParseReference(bad); ok {
				t.Fatalf("%q accepted (original %q)", bad, ref)
			}
		}
	}
	for _, bad := range []string{"", "XYZ-2345-67", "CLV-0000-00", "CLV-2345-6"} {
		if _, ok := ParseReference(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := NewReference(VariantClave, bytes.NewReader(nil)); err == nil {
		t.Error("no randomness, no error")
	}
	// Stable per request.
	r := completeRequest(t, VariantClave)
	e1, _ := r.BuildEmail(testCC, CheckOptions{}, nil)
	e2, _ := r.BuildEmail(testCC, CheckOptions{}, nil)
	if e1.Subject != e2.Subject || !strings.Contains(e1.Subject, r.Reference) {
		t.Error("reference not stable")
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", name, got)
	}
}

func TestBuildEmailClave(t *testing.T) {
	r := completeRequest(t, VariantClave)
	e, err := r.BuildEmail(testCC, CheckOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.To != testCC.Address {
		t.Errorf("to %q", e.To)
	}
	// Replies from the call centre go to the visitor (issue 13.11).
	if e.ReplyTo != r.Email || e.ReplyTo == "" {
		t.Errorf("reply-to %q, want the visitor's %q", e.ReplyTo, r.Email)
	}
	if !strings.HasPrefix(e.Subject, "[Cl@ve] ") || !strings.HasSuffix(e.Subject, "Ref. "+r.Reference) {
		t.Errorf("subject %q", e.Subject)
	}
	for _, personal := range []string{"García", "12345678Z", "600", "example.es"} {
		if strings.Contains(e.Subject, personal) {
			t.Errorf("subject carries personal data %q", personal)
		}
	}
	for _, want := range []string{
		"Referencia: " + r.Reference,
		"Fecha de la solicitud: 23/11/2026 17:05",
		"Nombre: María José", "Primer apellido: García", "Segundo apellido: López",
		"Documento: DNI 12345678Z", "Teléfono móvil: +34 600 123 456", "Correo electrónico: mj.garcia@example.es",
		"Franja horaria: por la mañana", "Idioma: español",
		"- front.jpg: anverso del DNI", "- back.jpg: reverso del DNI", "- solicitud-firmada.jpg:",
		"Oficina: " + testCC.Office + " (quiosco chamberi-1)",
	} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.Contains(e.Body, "CÓDIGO DE SOLICITUD") {
		t.Error("Cl@ve body has a request code section")
	}
	names := []string{"front.jpg", "back.jpg", "solicitud-firmada.jpg"}
	if len(e.Attachments) != 3 {
		t.Fatalf("%d attachments", len(e.Attachments))
	}
	imgs := [][]byte{r.Front.Data, r.Back.Data, r.Signed.Data}
	for i, a := range e.Attachments {
		if a.Name != names[i] || a.ContentType != "image/jpeg" || !bytes.Equal(a.Data, imgs[i]) {
			t.Errorf("attachment %d: %s %s %d bytes", i, a.Name, a.ContentType, len(a.Data))
		}
	}
	golden(t, "email-clave.golden", e.Subject+"\n\n"+e.Body)
}

func TestBuildEmailCertificate(t *testing.T) {
	r := completeRequest(t, VariantCertificate)
	r.ID, _ = ParseNIF("X01234567L")
	r.Support = "E01234567"
	r.Surname2 = ""
	r.Slot, r.Language = SlotAfternoon, "fr"
	r.Front.Data = testPNG(t, 800, 500)
	e, err := r.BuildEmail(testCC, CheckOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.Subject, "[Certificado FNMT] ") || !strings.Contains(e.Subject, r.Reference) ||
		!strings.HasPrefix(r.Reference, "CER-") {
		t.Errorf("subject %q", e.Subject)
	}
	for _, want := range []string{
		"CÓDIGO DE SOLICITUD DE LA FNMT\n123456789", "Documento: NIE X1234567L", "Número de soporte: E01234567",
		"Segundo apellido: (no tiene o no consta)", "Franja horaria: por la tarde", "Idioma: francés",
		"- front.png: anverso del NIE", "- back.jpg: reverso del NIE",
	} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if len(e.Attachments) != 2 || e.Attachments[0].Name != "front.png" || e.Attachments[0].ContentType != "image/png" ||
		e.Attachments[1].Name != "back.jpg" {
		t.Errorf("attachments %+v", e.Attachments)
	}
	if strings.Contains(e.Body, "solicitud-firmada") {
		t.Error("certificate e-mail mentions a signed request")
	}
	golden(t, "email-certificate.golden", e.Subject+"\n\n"+e.Body)
}

func TestBuildEmailRefuses(t *testing.T) {
	r := completeRequest(t, VariantClave)
	r.Signed.Issues = []string{"glare"}
	_, err := r.BuildEmail(testCC, CheckOptions{}, nil)
	var inc *IncompleteError
	if !errors.As(err, &inc) || len(inc.Problems) != 1 || inc.Problems[0].Key != KeySignedUnreadable {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "García") {
		t.Error("error leaks personal data")
	}
	r.Signed.Issues = nil
	if _, err := r.BuildEmail(CallCentre{}, CheckOptions{}, nil); !errors.Is(err, ErrNoCallCentreAddress) {
		t.Fatalf("got %v", err)
	}
}

func TestSignedRequestText(t *testing.T) {
	r := completeRequest(t, VariantClave)
	text, err := r.SignedRequestText(testCC, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"D./D.ª María José García López,", "con DNI 12345678Z,", "solicito el registro en Cl@ve.",
		"En Madrid, a 23 de noviembre de 2026.", "Firma:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// A few lines to copy by hand (issue 13.14: it was 28).
	if n := strings.Count(strings.TrimSpace(text), "\n") + 1; n > 7 {
		t.Errorf("the handwritten model is %d lines:\n%s", n, text)
	}
	golden(t, "clave-solicitud.golden", text)

	// Not yet given: lines to fill in by hand, never "<no value>".
	empty, _ := NewRequest(VariantClave, at(2026, 1, 7, 9, 0))
	text, err = empty.SignedRequestText(CallCentre{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "<no value>") || !strings.Contains(text, "D./D.ª ________________,\ncon NIF ________________") ||
		!strings.Contains(text, "a 7 de enero de 2026") {
		t.Errorf("empty text:\n%s", text)
	}
}

func TestSentSMSAndWipe(t *testing.T) {
	r := completeRequest(t, VariantClave)
	m := r.SentSMS()
	if m.Key != KeySMSClaveSent || m.Args["Reference"] != r.Reference {
		t.Errorf("sms %+v", m)
	}
	c := completeRequest(t, VariantCertificate)
	if c.SentSMS().Key != KeySMSCertificateSent {
		t.Error("certificate sms key")
	}
	front := r.Front.Data
	r.Wipe()
	if r.Name != "" || r.ID.Number != "" || r.Front.Data != nil || r.Reference != "" {
		t.Errorf("not wiped: %+v", r)
	}
	for _, b := range front {
		if b != 0 {
			t.Fatal("photo bytes not overwritten")
		}
	}
}

func TestFormatMobile(t *testing.T) {
	if got := FormatMobile("+34600123456"); got != "+34 600 123 456" {
		t.Error(got)
	}
	if got := FormatMobile("600"); got != "600" {
		t.Error(got)
	}
}

func BenchmarkBuildEmail(b *testing.B) {
	r := completeRequest(b, VariantClave)
	for b.Loop() {
		if _, err := r.BuildEmail(testCC, CheckOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnconfirmedMobileGoesMarked: with the modem down the visitor may go
// on without the code; the request is complete, and the e-mail tells the
// call centre the number is not verified.
func TestUnconfirmedMobileGoesMarked(t *testing.T) {
	r := completeRequest(t, VariantClave)
	r.VerifiedMobile = ""
	if err := r.Check(CheckOptions{}); err == nil {
		t.Fatal("an unverified mobile must block the request")
	}
	r.MobileUnconfirmed = true
	if err := r.Check(CheckOptions{}); err != nil {
		t.Fatalf("unconfirmed (modem down) must not block: %v", err)
	}
	m, err := r.BuildEmail(testCC, CheckOptions{}, Madrid())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, "SIN VERIFICAR") || strings.Contains(m.Body, "(verificado en el quiosco") {
		t.Fatalf("the e-mail must say the number is not verified:\n%s", m.Body)
	}
	r.VerifiedMobile, r.MobileUnconfirmed = r.Mobile, false
	m, _ = r.BuildEmail(testCC, CheckOptions{}, Madrid())
	if strings.Contains(m.Body, "SIN VERIFICAR") {
		t.Fatal("a verified number is marked unverified")
	}
}
