package procedure

import "errors"

// Privacy is the office's data-protection settings for the first layer of
// the notice (RGPD art. 13, LOPDGDD art. 11): who is responsible and where
// to exercise rights. It comes from the office's configuration; the kiosk
// never invents a controller. The notice's text is in the catalogues
// (steps.notice.*), shown by tui/steps.
type Privacy struct {
	// Controller is the body responsible for the processing, e.g.
	// "Ayuntamiento de Madrid".
	Controller string
	// Contact is where to exercise rights (an e-mail or the DPO's address).
	Contact string
	// CallCentre names the call centre that receives the requests, for the
	// recipients line of the call-centre procedures.
	CallCentre string
}

// ErrPrivacyNotConfigured means the controller or the contact is missing
// from the configuration: the notice cannot be shown, so no procedure can
// start. A technician problem.
var ErrPrivacyNotConfigured = errors.New("procedure: privacy notice: controller and contact must be set in the config file")
