package procedure

import "testing"

// TestDefaultLinksFitTheQR: every built-in address must fit the QR code an
// 80x24 screen can show.
func TestDefaultLinksFitTheQR(t *testing.T) {
	l := DefaultFNMTLinks()
	all := map[string]string{"info": l.Info, "request": l.RequestForm, "video": l.VideoID, "download": l.Download}
	for os, u := range l.Configurator {
		all["configurator/"+string(os)] = u
	}
	for name, u := range all {
		if len(u) > MaxQRLinkLength {
			t.Errorf("%s: %q is %d bytes, over %d", name, u, len(u), MaxQRLinkLength)
		}
	}
}
