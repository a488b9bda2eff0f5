package procedure

// FlowID names one of the procedures on the home screen.
type FlowID string

// The three procedures of the kiosk.
const (
	FlowFNMT            FlowID = "fnmt"             // FNMT certificate with video-identification (issue 7)
	FlowClave           FlowID = "clave"            // Cl@ve registration through the call centre (issue 8)
	FlowCertificateCall FlowID = "certificate_call" // FNMT certificate through the call centre (issue 8)
)

// StepID names a step of a flow. IDs are unique across flows, so a screen
// can be keyed by StepID alone.
type StepID string

// Need is one thing a step collects from the visitor. Its value is also the
// Problem field used when that thing is missing or wrong.
type Need string

// What steps collect.
const (
	NeedNotice    Need = "notice"
	NeedDevice    Need = "device"
	NeedNIF       Need = "nif"
	NeedSupport   Need = "support"
	NeedName      Need = "name"
	NeedSurname1  Need = "surname1"
	NeedSurname2  Need = "surname2"
	NeedEmail     Need = "email"
	NeedMobile    Need = "mobile" // verified by SMS code
	NeedSlot      Need = "slot"
	NeedLanguage  Need = "language"
	NeedCode      Need = "code"
	NeedRehearsal Need = "rehearsal"
	NeedFront     Need = "front"
	NeedBack      Need = "back"
	NeedSigned    Need = "signed"
)

// Step is one screen-sized stage of a flow.
type Step struct {
	ID StepID
	// TitleKey is the catalogue key of the step's title.
	TitleKey string
	// Counted steps make up "Paso N de M"; the notice before starting and
	// the final summary are not counted, as in FNMT's own "four steps".
	Counted bool
	// Needs lists what the visitor must have given before leaving the step.
	Needs []Need
}

// Flow is a procedure as an ordered list of steps.
type Flow struct {
	ID       FlowID
	TitleKey string
	Steps    []Step
}

// KeyStepPosition is the catalogue key of "Paso {{.N}} de {{.Total}}",
// the one the kiosk's header shows.
const KeyStepPosition = "shell.step"

// Index returns the position of the step in the flow, or -1.
func (f Flow) Index(id StepID) int {
	for i, s := range f.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// Step returns the step with the given ID.
func (f Flow) Step(id StepID) (Step, bool) {
	if i := f.Index(id); i >= 0 {
		return f.Steps[i], true
	}
	return Step{}, false
}

// Position returns the step's number among the counted steps and how many
// there are, for "Paso 2 de 4". n is 0 for an uncounted step (or an unknown
// one), which the UI shows without a number.
func (f Flow) Position(id StepID) (n, total int) {
	for _, s := range f.Steps {
		if !s.Counted {
			continue
		}
		total++
		if s.ID == id {
			n = total
		}
	}
	return n, total
}

// PositionMessage returns "Paso N de M" as a catalogue message, or false
// for an uncounted step.
func (f Flow) PositionMessage(id StepID) (Message, bool) {
	n, total := f.Position(id)
	if n == 0 {
		return Message{}, false
	}
	return Message{Key: KeyStepPosition, Args: map[string]any{"N": n, "Total": total}}, true
}

// Next returns the step after id, if any.
func (f Flow) Next(id StepID) (StepID, bool) {
	i := f.Index(id)
	if i < 0 || i+1 >= len(f.Steps) {
		return "", false
	}
	return f.Steps[i+1].ID, true
}

// Prev returns the step before id, if any.
func (f Flow) Prev(id StepID) (StepID, bool) {
	i := f.Index(id)
	if i <= 0 {
		return "", false
	}
	return f.Steps[i-1].ID, true
}

// First returns the first step.
func (f Flow) First() StepID {
	if len(f.Steps) == 0 {
		return ""
	}
	return f.Steps[0].ID
}

// Flows returns the three procedures in home-screen order.
func Flows() []Flow {
	return []Flow{FNMTFlow(), CallCentreFlow(VariantClave), CallCentreFlow(VariantCertificate)}
}
