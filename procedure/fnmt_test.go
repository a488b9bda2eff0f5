package procedure

import (
	"errors"
	"strings"
	"testing"
)

func TestFNMTFlowShape(t *testing.T) {
	f := FNMTFlow()
	want := []StepID{StepFNMTBefore, StepFNMTInstall, StepFNMTRequest, StepFNMTVerify, StepFNMTVideo, StepFNMTFinish}
	if len(f.Steps) != len(want) {
		t.Fatalf("%d steps", len(f.Steps))
	}
	for i, id := range want {
		if f.Steps[i].ID != id {
			t.Fatalf("step %d is %s, want %s", i, f.Steps[i].ID, id)
		}
	}
	// FNMT's four official steps are 1 to 4; before/finish are not counted.
	pos := map[StepID][2]int{
		StepFNMTBefore: {0, 4}, StepFNMTInstall: {1, 4}, StepFNMTRequest: {2, 4},
		StepFNMTVerify: {3, 4}, StepFNMTVideo: {4, 4}, StepFNMTFinish: {0, 4}, "nope": {0, 4},
	}
	for id, w := range pos {
		if n, total := f.Position(id); n != w[0] || total != w[1] {
			t.Errorf("%s: position %d of %d, want %d of %d", id, n, total, w[0], w[1])
		}
	}
	m, ok := f.PositionMessage(StepFNMTRequest)
	if !ok || m.Key != KeyStepPosition || m.Args["N"] != 2 || m.Args["Total"] != 4 {
		t.Errorf("position message %+v", m)
	}
	if _, ok := f.PositionMessage(StepFNMTFinish); ok {
		t.Error("finish has no position")
	}
	if next, ok := f.Next(StepFNMTRequest); !ok || next != StepFNMTVerify {
		t.Errorf("next %s", next)
	}
	if prev, ok := f.Prev(StepFNMTInstall); !ok || prev != StepFNMTBefore {
		t.Errorf("prev %s", prev)
	}
	if _, ok := f.Next(StepFNMTFinish); ok {
		t.Error("next after finish")
	}
	if _, ok := f.Prev(StepFNMTBefore); ok {
		t.Error("prev before first")
	}
	if f.First() != StepFNMTBefore {
		t.Error("first")
	}
}

func TestFNMTMissing(t *testing.T) {
	links := DefaultFNMTLinks()
	v := &FNMTVisit{}
	keys := func(ps []*Problem) string {
		var k []string
		for _, p := range ps {
			k = append(k, p.Field+":"+p.Key)
		}
		return strings.Join(k, " ")
	}
	steps := []struct {
		step StepID
		want string
		fill func()
	}{
		{StepFNMTBefore, "consent:" + KeyConsentMissing, func() { v.Consent = true }},
		{StepFNMTInstall, "device:" + KeyDeviceMissing, func() { v.Device = OSLinux }},
		{StepFNMTRequest, "nif:" + KeyNIFEmpty + " surname1:" + KeySurname1Empty + " email:" + KeyEmailEmpty + " code:" + KeyCodeEmpty,
			func() {
				v.ID, _ = ParseNIF("12345678Z")
				v.Surname1, v.Email, v.RequestCode = "García", "juan@gmail.com", "123456789"
			}},
		{StepFNMTVerify, "mobile:" + KeyPhoneEmpty + " rehearsal:" + KeyRehearsalMissing,
			func() { v.Mobile, v.VerifiedMobile, v.RehearsalDone = "+34600123456", "+34600123456", true }},
		{StepFNMTVideo, "", func() {}},
		{StepFNMTFinish, "", func() {}},
	}
	for _, s := range steps {
		if got := keys(v.Missing(s.step, links, 0)); got != s.want {
			t.Errorf("%s missing %q, want %q", s.step, got, s.want)
		}
		s.fill()
		if got := v.Missing(s.step, links, 0); len(got) != 0 {
			t.Errorf("%s still missing %s after filling", s.step, keys(got))
		}
	}

	// Re-validation: values carried in unchecked are caught.
	v.VerifiedMobile = ""
	if got := keys(v.Missing(StepFNMTVerify, links, 0)); got != "mobile:"+KeyMobileUnverified {
		t.Errorf("unverified: %q", got)
	}
	v.ID = ID{Kind: KindNIFK, Number: "K1234567L"}
	if ps := v.Missing(StepFNMTRequest, links, 0); len(ps) != 1 || !errors.Is(ps[0], ErrSpecialNIF) {
		t.Errorf("special NIF: %s", keys(ps))
	}
	v.ID, _ = ParseNIF("12345678Z")
	if got := keys(v.Missing(StepFNMTRequest, links, 10)); got != "code:"+KeyCodeLength {
		t.Errorf("code length 10: %q", got)
	}
	v.Device = OSIOS
	if got := keys(v.Missing(StepFNMTInstall, links, 0)); got != "device:"+KeyDeviceMissing {
		t.Errorf("unsupported device accepted: %q", got)
	}
	links.Configurator[OSIOS] = "https://example.org/ios"
	if got := v.Missing(StepFNMTInstall, links, 0); len(got) != 0 {
		t.Errorf("configured device refused: %s", keys(got))
	}
}

