package procedure

import (
	"errors"
	"strings"
	"testing"
)

func TestFNMTFlowShape(t *testing.T) {
	f := FNMTFlow()
	want := []StepID{StepFNMTBefore, StepFNMTInstall, StepFNMTRequest, StepFNMTIdentity, StepFNMTDownload, StepFNMTFinish}
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
		StepFNMTIdentity: {3, 4}, StepFNMTDownload: {4, 4}, StepFNMTFinish: {0, 4}, "nope": {0, 4},
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
	if next, ok := f.Next(StepFNMTRequest); !ok || next != StepFNMTIdentity {
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
		{StepFNMTBefore, "notice:" + KeyNoticeUnread, func() { v.NoticeRead = true }},
		{StepFNMTInstall, "device:" + KeyDeviceMissing, func() { v.Device = OSLinux }},
		{StepFNMTRequest, "nif:" + KeyNIFEmpty + " surname1:" + KeySurname1Empty + " email:" + KeyEmailEmpty + " code:" + KeyCodeEmpty,
			func() {
				v.ID, _ = ParseNIF("12345678Z")
				v.Surname1, v.Email, v.RequestCode = "García", "juan@gmail.com", "123456789"
			}},
		{StepFNMTIdentity, "mobile:" + KeyPhoneEmpty + " rehearsal:" + KeyRehearsalMissing,
			func() { v.Mobile, v.VerifiedMobile, v.RehearsalDone = "+34600123456", "+34600123456", true }},
		{StepFNMTDownload, "", func() {}},
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
	if got := keys(v.Missing(StepFNMTIdentity, links, 0)); got != "mobile:"+KeyMobileUnverified {
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
	v.Device = OSIOS // FNMT's app route
	if got := v.Missing(StepFNMTInstall, links, 0); len(got) != 0 {
		t.Errorf("iPhone refused: %s", keys(got))
	}
	links.App = ""
	if got := keys(v.Missing(StepFNMTInstall, links, 0)); got != "device:"+KeyDeviceMissing {
		t.Errorf("app route hidden, iPhone accepted: %q", got)
	}
	v.Device = "amiga"
	if got := keys(v.Missing(StepFNMTInstall, links, 0)); got != "device:"+KeyDeviceMissing {
		t.Errorf("unknown device accepted: %q", got)
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
	if len(got) != 5 || got[0] != OSWindows || got[3] != OSAndroid || got[4] != OSIOS {
		t.Errorf("supported devices %v", got)
	}
	// The configurator is for computers (seed 000: Windows, Mac or Linux);
	// phones and tablets get FNMT's app page.
	for _, os := range []DeviceOS{OSWindows, OSMacOS, OSLinux} {
		if os.UsesApp() || l.Configurator[os] == "" {
			t.Errorf("%s: no configurator", os)
		}
	}
	for _, os := range []DeviceOS{OSAndroid, OSIOS} {
		if u, ok := l.ConfiguratorURL(os); !os.UsesApp() || !ok || u != l.App || l.Configurator[os] != "" {
			t.Errorf("%s: app route %q %v", os, u, ok)
		}
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
	// Friday 20 November 2026: if the video-identification is done today,
	// FNMT answers by Tuesday 24 (two business days).
	s := v.Summary(at(2026, 11, 20, 11, 38), madridCalendar(t))
	if s.IfToday != (Date{2026, 11, 24}) {
		t.Fatalf("if today %s", s.IfToday)
	}
	if s.SMS.Key != KeySMSFNMTSummary || s.SMS.Args["Code"] != "123456789" || s.SMS.Args["Hours"] != 48 {
		t.Errorf("sms %+v", s.SMS)
	}
	if len(s.TakeHome) != 5 || s.TakeHome[0].Key != "fnmt.takehome.video" || s.TakeHome[2].Key != "fnmt.takehome.download" {
		t.Errorf("take home %+v", s.TakeHome)
	}
	if th := FNMTTakeHome(OSIOS); th[2].Key != "fnmt.takehome.download_app" {
		t.Errorf("phone take home %+v", th)
	}
	// A nil calendar counts national and Madrid holidays: Wednesday 13 May
	// 2026 + 2 skips San Isidro (Friday 15, Madrid).
	if s2 := v.Summary(at(2026, 5, 13, 10, 0), nil); s2.IfToday != (Date{2026, 5, 18}) {
		t.Errorf("nil calendar %s", s2.IfToday)
	}
	m := FNMTDeadlineMessage("martes 24 de noviembre")
	if m.Key != KeyFNMTDeadline || m.Args["Hours"] != 48 || m.Args["Date"] != "martes 24 de noviembre" {
		t.Errorf("deadline message %+v", m)
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
	if cost.Args["Euros"] != 2 || cost.Args["Cents"] != "99" {
		t.Errorf("price arg %v", cost.Args)
	}
	if FNMTAnswerBusinessHours != 48 || FNMTAnswerBusinessDays != 2 || FNMTCertificatePriceCents != 0 {
		t.Error("procedure facts changed")
	}
	if len(FNMTChecksAfterInstall()) != 3 {
		t.Error("three checks after installing")
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
