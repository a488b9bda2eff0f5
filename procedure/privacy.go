package procedure

import "errors"

// Privacy is the office's data-protection settings for the first layer of
// the notice (RGPD art. 13, LOPDGDD art. 11): who is responsible and where
// to exercise rights. It comes from the office's configuration; the kiosk
// never invents a controller.
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

// KeyPrivacyAccept is the catalogue key of the acceptance checkbox.
const KeyPrivacyAccept = "privacy.accept"

// PrivacyNotice returns the first layer of the data-protection notice of a
// flow, in order (controller, purpose, legal basis, recipients, retention,
// rights), then the acceptance line (KeyPrivacyAccept). The Spanish texts
// are a model for the office's data-protection officer to review; each
// office's catalogue can adapt them.
func PrivacyNotice(flow FlowID, p Privacy) ([]Message, error) {
	if p.Controller == "" || p.Contact == "" || (flow != FlowFNMT && p.CallCentre == "") {
		return nil, ErrPrivacyNotConfigured
	}
	recipients, retention := "privacy.recipients.callcentre", "privacy.retention.callcentre"
	if flow == FlowFNMT {
		recipients, retention = "privacy.recipients.fnmt", "privacy.retention.fnmt"
	}
	return []Message{
		{Key: "privacy.controller", Args: map[string]any{"Controller": p.Controller}},
		{Key: "privacy.purpose." + string(flow)},
		{Key: "privacy.basis"},
		{Key: recipients, Args: map[string]any{"CallCentre": p.CallCentre}},
		{Key: retention},
		{Key: "privacy.rights", Args: map[string]any{"Contact": p.Contact}},
		{Key: KeyPrivacyAccept},
	}, nil
}
