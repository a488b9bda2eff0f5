// Package steps holds the building blocks that more than one procedure
// uses: the first-layer personal-data notice with explicit acceptance
// ([Notice]), mobile verification by SMS code ([VerifyMobile], whose rules
// are procedure's pure state machine, procedure.OTP), the camera step ([Photo], wrapping
// tui/capture) and a QR code drawn with half-block characters ([QR],
// [RenderQR]). [Field] is the small one-line text input they share.
//
// Every step is a sub-model that a procedure screen embeds, not a
// kit.Screen of its own: the screen owns Progress, Title and routing, the
// step owns its part of the body. The shape is the same for all of them:
//
//	n := steps.NewNotice(env, steps.NoticeFor(kit.FlowClave))
//	cmd := n.Init()
//	// in the screen's Update, pass every message (keys, timers, replies):
//	cmd = n.Update(msg)
//	if n.Done() { … go to the next step … }
//	// in View: n.View(); in Keys: kit.Join(n.Keys(), yourKeys)
//	// in Wipe: n.Wipe()
//
// Steps read text, styles and the clock from the kit.Env at render time, so
// F2 (language) and F3 (contrast) apply at once and tests drive timers with
// kit.FakeClock. Messages a step sends to itself carry a per-instance tag,
// so a reply that arrives after the step was wiped or replaced is ignored;
// a screen can therefore forward every message to its current step without
// filtering.
//
// Steps never send anything themselves: SMS go through env.Outbox, which
// commits them durably before returning. No step logs visitor data.
package steps

import "sync/atomic"

// lastTag numbers step instances; see the package comment.
var lastTag atomic.Uint64

func newTag() uint64 { return lastTag.Add(1) }
