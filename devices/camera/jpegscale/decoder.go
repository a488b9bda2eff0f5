package jpegscale

import (
	"fmt"
	"image"
)

// Config is what a JPEG's frame header says.
type Config struct {
	Width, Height int
	// Components is 1 (grey) or 3 (YCbCr).
	Components  int
	Progressive bool
}

// Options says how to decode.
type Options struct {
	// Scale is the size denominator: 1, 2, 4 or 8 (0 means 1). The output
	// is ceil(width/Scale) × ceil(height/Scale), as libjpeg's.
	Scale int
	// Gray decodes the luma only, into an *image.Gray; the chroma is
	// parsed past, never transformed.
	Gray bool
	// MaxWidth, MaxHeight and MaxPixels (0: no limit) refuse a frame whose
	// header claims more, before anything is allocated for it.
	MaxWidth, MaxHeight, MaxPixels int
}

// ErrTooLarge is wrapped by the error for a frame over the Options limits.
var ErrTooLarge = fmt.Errorf("jpeg too large")

// Decoder decodes JPEG images and keeps its buffers (planes, progressive
// coefficients, Huffman tables) between calls: decoding a stream of frames
// of one size allocates nothing. The image Decode returns belongs to the
// Decoder and is valid until the next call. Not safe for concurrent use;
// the zero value is ready.
type Decoder struct {
	d    decoder
	gray image.Gray
	ycc  image.YCbCr
}

// Wipe zeroes the decoder's pixel planes and coefficients: the last
// image it decoded is gone from memory.
func (dec *Decoder) Wipe() {
	d := &dec.d
	for i := range d.planes {
		clear(d.planes[i][:cap(d.planes[i])])
	}
	for i := range d.progCoeffs {
		clear(d.progCoeffs[i][:cap(d.progCoeffs[i])])
	}
	clear(d.ecs[:cap(d.ecs)])
}

// Config parses the headers up to the frame header.
func (dec *Decoder) Config(data []byte) (Config, error) {
	d := &dec.d
	d.reset(data, 1, false)
	if err := d.decode(true, nil); err != nil {
		return Config{}, err
	}
	return Config{Width: d.width, Height: d.height, Components: d.nComp, Progressive: d.progressive}, nil
}

// Decode decodes data at 1/opt.Scale of its size: an *image.Gray when
// opt.Gray is set or the image is grey, else an *image.YCbCr with the
// file's chroma subsampling. RGB-coded 3-component files return an
// UnsupportedError (image/jpeg decodes those).
func (dec *Decoder) Decode(data []byte, opt Options) (image.Image, error) {
	scale := opt.Scale
	switch scale {
	case 0:
		scale = 1
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("jpegscale: scale 1/%d (want 1, 2, 4 or 8)", scale)
	}
	d := &dec.d
	d.reset(data, scale, opt.Gray)
	check := func(w, h int) error {
		if (opt.MaxWidth > 0 && w > opt.MaxWidth) || (opt.MaxHeight > 0 && h > opt.MaxHeight) ||
			(opt.MaxPixels > 0 && w*h > opt.MaxPixels) {
			return fmt.Errorf("%w: %dx%d", ErrTooLarge, w, h)
		}
		if d.nComp == 3 && d.isRGB() {
			return UnsupportedError("RGB colour transform")
		}
		return nil
	}
	if err := d.decode(false, check); err != nil {
		return nil, err
	}
	w, h := ScaledSize(d.width, d.height, scale)
	if d.nComp == 1 || d.gray {
		dec.gray = image.Gray{Pix: d.planes[0], Stride: d.strides[0], Rect: image.Rect(0, 0, w, h)}
		return &dec.gray, nil
	}
	ratio := d.subsampleRatio()
	// The planes are whole MCUs; the image is the part the frame covers
	// (what image.YCbCr.SubImage would give).
	dec.ycc = image.YCbCr{
		Y: d.planes[0], Cb: d.planes[1], Cr: d.planes[2],
		YStride: d.strides[0], CStride: d.strides[1],
		SubsampleRatio: ratio,
		Rect:           image.Rect(0, 0, w, h),
	}
	return &dec.ycc, nil
}

// ScaledSize is the output size at 1/scale: ceil(w/scale) × ceil(h/scale).
func ScaledSize(w, h, scale int) (int, int) {
	return (w + scale - 1) / scale, (h + scale - 1) / scale
}

// ScaleFor returns the largest denominator (8, 4, 2 or 1) that keeps the
// scaled width at least minWidth.
func ScaleFor(width, minWidth int) int {
	for _, s := range [...]int{8, 4, 2} {
		if w, _ := ScaledSize(width, 1, s); w >= minWidth {
			return s
		}
	}
	return 1
}
