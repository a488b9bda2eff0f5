package capture

import "github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"

// The catalogue keys are written out as literals (not built from the
// problem code) so the i18n completeness test can see every one of them.

// placeText says where to put the object, per mode.
func placeText(t Translator, m Mode) string {
	switch m {
	case IDBack:
		return t.T("capture.place.id_back")
	case Face:
		return t.T("capture.place.face")
	case Document:
		return t.T("capture.place.document")
	}
	return t.T("capture.place.id_front")
}

// reviewGoodText is the verdict on a good photo with what the visitor
// should check on it: a document must be legible, a face must be seen
// whole and lit.
func reviewGoodText(t Translator, m Mode) string {
	if m == Face {
		return t.T("capture.review_good_face")
	}
	return t.T("capture.review_good")
}

// adviceText is the short live advice for a problem.
func adviceText(t Translator, m Mode, p quality.Problem) string {
	switch m {
	case Document:
		switch p {
		case quality.NoCard:
			return t.T("capture.advice.doc_none")
		case quality.TooFar:
			return t.T("capture.advice.doc_too_far")
		case quality.TooClose:
			return t.T("capture.advice.doc_too_close")
		case quality.Tilted:
			return t.T("capture.advice.doc_tilted")
		case quality.TooBright:
			return t.T("capture.advice.doc_too_bright")
		case quality.Glare:
			return t.T("capture.advice.doc_glare")
		case quality.Blurry:
			return t.T("capture.advice.doc_blurry")
		}
	case Face:
		switch p {
		case quality.TooDark:
			return t.T("capture.advice.face_too_dark")
		case quality.TooBright:
			return t.T("capture.advice.face_too_bright")
		case quality.Blurry:
			return t.T("capture.advice.face_blurry")
		case quality.NoFace:
			return t.T("capture.advice.no_face")
		case quality.TooFar:
			return t.T("capture.advice.face_too_far")
		case quality.TooClose:
			return t.T("capture.advice.face_too_close")
		case quality.OffCentre:
			return t.T("capture.advice.face_off_centre")
		}
	}
	switch p {
	case quality.LowResolution:
		return t.T("capture.advice.low_resolution")
	case quality.NoCard:
		return t.T("capture.advice.no_card")
	case quality.TooFar:
		return t.T("capture.advice.too_far")
	case quality.TooClose:
		return t.T("capture.advice.too_close")
	case quality.TooDark:
		return t.T("capture.advice.too_dark")
	case quality.TooBright:
		return t.T("capture.advice.too_bright")
	case quality.Glare:
		return t.T("capture.advice.glare")
	case quality.Blurry:
		return t.T("capture.advice.blurry")
	case quality.Tilted:
		return t.T("capture.advice.tilted")
	case quality.NoFace:
		return t.T("capture.advice.no_face")
	}
	return placeText(t, m)
}

// helpText explains the main problem in plain words after 15 s without a
// good frame (ID card steps; other modes repeat the advice, except for a
// camera whose pictures are too small, which is never the visitor's to
// fix).
func helpText(t Translator, m Mode, p quality.Problem) string {
	if p == quality.LowResolution {
		return t.T("capture.help.low_resolution")
	}
	if m != IDFront && m != IDBack {
		return adviceText(t, m, p)
	}
	switch p {
	case quality.NoCard:
		return t.T("capture.help.no_card")
	case quality.TooFar:
		return t.T("capture.help.too_far")
	case quality.TooClose:
		return t.T("capture.help.too_close")
	case quality.TooDark:
		return t.T("capture.help.too_dark")
	case quality.TooBright:
		return t.T("capture.help.too_bright")
	case quality.Glare:
		return t.T("capture.help.glare")
	case quality.Blurry:
		return t.T("capture.help.blurry")
	case quality.Tilted:
		return t.T("capture.help.tilted")
	}
	return adviceText(t, m, p)
}