func TestFNMTLinks(t *testing.T) {
	l := DefaultFNMTLinks()
	for _, u := range []string{l.Info, l.RequestForm, l.VideoID, l.Download} {
		if !strings.HasPrefix(u, "https://www.sede.fnmt.gob.es/") {
			t.Errorf("not an FNMT address: %q", u)
		}
	}
	got := l.SupportedDevices()
	if len(got) != 4 || got[0] != OSWindows || got[3] != OSAndroid {
		t.Errorf("supported devices %v", got)
	}
	u, ok := l.ConfiguratorURL(OSWindows)
	if !ok || !strings.Contains(u, "descarga-software") {
		t.Errorf("windows configurator %q", u)
	}
	o := l.Merge(FNMTLinks{Download: "https://x.example/d", Configurator: map[DeviceOS]string{OSLinux: "https://x.example/linux"}})
	if o.Download != "https://x.example/d" || o.Configurator[OSLinux] != "https://x.example/linux" || o.Info != l.Info {
		t.Errorf("merge %+v", o)
	}
	if o.Configurator[OSWindows] != l.Configurator[OSWindows] {
		t.Error("merge dropped a device")
	}
	if l.Configurator[OSLinux] == "https://x.example/linux" {
		t.Error("merge modified the original table")
	}
	// Each call returns a fresh table.
	DefaultFNMTLinks().Configurator[OSWindows] = ""
	if _, ok := DefaultFNMTLinks().ConfiguratorURL(OSWindows); !ok {
		t.Error("default table is shared")
	}
}

func TestFNMTSummary(t *testing.T) {
	v := &FNMTVisit{RequestCode: "123456789", Device: OSWindows}
	links := DefaultFNMTLinks()
	s := v.Summary(at(2026, 11, 20, 11, 38), madridCalendar(t), links)
	if !s.Deadline.Equal(at(2026, 11, 24, 11, 38)) {
		t.Fatalf("deadline %s", s.Deadline)
	}
	if s.When.Clock() != "11:40" || s.When.Day != 24 || s.When.WeekdayKey != "date.weekday.tuesday" {
		t.Errorf("when %+v", s.When)
	}
	if s.SMS.Key != KeySMSFNMTSummary || s.SMS.Args["Code"] != "123456789" ||
		s.SMS.Args["Deadline"] != "24/11/2026 11:40" || s.SMS.Args["URL"] != links.Download {
		t.Errorf("sms %+v", s.SMS)
	}
	if len(s.TakeHome) != 5 || s.TakeHome[0].Args["URL"] != links.VideoID || s.TakeHome[2].Args["URL"] != links.Download {
		t.Errorf("take home %+v", s.TakeHome)
	}
	// A nil calendar counts national holidays only.
	if s2 := v.Summary(at(2026, 11, 20, 11, 38), nil, links); !s2.Deadline.Equal(s.Deadline) {
		t.Errorf("nil calendar %s", s2.Deadline)
	}
}

func TestFNMTRequirements(t *testing.T) {
	reqs := FNMTRequirements()
	var cost Message
	for _, m := range reqs {
		if m.Key == "fnmt.before.cost" {
			cost = m
		}
	}
	if cost.Args["Price"] != "2,99 €" {
		t.Errorf("price arg %v", cost.Args)
	}
	if FNMTAnswerBusinessHours != 48 || FNMTCertificatePriceCents != 0 {
		t.Error("procedure facts changed")
	}
	if len(FNMTChecksAfterInstall()) != 3 {
		t.Error("three checks after installing")
	}
}

func TestCarryInto(t *testing.T) {
	id, _ := ParseNIF("12345678Z")
	v := &FNMTVisit{Consent: true, ID: id, Surname1: "García", Email: "juan@gmail.com", RequestCode: "123456789",
		Mobile: "+34600123456", VerifiedMobile: "+34600123456"}
	r, err := NewRequest(VariantCertificate, at(2026, 11, 23, 10, 0))
	if err != nil {
		t.Fatal(err)
	}
	r.Email = "otra@example.es"
	v.CarryInto(r)
	if r.ID != id || r.Surname1 != "García" || r.Mobile != "+34600123456" || !r.MobileVerified() || r.RequestCode != "123456789" {
		t.Errorf("not carried: %+v", r)
	}
	if r.Email != "otra@example.es" {
		t.Error("overwrote a field the request already had")
	}
	if r.Consent {
		t.Error("consent must be given again for the call-centre route")
	}
	c, _ := NewRequest(VariantClave, at(2026, 11, 23, 10, 0))
	v.CarryInto(c)
	if c.RequestCode != "" {
		t.Error("code carried into a Cl@ve request")
	}
}

func TestFlows(t *testing.T) {
	fs := Flows()
	if len(fs) != 3 || fs[0].ID != FlowFNMT || fs[1].ID != FlowClave || fs[2].ID != FlowCertificateCall {
		t.Fatalf("flows %v", fs)
	}
	for _, f := range fs {
		if f.TitleKey == "" {
			t.Errorf("flow %s has no title key", f.ID)
		}
		seen := map[StepID]bool{}
		for _, s := range f.Steps {
			if seen[s.ID] {
				t.Errorf("flow %s repeats step %s", f.ID, s.ID)
			}
			seen[s.ID] = true
			if s.TitleKey == "" {
				t.Errorf("step %s has no title key", s.ID)
			}
		}
	}
	if n, total := CallCentreFlow(VariantClave).Position(StepCallSigned); n != 3 || total != 4 {
		t.Errorf("clave signed step %d of %d", n, total)
	}
	if n, _ := CallCentreFlow(VariantCertificate).Position(StepCallSigned); n != 0 {
		t.Error("certificate flow has a signed-request step")
	}
}
