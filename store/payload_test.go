package store

import (
	"bytes"
	"reflect"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, p := range []Payload{
		{To: "+34600000001", Text: "Código: 123"},
		{To: "a@b.es", Subject: "Año", Body: "x", Attachments: []Attachment{
			{Name: "dni.jpg", ContentType: "image/jpeg", Data: dniJPEG},
			{Name: "empty.txt", ContentType: "text/plain", Data: []byte{}},
		}},
	} {
		b, err := encodePayload(&p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodePayload(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got.Attachments {
			if !bytes.Equal(got.Attachments[i].Data, p.Attachments[i].Data) {
				t.Fatalf("attachment %d differs", i)
			}
			got.Attachments[i].Data, p.Attachments[i].Data = nil, nil
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("got %+v, want %+v", got, p)
		}
	}
	// Raw bytes, not base64: the encoding costs little over the images.
	p := Payload{To: "a@b.es", Body: "x", Attachments: []Attachment{{Name: "dni.jpg", Data: dniJPEG}}}
	b, _ := encodePayload(&p)
	if len(b) > len(dniJPEG)+200 {
		t.Fatalf("encoded %d bytes for a %d-byte image", len(b), len(dniJPEG))
	}
}

// FuzzDecodePayload: a damaged plaintext (it is authenticated, but a bug
// could still write one) never panics, and what decodes re-encodes to
// the same bytes.
func FuzzDecodePayload(f *testing.F) {
	seed, _ := encodePayload(&Payload{To: "a@b.es", Body: "x", Attachments: []Attachment{{Name: "a", Data: []byte{1, 2, 3}}}})
	f.Add(seed)
	f.Add([]byte("P\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePayload(b)
		if err != nil {
			return
		}
		again, err := encodePayload(&p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodePayload(again); err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
	})
}
