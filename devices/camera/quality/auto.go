package quality

import "time"

// AutoConfig tunes the auto-capture state machine. Zero values take the
// defaults in parentheses.
type AutoConfig struct {
	// Steady: how long frames must be good and still before the shot
	// (600 ms: long enough that the visitor has stopped moving, short
	// enough that tired arms do not start shaking).
	Steady time.Duration
	// MaxMove: how far (fraction of the frame) the object's centre may
	// move between two good frames and still count as still (0.02: ~25 px
	// at 720p, hand tremor, not repositioning).
	MaxMove float64
	// Keep: how many recent frames are kept as candidates; the shot is the
	// sharpest of them (6, 0.4 s at 15 fps: motion blur comes and goes
	// frame by frame).
	Keep int
	// HelpAfter: time without a good frame before the main problem is
	// explained in plain words (15 s).
	HelpAfter time.Duration
	// History: frames over which the main problem is counted (45: 3 s).
	History int
}

func (c *AutoConfig) defaults() {
	if c.Steady == 0 {
		c.Steady = 600 * time.Millisecond
	}
	if c.MaxMove == 0 {
		c.MaxMove = 0.02
	}
	if c.Keep == 0 {
		c.Keep = 6
	}
	if c.HelpAfter == 0 {
		c.HelpAfter = 15 * time.Second
	}
	if c.History == 0 {
		c.History = 45
	}
}

// candidate is a recent frame the caller still holds, by sequence number.
type candidateFrame struct {
	seq   uint64
	sharp float64
	good  bool
	ok    bool // slot in use
}

// Decision is what the state machine says after a frame.
type Decision struct {
	// Shoot: take the photo now; Seq is the frame to keep (the sharpest
	// good frame of the last few, which the caller still holds).
	Shoot bool
	Seq   uint64
	// Hint is the problem to show now (smoothed over the last frames so
	// the advice does not flicker), "" when the frame is good.
	Hint Problem
	// Help: no good frame for HelpAfter; HelpProblem is the problem seen
	// most in the last seconds, to be explained in plain words.
	Help        bool
	HelpProblem Problem
	// Progress is 0..1 towards the shot while the frame is steady.
	Progress float64
}

// Auto decides when to take the photo. It sees one Result per frame and
// never touches pixels; the caller keeps the last Keep frames by sequence
// number. Time comes from the caller (fake clocks in tests).
type Auto struct {
	cfg         AutoConfig
	lastGood    time.Time // or the start
	steadySince time.Time
	steady      bool
	prevCX      float64
	prevCY      float64
	prevGood    bool
	cands       []candidateFrame
	next        int
	hist        []int8 // problem index per frame, -1 unfilled
	hnext       int
	shot        bool
}

// NewAuto returns a state machine that starts counting at now.
func NewAuto(cfg AutoConfig, now time.Time) *Auto {
	cfg.defaults()
	a := &Auto{cfg: cfg}
	a.cands = make([]candidateFrame, cfg.Keep)
	a.hist = make([]int8, cfg.History)
	a.Reset(now)
	return a
}

// Reset starts over (retake).
func (a *Auto) Reset(now time.Time) {
	a.lastGood = now
	a.steady = false
	a.prevGood = false
	a.shot = false
	for i := range a.cands {
		a.cands[i] = candidateFrame{}
	}
	for i := range a.hist {
		a.hist[i] = -1
	}
}

// Shot reports whether the photo was taken (until Reset).
func (a *Auto) Shot() bool { return a.shot }

