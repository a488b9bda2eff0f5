package procedure

import (
	"errors"
	"strings"
)

// Privacy is the office's data-protection settings for the first layer of
// the notice (RGPD art. 13, LOPDGDD art. 11): who is responsible, where to
// exercise rights, and where the rest of the information is. It comes from
// the office's configuration ([privacy]); the kiosk never invents a
// controller. The notice's text is in the catalogues (steps.notice.*),
// shown by tui/steps.
//
// The processing has one legal basis, stated in the notice: a task in the
// public interest (RGPD art. 6.1.e), the assistance in the use of
// electronic means that Ley 39/2015, art. 12, asks of the administrations.
// It is not consent, so the visitor is not asked to "accept": the notice
// is read, and the visitor chooses to go on or to ask a person instead.
type Privacy struct {
	// Controller is the body responsible for the processing, e.g.
	// "Ayuntamiento de Getafe".
	Controller string
	// Contact is where to exercise the rights: the data-protection
	// officer's e-mail or address, e.g. "dpd@getafe.es".
	Contact string
	// Info is where the full (second-layer) information is, e.g. a web
	// address or "en el mostrador de información"; optional.
	Info string
}

// ErrPrivacyNotConfigured means the controller or the contact is missing
// from the configuration: the notice cannot name them, so the kiosk does
// not start. A technician problem.
var ErrPrivacyNotConfigured = errors.New("procedure: privacy notice: controller and contact must be set in the config file ([privacy])")

// Validate reports ErrPrivacyNotConfigured when the controller or the
// contact is missing.
func (p Privacy) Validate() error {
	if strings.TrimSpace(p.Controller) == "" || strings.TrimSpace(p.Contact) == "" {
		return ErrPrivacyNotConfigured
	}
	return nil
}
