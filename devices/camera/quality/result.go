// Package quality judges camera frames the way the capture screen and
// `ventanilla camera check` need: is there an ID card (or a sheet, or a
// face), is it big enough, sharp, well lit, free of glare and straight. It
// also holds the auto-capture state machine that decides when to shoot.
//
// One Analyzer serves one stream: it keeps its working buffers between
// frames, so judging a 720p frame allocates nothing in steady state.
package quality

import (
	"encoding/json"
	"strings"
)

// Mode says what the frame should show.
type Mode int

// Modes of analysis.
const (
	// IDCard: an ID-1 card (DNI, NIE), aspect 85.60/53.98 = 1.586.
	IDCard Mode = iota
	// Document: an A4 or A5 sheet (both aspect √2 = 1.414), e.g. the signed
	// request form.
	Document
	// Face: the visitor's face for the FNMT video-identification rehearsal;
	// there is no card, only light and framing in the centre.
	Face
)

// String names the mode for the CLI and JSON.
func (m Mode) String() string {
	switch m {
	case Document:
		return "document"
	case Face:
		return "face"
	}
	return "id"
}

// ParseMode reads a mode name as printed by String.
func ParseMode(s string) (Mode, bool) {
	switch strings.ToLower(s) {
	case "id", "card", "dni":
		return IDCard, true
	case "document", "doc", "sheet":
		return Document, true
	case "face":
		return Face, true
	}
	return IDCard, false
}

// Problem is one reason a frame is not good enough. The codes are part of
// the CLI contract (docs/ARCHITECTURE.md) and key the advice catalogue.
type Problem string

// Problem codes, in priority order: when several apply, the first is the
// one the visitor is told about: nothing to see, then distance, then
// tilt, then light, glare and blur (fixing distance before sharpness,
// because a far card is also small and blurry; the light before glare,
// because an over-exposed card is all "glare").
const (
	// LowResolution: the photo has too few pixels for the document to be
	// read, however it is framed (a technician's problem at a kiosk: the
	// camera or its settings).
	LowResolution Problem = "low_resolution"
	NoCard        Problem = "no_card"
	TooFar        Problem = "too_far"
	TooClose      Problem = "too_close"
	TooDark       Problem = "too_dark"
	TooBright     Problem = "too_bright"
	Glare         Problem = "glare"
	Blurry        Problem = "blurry"
	Tilted        Problem = "tilted"
	// NoFace and OffCentre are used in Face mode only: no face in the
	// frame, or a face away from the middle.
	NoFace    Problem = "no_face"
	OffCentre Problem = "off_centre"
)

// allProblems lists the codes in priority order (index = bit in Problems).
var allProblems = [...]Problem{LowResolution, NoCard, NoFace, TooFar, TooClose, OffCentre, Tilted, TooDark, TooBright, Glare, Blurry}

// Problems is a set of problem codes. It is a bit set rather than a slice so
// that a Result is a plain value and analysing a frame allocates nothing.
type Problems uint16

func bit(p Problem) Problems {
	for i, q := range allProblems {
		if q == p {
			return 1 << i
		}
	}
	return 0
}

// Add returns s with p.
func (s Problems) Add(p Problem) Problems { return s | bit(p) }

// Has reports whether p is in s.
func (s Problems) Has(p Problem) bool { return s&bit(p) != 0 }

// Empty reports whether there is no problem.
func (s Problems) Empty() bool { return s == 0 }

// Main is the highest-priority problem, "" if none.
func (s Problems) Main() Problem {
	for i, q := range allProblems {
		if s&(1<<i) != 0 {
			return q
		}
	}
	return ""
}

// List returns the problems in priority order (never nil, so JSON shows []).
func (s Problems) List() []Problem {
	out := []Problem{}
	for i, q := range allProblems {
		if s&(1<<i) != 0 {
			out = append(out, q)
		}
	}
	return out
}

// MarshalJSON writes the set as a list of codes.
func (s Problems) MarshalJSON() ([]byte, error) { return json.Marshal(s.List()) }

// Metrics are the measurements behind the verdict. Lengths are fractions
// of the frame so figures compare across resolutions.
type Metrics struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// Found: a shape of the expected aspect was found (card or sheet).
	Found bool `json:"found"`
	// Fill: the object's area over the frame's area (face mode: the skin
	// blob's).
	Fill float64 `json:"fill"`
	// WidthFrac: the object's long side over the frame's width.
	WidthFrac float64 `json:"width_frac"`
	// PPM: photo pixels per millimetre along the object (card: 85.6 mm
	// long; sheet: 297 mm).
	PPM float64 `json:"px_per_mm"`
	// Aspect: long side over short side of the fitted rectangle (face
	// mode: the face's height over the frame's).
	Aspect float64 `json:"aspect"`
	// Rectangularity: the fraction of the object's outline that shows as
	// a straight edge (fingers over the card lower it).
	Rectangularity float64 `json:"rectangularity"`
	// AngleDeg: rotation of the long side from the horizontal (vertical
	// for a portrait sheet), degrees.
	AngleDeg float64 `json:"angle_deg"`
	// CX, CY: the object's centre, fractions of the frame.
	CX float64 `json:"cx"`
	CY float64 `json:"cy"`
	// TouchesEdge: a straight-edged object with print runs off the frame
	// (the card is too close or off to one side).
	TouchesEdge bool `json:"touches_edge"`
	// LaplacianVar: variance of the Laplacian inside the object, on the
	// ~640-wide grey image (the classic focus measure).
	LaplacianVar float64 `json:"laplacian_var"`
	// BlurPx: the print's blur, as the σ of a Gaussian in the photo's own
	// pixels (re-blur ratio at the print's edges).
	BlurPx float64 `json:"blur_px"`
	// Sharpness: 1/BlurPx for the object (face mode: Laplacian variance
	// over grey-level variance); higher is sharper, for choosing among
	// frames.
	Sharpness float64 `json:"sharpness"`
	// Mean: mean grey level (0-255) of the object (face mode: the centre).
	Mean float64 `json:"mean"`
	// White: the object's white level (75th percentile of its grey
	// levels: its background print, whatever covers part of it).
	White float64 `json:"white"`
	// FrameMean: mean grey level of the whole frame.
	FrameMean float64 `json:"frame_mean"`
	// Saturated: fraction of the object's pixels at 250 or more.
	Saturated float64 `json:"saturated"`
	// MRZ: 0..1, how much the card shows a machine-readable zone (the back
	// of a DNI); ≥ MRZThreshold means "this is the back".
	MRZ float64 `json:"mrz"`
}

// SigW, SigH are the size of a capture's signature thumbnail.
const (
	SigW = 32
	SigH = 20
)

// Signature is a tiny grey thumbnail of the object, normalised for light,
// used to tell whether two captures show the same side of the card.
type Signature [SigW * SigH]uint8

// Result is the verdict on one frame.
type Result struct {
	Mode     Mode     `json:"-"`
	OK       bool     `json:"ok"`
	Problems Problems `json:"problems"`
	Metrics  Metrics  `json:"metrics"`
	// Sig is valid when Metrics.Found.
	Sig Signature `json:"-"`
}

// Main is the problem to tell the visitor about first.
func (r Result) Main() Problem { return r.Problems.Main() }