// Feed gives the state machine the verdict on frame seq, seen at now.
func (a *Auto) Feed(now time.Time, seq uint64, r Result) Decision {
	var d Decision
	a.cands[a.next] = candidateFrame{seq: seq, sharp: r.Metrics.Sharpness, good: r.OK, ok: true}
	a.next = (a.next + 1) % len(a.cands)
	a.hist[a.hnext] = int8(index(r.Main()))
	a.hnext = (a.hnext + 1) % len(a.hist)
	if a.shot {
		return d
	}
	if r.OK {
		a.lastGood = now
		moved := a.prevGood && (abs(r.Metrics.CX-a.prevCX) > a.cfg.MaxMove || abs(r.Metrics.CY-a.prevCY) > a.cfg.MaxMove)
		if !a.steady || moved {
			a.steady, a.steadySince = true, now
		}
		a.prevCX, a.prevCY, a.prevGood = r.Metrics.CX, r.Metrics.CY, true
		held := now.Sub(a.steadySince)
		d.Progress = min(1, float64(held)/float64(a.cfg.Steady))
		if held >= a.cfg.Steady {
			if seq, ok := a.best(true); ok {
				d.Shoot, d.Seq, a.shot = true, seq, true
				return d
			}
		}
		return d
	}
	a.steady, a.prevGood = false, false
	d.Hint = a.smoothed(8)
	if now.Sub(a.lastGood) >= a.cfg.HelpAfter {
		d.Help = true
		d.HelpProblem = a.smoothed(len(a.hist))
	}
	return d
}

// Manual is the visitor pressing the capture key: the sharpest of the
// recent frames, good or not (they see what they shoot).
func (a *Auto) Manual() (uint64, bool) {
	seq, ok := a.best(false)
	if ok {
		a.shot = true
	}
	return seq, ok
}

func (a *Auto) best(goodOnly bool) (uint64, bool) {
	var best candidateFrame
	for _, c := range a.cands {
		if !c.ok || (goodOnly && !c.good) {
			continue
		}
		if !best.ok || c.sharp > best.sharp || (c.sharp == best.sharp && c.seq > best.seq) {
			best = c
		}
	}
	return best.seq, best.ok
}

// smoothed is the problem seen most often in the last n frames (ties go to
// the higher-priority problem), "" when good frames dominate.
func (a *Auto) smoothed(n int) Problem {
	var counts [len(allProblems) + 1]int
	for i := 1; i <= n && i <= len(a.hist); i++ {
		if p := a.hist[(a.hnext-i+len(a.hist))%len(a.hist)]; p >= 0 {
			counts[p]++
		}
	}
	best, bestN := len(allProblems), 0
	for i := 0; i < len(allProblems); i++ {
		if counts[i] > bestN {
			best, bestN = i, counts[i]
		}
	}
	if best == len(allProblems) || counts[len(allProblems)] > bestN {
		return ""
	}
	return allProblems[best]
}

// index of a problem in priority order; "" (good) and unknown map past the
// end.
func index(p Problem) int {
	for i, q := range allProblems {
		if q == p {
			return i
		}
	}
	return len(allProblems)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Side is the verdict on which side of the card a capture shows.
type Side int

// Side verdicts.
const (
	SideOK Side = iota
	// SideIsBack: the front was asked for but the capture has a
	// machine-readable zone.
	SideIsBack
	// SideIsFront: the back was asked for but there is no MRZ.
	SideIsFront
	// SideSameAsFront: the back capture looks like the front capture.
	SideSameAsFront
)

// CheckSide says whether a capture shows the side that was asked for.
// back: the back was asked for; front: the front capture's signature, if
// any. The DNI's back carries the machine-readable zone, its front does
// not; and two photos of the same side look alike.
func CheckSide(back bool, r Result, front *Signature) Side {
	if !r.Metrics.Found {
		return SideOK // nothing to judge (a manual shot of no card)
	}
	hasMRZ := r.Metrics.MRZ >= MRZThreshold
	if !back {
		if hasMRZ {
			return SideIsBack
		}
		return SideOK
	}
	if front != nil && Similarity(front, &r.Sig) >= SameSide {
		return SideSameAsFront
	}
	if !hasMRZ {
		return SideIsFront
	}
	return SideOK
}
