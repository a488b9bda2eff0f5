package callcentre

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // photos may arrive as PNG from the simulated camera

	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"golang.org/x/image/draw"
)

// Attachment size for e-mail: wide enough for an agent to read an ID card
// or a handwritten A4 sheet (1600 px across an A4 sheet is about 190 dpi,
// across an ID card far more), small enough that three photos stay well
// under the usual 10 MB message limits.
const (
	MaxAttachmentWidth = 1600
	AttachmentQuality  = 85
)

// PrepareAttachment re-encodes a photo as a JPEG no wider than
// MaxAttachmentWidth at AttachmentQuality (unless that would make its short
// side shorter than procedure.MinSheetShortSide, the legibility floor). Metadata of the original (EXIF)
// is dropped with the re-encoding. A photo already small enough is still
// re-encoded, so every attachment is a plain baseline JPEG.
func PrepareAttachment(src []byte) ([]byte, error) {
	return prepare(src, MaxAttachmentWidth, procedure.MinSheetShortSide)
}

// prepare is PrepareAttachment with the limits as parameters, so tests can
// exercise the rules on small images.
func prepare(src []byte, maxWidth, minShort int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("callcentre: decode photo: %w", err)
	}
	b := img.Bounds()
	if b.Dx() > maxWidth {
		w, h := maxWidth, max(1, b.Dy()*maxWidth/b.Dx())
		if h < minShort && b.Dy() > minShort {
			// A very wide photo would come out too short to read (and
			// procedure's check would refuse it): keep the short side.
			w, h = b.Dx()*minShort/b.Dy(), minShort
		}
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		// Camera frames are at most about 2x the target, where the fast
		// approximate bilinear filter keeps print legible; a larger
		// reduction needs the real filter, which averages over every source
		// pixel instead of aliasing. (Catmull-Rom is sharper still but five
		// times slower, seconds per photo on a kiosk's ARM board.)
		var k draw.Interpolator = draw.ApproxBiLinear
		if b.Dx() > 2*maxWidth {
			k = draw.BiLinear
		}
		k.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		img = dst
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: AttachmentQuality}); err != nil {
		return nil, fmt.Errorf("callcentre: encode photo: %w", err)
	}
	return out.Bytes(), nil
}
