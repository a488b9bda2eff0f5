package console

import (
	"image"
	"strconv"
	"strings"
)

// asciiRamp shades cells from dark to light on terminals without colour.
const asciiRamp = " .:-=+*#%@"

// renderHalfBlock draws img in grey within cols×rows terminal cells. With
// colour, each cell is "▀" with the upper pixel as foreground and the lower
// as background (two square-ish pixels per cell, from the 256-colour grey
// ramp); without colour (ascii true) each cell is a character of asciiRamp.
// The picture keeps its aspect ratio and is nearest-neighbour sampled, which
// is enough to check framing and focus from a remote terminal.
func renderHalfBlock(img image.Image, cols, rows int, ascii bool) string {
	if img == nil || cols <= 0 || rows <= 0 {
		return ""
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return ""
	}
	// Output pixel grid: cols wide, 2*rows tall.
	pw, ph := cols, rows*2
	if b.Dx()*ph > b.Dy()*pw {
		ph = max(2, b.Dy()*pw/b.Dx())
	} else {
		pw = max(1, b.Dx()*ph/b.Dy())
	}
	grey := func(x, y int) int {
		sx := b.Min.X + x*b.Dx()/pw
		sy := b.Min.Y + y*b.Dy()/ph
		r, g, bl, _ := img.At(sx, sy).RGBA()
		return int((299*r + 587*g + 114*bl) / 1000 >> 8)
	}
	var sb strings.Builder
	for y := 0; y < ph; y += 2 {
		if y > 0 {
			sb.WriteByte('\n')
		}
		lastFG, lastBG := -1, -1
		for x := range pw {
			top := grey(x, y)
			bot := top
			if y+1 < ph {
				bot = grey(x, y+1)
			}
			if ascii {
				sb.WriteByte(asciiRamp[(top+bot)/2*len(asciiRamp)/256])
				continue
			}
			fg, bg := grey256(top), grey256(bot)
			if fg != lastFG {
				sb.WriteString("\x1b[38;5;" + strconv.Itoa(fg) + "m")
				lastFG = fg
			}
			if bg != lastBG {
				sb.WriteString("\x1b[48;5;" + strconv.Itoa(bg) + "m")
				lastBG = bg
			}
			sb.WriteString("▀")
		}
		if !ascii {
			sb.WriteString("\x1b[0m")
		}
	}
	return sb.String()
}

// grey256 maps a 0–255 luminance to the xterm 256-colour palette: 16 is
// black, 231 white, 232–255 the 24 greys from 8 to 238 in steps of 10.
func grey256(l int) int {
	switch {
	case l < 4:
		return 16
	case l > 246:
		return 231
	}
	i := (l - 3) / 10
	return 232 + min(i, 23)
}
