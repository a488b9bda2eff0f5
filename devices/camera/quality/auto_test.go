package quality

import (
	"testing"
	"time"
)

func good(cx, sharp float64) Result {
	return Result{OK: true, Metrics: Metrics{Found: true, CX: cx, CY: 0.5, Sharpness: sharp}}
}

func bad(p Problem) Result {
	return Result{Problems: Problems(0).Add(p), Metrics: Metrics{Sharpness: 0.1}}
}

// TestAuto drives the state machine with a fake clock at 15 fps.
func TestAuto(t *testing.T) {
	const fps = 70 * time.Millisecond
	type step struct {
		r     Result
		n     int // frames of it
		shoot bool
		seq   uint64 // expected shot
		hint  Problem
		help  Problem // "" = no help shown
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"steady good frames shoot after 600 ms, sharpest of the last",
			[]step{
				{r: bad(TooFar), n: 5, hint: TooFar},
				{r: good(0.5, 1.0), n: 4},
				{r: good(0.5, 2.0), n: 1},
				{r: good(0.5, 1.0), n: 5, shoot: true, seq: 10},
			}},
		{"moving resets the steady timer",
			[]step{
				{r: good(0.3, 1), n: 5},
				{r: good(0.4, 1), n: 5}, // jumped: restart
				{r: good(0.4, 1.2), n: 5, shoot: true, seq: 15},
			}},
		{"a bad frame resets the steady timer",
			[]step{
				{r: good(0.5, 1), n: 8},
				{r: bad(Blurry), n: 1}, // one bad frame among good ones: no hint flicker
				{r: good(0.5, 1), n: 9},
				{r: good(0.5, 1), n: 1, shoot: true, seq: 19},
			}},
		{"help after 15 s without a good frame names the main problem",
			[]step{
				{r: bad(Glare), n: 200, hint: Glare}, // 14 s: no help yet
				{r: bad(TooDark), n: 30, hint: TooDark, help: TooDark},
				// The help names what dominated the last 3 s, the hint what
				// dominates now.
				{r: bad(Glare), n: 10, hint: Glare, help: TooDark},
			}},
		{"hint is smoothed: one odd frame does not change it",
			[]step{
				{r: bad(TooFar), n: 10, hint: TooFar},
				{r: bad(Tilted), n: 1, hint: TooFar},
			}},
	}
	for _, c := range cases {
		now := time.Unix(1000, 0)
		a := NewAuto(AutoConfig{}, now)
		seq := uint64(0)
		for si, s := range c.steps {
			for i := 0; i < s.n; i++ {
				now = now.Add(fps)
				seq++
				d := a.Feed(now, seq, s.r)
				last := i == s.n-1
				if d.Shoot && !(last && s.shoot) {
					t.Fatalf("%s: step %d frame %d: early shot", c.name, si, i)
				}
				if last {
					if d.Shoot != s.shoot || (s.shoot && d.Seq != s.seq) {
						t.Fatalf("%s: step %d: shoot %v seq %d, want %v %d", c.name, si, d.Shoot, d.Seq, s.shoot, s.seq)
					}
					if d.Hint != s.hint {
						t.Fatalf("%s: step %d: hint %q, want %q", c.name, si, d.Hint, s.hint)
					}
					if (s.help != "") != d.Help || d.HelpProblem != s.help {
						t.Fatalf("%s: step %d: help %v %q, want %q", c.name, si, d.Help, d.HelpProblem, s.help)
					}
				}
			}
		}
	}
}

func TestAutoHelpTiming(t *testing.T) {
	now := time.Unix(0, 0)
	a := NewAuto(AutoConfig{}, now)
	d := a.Feed(now.Add(14*time.Second), 1, bad(TooFar))
	if d.Help {
		t.Fatal("help before 15 s")
	}
	d = a.Feed(now.Add(15*time.Second), 2, bad(TooFar))
	if !d.Help || d.HelpProblem != TooFar {
		t.Fatalf("no help at 15 s: %+v", d)
	}
	// A good frame restarts the 15 s.
	a.Feed(now.Add(16*time.Second), 3, good(0.5, 1))
	if d = a.Feed(now.Add(20*time.Second), 4, bad(TooFar)); d.Help {
		t.Fatal("help 4 s after a good frame")
	}
}

func TestAutoManualAndReset(t *testing.T) {
	now := time.Unix(0, 0)
	a := NewAuto(AutoConfig{}, now)
	if _, ok := a.Manual(); ok {
		t.Fatal("manual shot with no frame")
	}
	a.Feed(now, 1, bad(Blurry))
	r := bad(Glare)
	r.Metrics.Sharpness = 0.9
	a.Feed(now, 2, r)
	a.Feed(now, 3, bad(Blurry))
	if seq, ok := a.Manual(); !ok || seq != 2 {
		t.Fatalf("manual picked %d, want the sharpest (2)", seq)
	}
	if !a.Shot() {
		t.Fatal("not shot after manual capture")
	}
	if d := a.Feed(now, 4, good(0.5, 1)); d.Shoot {
		t.Fatal("shot twice")
	}
	a.Reset(now)
	if a.Shot() {
		t.Fatal("Reset kept the shot")
	}
}

func TestCheckSide(t *testing.T) {
	front := Result{OK: true, Metrics: Metrics{Found: true, MRZ: 0.1}}
	back := Result{OK: true, Metrics: Metrics{Found: true, MRZ: 0.9}}
	for i := range back.Sig {
		back.Sig[i] = uint8(i * 7)
		front.Sig[i] = uint8(i * 13 % 251)
	}
	fs := front.Sig
	cases := []struct {
		name  string
		back  bool
		r     Result
		front *Signature
		want  Side
	}{
		{"front ok", false, front, nil, SideOK},
		{"front is a back", false, back, nil, SideIsBack},
		{"back ok", true, back, &fs, SideOK},
		{"back without MRZ", true, func() Result { r := back; r.Metrics.MRZ = 0.1; return r }(), nil, SideIsFront},
		{"back same as front", true, front, &fs, SideSameAsFront},
		{"no card", true, Result{}, &fs, SideOK},
	}
	for _, c := range cases {
		if got := CheckSide(c.back, c.r, c.front); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
