// Package procedure is the domain of the kiosk, independent of screens and
// devices: the visitor data and its validation (NIF/NIE, mobile, support
// number, e-mail, FNMT código de solicitud), the FNMT video-identification
// flow, the two call-centre requests (Cl@ve registration and the FNMT
// certificate by videoconference), the business-hours deadline, and what is
// owed to the visitor (SMS content, the take-home steps) and to the call
// centre (the e-mail).
//
// Nothing here produces visitor-facing sentences. Every rejection or message
// is a catalogue key with template arguments (see [Problem] and [Message]);
// the text of every key, Spanish first, is only in the UI's catalogues
// (tui/i18n/catalog), whose test finds every key this package declares. The
// exceptions are deliberate and Spanish only: the model of the signed Cl@ve
// request and the e-mail to the call centre, documents addressed to a
// Spanish administration that are never translated (templates/ is their one
// source, golden-tested here).
//
// The package never logs. Values that carry personal data (a [Request], an
// [ID]) must be masked with package procedure/mask (mask.NIF, mask.Phone,
// mask.Email) before they
// reach a log or the technician console; [Problem.Error] never contains the
// visitor's input.
//
// Imports are limited to the standard library, rickar/cal and x/text, so the
// package can be read and tested without any hardware.
package procedure
