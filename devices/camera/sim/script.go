package sim

import "math"

// Step is one phase of a scripted visitor: a scene held for Frames frames.
type Step struct {
	Name   string
	Frames int
	Scene  Scene
}

// Script is a sequence of steps. Time is counted in frames, never read from
// a clock, so a test that pulls frame n always sees the same picture.
type Script []Step

// At returns the scene for frame n (from 0) and the step's name. After the
// last step the last scene holds for ever. A little sway is added so the
// card moves like a hand holds it; the last step sways least (held steady).
func (s Script) At(n int) (Scene, string) {
	if len(s) == 0 {
		return Good(Empty), "empty"
	}
	i, start := 0, 0
	for i < len(s)-1 && n >= start+s[i].Frames {
		start += s[i].Frames
		i++
	}
	sc := s[i].Scene
	t := float64(n)
	amp := 0.01
	if i == len(s)-1 {
		amp = 0.001
	}
	sc.CX += amp * math.Sin(t*0.7)
	sc.CY += amp * math.Cos(t*0.9)
	sc.Seed = uint64(n)
	return sc, s[i].Name
}

// Len is the number of frames before the last step starts.
func (s Script) Len() int {
	n := 0
	for i := 0; i < len(s)-1; i++ {
		n += s[i].Frames
	}
	return n
}

// Visitor returns the scripted visitor for kind k: the object far away,
// then too close, blurred, in the dark, with glare, then held steady. A
// card is held the way people do, a thumb over one edge. Each bad phase
// lasts per frames.
func Visitor(k Kind, per int) Script {
	g := Good(k)
	if k == CardFront || k == CardBack {
		// As visitors really hold it: in one hand, the thumb over the
		// card's left edge, over a wooden desk, turned a little.
		g.Background, g.Variant, g.Hands, g.Skin = BgOak, 7, HandLeft, 1
		g.Yaw, g.Angle = 3, -2
	}
	far, close, blur, dark, gl := g, g, g, g, g
	far.Fill = g.Fill * 0.38
	close.Fill = g.Fill * 1.85
	if k == CardFront || k == CardBack {
		// Held so close that the frame cuts its far end off.
		close.Fill, close.CX = 0.8, 0.66
	}
	blur.Blur = 9
	dark.Light = 0.22
	gl.Glare = 1
	steady := g
	return Script{
		{"far", per, far},
		{"close", per, close},
		{"blurred", per, blur},
		{"dark", per, dark},
		{"glare", per, gl},
		{"steady", per, steady},
	}
}

// Steady returns a script that shows the good scene from the first frame.
func Steady(k Kind) Script { return Script{{"steady", 1, Good(k)}} }
