package kit

// Visitor is what a visitor typed or captured during one session. It is
// carried between procedures (the FNMT flow hands it to the call-centre
// route) and wiped at the end of the session.
type Visitor struct {
	NIF            string // normalised NIF/NIE
	SupportNumber  string // IDESP or NIE support number
	Name           string
	Surname1       string
	Surname2       string
	Email          string
	Mobile         string // E.164
	MobileVerified bool
	Code           string // FNMT código de solicitud
	CallSlot       string // "morning" | "afternoon"
	CallLang       string
	Front, Back    []byte // JPEG of the ID, only for the call-centre route
	Signed         []byte // JPEG of the signed Cl@ve request
}

// Wipe overwrites the visitor's images and clears every field. Strings are
// immutable in Go and cannot be overwritten in place; dropping the last
// reference is the best the runtime allows, which is why the root also
// discards every screen that held them.
func (v *Visitor) Wipe() {
	if v == nil {
		return
	}
	Zero(v.Front)
	Zero(v.Back)
	Zero(v.Signed)
	*v = Visitor{}
}

// Clone returns a deep copy, so a procedure that receives carried-over data
// does not share image buffers with the one that is being wiped.
func (v *Visitor) Clone() *Visitor {
	if v == nil {
		return nil
	}
	c := *v
	c.Front = append([]byte(nil), v.Front...)
	c.Back = append([]byte(nil), v.Back...)
	c.Signed = append([]byte(nil), v.Signed...)
	return &c
}

// Zero overwrites b with zeros.
func Zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
