package store

import (
	"errors"
	"testing"
)

func TestParseJobLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		want JobLine
	}{
		{"+34600000001\thola\\nadiós", true, JobLine{Kind: KindSMS, To: "+34600000001", Text: "hola\nadiós"}},
		{`{"kind":"email","to":"a@b.es","subject":"Año","text":"x"}`, true, JobLine{Kind: KindEmail, To: "a@b.es", Subject: "Año", Text: "x"}},
		{`{"to":"+34 600 000 001","text":"x"}`, true, JobLine{Kind: KindSMS, To: "+34 600 000 001", Text: "x"}},
		{"+34600000001 hola", false, JobLine{}},
		{"\thola", false, JobLine{}},
		{"+34600000001\t", false, JobLine{}},
		{`{"kind":"fax","to":"1","text":"x"}`, false, JobLine{}},
		{`{"kind":"email","to":"nope","text":"x"}`, false, JobLine{}},
		{`{"to":"+34600000001","text":"x","extra":1}`, false, JobLine{}},
		{`{"to":"+34600000001","text":"x"}{}`, false, JobLine{}},
		{`{"to":"+34600000001","text":"x","subject":"s"}`, false, JobLine{}},
	} {
		got, err := ParseJobLine(tc.line, KindSMS)
		if (err == nil) != tc.ok {
			t.Errorf("ParseJobLine(%q): err %v, want ok=%v", tc.line, err, tc.ok)
			continue
		}
		if tc.ok && (got.Kind != tc.want.Kind || got.To != tc.want.To || got.Text != tc.want.Text || got.Subject != tc.want.Subject) {
			t.Errorf("ParseJobLine(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
	for _, l := range []string{"", "   ", "# comment", "\r\n"} {
		if _, err := ParseJobLine(l, KindSMS); !errors.Is(err, ErrSkipLine) {
			t.Errorf("ParseJobLine(%q) = %v, want ErrSkipLine", l, err)
		}
	}
}

// FuzzParseJobLine: never panics; whatever it accepts is a job the store
// accepts too.
func FuzzParseJobLine(f *testing.F) {
	f.Add("+34600000001\thola")
	f.Add(`{"kind":"email","to":"a@b.es","text":"x"}`)
	f.Add(`{"to":"+34 600","text":""}`)
	f.Fuzz(func(t *testing.T, line string) {
		jl, err := ParseJobLine(line, KindSMS)
		if err != nil {
			return
		}
		if err := validate(ptr(jl.NewJob(nil))); err != nil {
			t.Fatalf("ParseJobLine(%q) accepted %+v but the store refuses it: %v", line, jl, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
