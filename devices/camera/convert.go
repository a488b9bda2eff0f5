package camera

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/jpegscale"
)

// MaxDimension bounds the frame size the decoders accept. A corrupt MJPEG
// header can claim 65535×65535 pixels; decoding that would allocate gigabytes
// before failing.
const MaxDimension = 4096

// Converter turns raw frames into images. It keeps its buffers between
// frames (the YUYV planes, the JPEG decoder's planes and tables), so the
// returned image is only valid until the next Convert and a stream of
// frames of one size converts without allocating. Not safe for concurrent
// use.
//
// MJPEG frames are decoded in the DCT domain at the largest reduction
// (1/2, 1/4, 1/8) that keeps the frame at least Width pixels wide, which is
// all the analysis and the preview need (the analysis works on a frame
// about 640 wide), and, with Luma, to the luma only. YUYV frames with Luma
// are reduced the same way, their luma bytes averaged over 2×2 (4×4, 8×8)
// pixels in one pass over the packed frame, the same box average the
// analysis would take of the full frame; without Luma they are unpacked
// at full size (a copy: the chroma is laid out for it). Scaling is only
// for looking at a frame: the accepted photo is the camera's own JPEG,
// untouched, or the full frame (Full).
type Converter struct {
	// Width is the smallest width wanted from an MJPEG frame; 0 decodes
	// at full size.
	Width int
	// Luma decodes MJPEG frames to an *image.Gray of the luma only (the
	// card and sheet analyses and a grey preview need nothing else).
	Luma bool

	ycc    *image.YCbCr
	grey   image.Gray // the reduced luma of a YUYV frame
	jpgBuf []byte
	rd     bytes.Reader
	dec    jpegscale.Decoder
}

// Wipe zeroes the pixels the converter holds (the last frame it decoded).
func (c *Converter) Wipe() {
	if c.ycc != nil {
		clear(c.ycc.Y)
		clear(c.ycc.Cb)
		clear(c.ycc.Cr)
	}
	clear(c.grey.Pix)
	clear(c.jpgBuf)
	c.dec.Wipe()
}

// GrayInto copies the luma of img into dst, reusing dst's pixels when they
// are large enough (nil dst: a new image), and returns it. Camera frames
// (*image.Gray, *image.YCbCr) are copied row by row; other images go
// through their colour model.
func GrayInto(dst *image.Gray, img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if dst == nil {
		dst = &image.Gray{}
	}
	if cap(dst.Pix) < w*h {
		dst.Pix = make([]byte, w*h)
	}
	dst.Pix, dst.Stride, dst.Rect = dst.Pix[:w*h], w, image.Rect(0, 0, w, h)
	switch m := img.(type) {
	case *image.Gray:
		for y := range h {
			copy(dst.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := range h {
			copy(dst.Pix[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	default:
		for y := range h {
			for x := range w {
				r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				dst.Pix[y*w+x] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 24)
			}
		}
	}
	return dst
}

// Convert decodes f (at the Converter's Width and Luma). Errors wrap
// ErrBadFrame.
func (c *Converter) Convert(f Frame) (image.Image, error) {
	switch f.Format {
	case FormatYUYV:
		if c.Luma && c.Width > 0 {
			return c.yuyvLuma(f.Data, f.Width, f.Height)
		}
		return c.YUYV(f.Data, f.Width, f.Height)
	case FormatMJPEG:
		return c.mjpeg(f.Data, f.Width, f.Height, MaxDimension)
	case FormatImage:
		if f.Img == nil {
			return nil, fmt.Errorf("camera: image frame without image: %w", ErrBadFrame)
		}
		return f.Img, nil
	}
	return nil, fmt.Errorf("camera: unsupported format %v: %w", f.Format, ErrBadFrame)
}

// Full decodes f at full size and in colour, whatever Width and Luma say:
// the picture to keep (a photo) rather than to look at. It shares the
// Converter's buffers with Convert.
func (c *Converter) Full(f Frame) (image.Image, error) {
	w, luma := c.Width, c.Luma
	c.Width, c.Luma = 0, false
	defer func() { c.Width, c.Luma = w, luma }()
	return c.Convert(f)
}

// yuyvSize checks a YUYV frame's size against its data and returns the
// stride of its rows (a driver may pad rows: bytesperline > 2·width; the
// stride is inferred from the buffer length).
func yuyvSize(data []byte, w, h int) (int, error) {
	if w <= 0 || h <= 0 || w > MaxDimension || h > MaxDimension || w%2 != 0 {
		return 0, fmt.Errorf("camera: YUYV size %dx%d: %w", w, h, ErrBadFrame)
	}
	stride := 2 * w
	if len(data) < stride*h {
		return 0, fmt.Errorf("camera: YUYV frame %dx%d has %d bytes, want %d: %w", w, h, len(data), stride*h, ErrBadFrame)
	}
	if s := len(data) / h; len(data)%h == 0 && s > stride {
		stride = s
	}
	return stride, nil
}

// yuyvLuma averages the luma of a YUYV frame over k×k pixels, k the
// largest of 1, 2, 4, 8 that keeps the frame at least c.Width wide, into
// a reusable *image.Gray of (w/k)×(h/k): (a+b+c+d+2)/4 for k = 2, the
// rounding of the analysis's own box average.
func (c *Converter) yuyvLuma(data []byte, w, h int) (*image.Gray, error) {
	stride, err := yuyvSize(data, w, h)
	if err != nil {
		return nil, err
	}
	k := jpegscale.ScaleFor(w, c.Width)
	for k > 1 && (w < k || h < k) {
		k /= 2 // a sliver of a frame: whole cells only
	}
	ow, oh := w/k, h/k
	g := &c.grey
	if cap(g.Pix) < ow*oh {
		g.Pix = make([]byte, ow*oh)
	}
	g.Pix, g.Stride, g.Rect = g.Pix[:ow*oh], ow, image.Rect(0, 0, ow, oh)
	switch k {
	case 1:
		for y := range oh {
			src := data[y*stride : y*stride+2*ow]
			out := g.Pix[y*ow : y*ow+ow]
			for x := range out {
				out[x] = src[2*x]
			}
		}
	case 2:
		// Eight bytes of each row hold four luma bytes (Y0 U Y1 V Y2 U Y3
		// V): masked into 16-bit lanes and added, two rows and then two
		// lanes at once, they give two output pixels.
		const lanes = 0x00ff00ff00ff00ff
		for y := range oh {
			out := g.Pix[y*ow : y*ow+ow]
			r0 := data[2*y*stride : 2*y*stride+4*ow]
			r1 := data[(2*y+1)*stride : (2*y+1)*stride+4*ow]
			x := 0
			for ; x+1 < len(out); x += 2 {
				m := binary.LittleEndian.Uint64(r0[4*x:])&lanes + binary.LittleEndian.Uint64(r1[4*x:])&lanes
				m += m >> 16
				out[x] = uint8((m&0xffff + 2) >> 2)
				out[x+1] = uint8((m>>32&0xffff + 2) >> 2)
			}
			if x < len(out) {
				p, q := r0[4*x:4*x+4], r1[4*x:4*x+4]
				out[x] = uint8((uint32(p[0]) + uint32(p[2]) + uint32(q[0]) + uint32(q[2]) + 2) >> 2)
			}
		}
	default:
		// 1/4, 1/8 (frames twice as wide as the analysis or more: rare
		// for YUYV, whose bandwidth keeps cameras at 720p).
		n := uint32(k * k)
		for y := range oh {
			out := g.Pix[y*ow : y*ow+ow]
			for x := range out {
				var sum uint32
				for dy := range k {
					row := data[(y*k+dy)*stride+2*x*k : (y*k+dy)*stride+2*(x+1)*k]
					for i := 0; i < len(row); i += 2 {
						sum += uint32(row[i])
					}
				}
				out[x] = uint8((sum + n/2) / n)
			}
		}
	}
	return g, nil
}

// YUYV unpacks a YUYV 4:2:2 frame (bytes Y0 U Y1 V for each pair of pixels)
// into a reusable 4:2:2 *image.YCbCr. The packed layout maps one to one onto
// the YCbCr planes, so this is a single de-interleaving pass with no colour
// arithmetic; the image draws and analyses as is. A driver may pad rows
// (bytesperline > 2·width); the stride is inferred from the buffer length.
func (c *Converter) YUYV(data []byte, w, h int) (*image.YCbCr, error) {
	stride, err := yuyvSize(data, w, h)
	if err != nil {
		return nil, err
	}
	if c.ycc == nil || c.ycc.Rect.Dx() != w || c.ycc.Rect.Dy() != h {
		c.ycc = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio422)
	}
	m := c.ycc
	for y := 0; y < h; y++ {
		src := data[y*stride : y*stride+2*w]
		yr := m.Y[y*m.YStride : y*m.YStride+w]
		cb := m.Cb[y*m.CStride : y*m.CStride+w/2]
		cr := m.Cr[y*m.CStride : y*m.CStride+w/2]
		for i := range cb {
			p := src[4*i : 4*i+4 : 4*i+4]
			yr[2*i] = p[0]
			cb[i] = p[1]
			yr[2*i+1] = p[2]
			cr[i] = p[3]
		}
	}
	return m, nil
}

// MJPEG decodes one MJPEG frame (at the Converter's Width and Luma). Many
// UVC cameras leave out the Huffman tables (the "MJPG" convention of AVI1:
// decoders must assume the standard tables of JPEG Annex K.3); the
// standard DHT segment is inserted before the scan when the frame has none.
func (c *Converter) MJPEG(data []byte) (image.Image, error) { return c.mjpeg(data, 0, 0, MaxDimension) }

// mjpeg decodes and, when the stream's size is known (w, h > 0), refuses a
// frame whose header claims another size: a corrupt header must not make
// the kiosk decode a 4096×4096 picture at 15 fps.
func (c *Converter) mjpeg(data []byte, w, h, maxDim int) (image.Image, error) {
	fixed, err := c.WithHuffman(data)
	if err != nil {
		return nil, err
	}
	cfg, err := c.dec.Config(fixed)
	if err != nil {
		if errors.As(err, new(jpegscale.UnsupportedError)) {
			return c.stdlib(fixed, w, h, maxDim)
		}
		return nil, fmt.Errorf("camera: MJPEG header: %v: %w", err, ErrBadFrame)
	}
	if cfg.Width > maxDim || cfg.Height > maxDim {
		return nil, fmt.Errorf("camera: MJPEG size %dx%d: %w", cfg.Width, cfg.Height, ErrBadFrame)
	}
	if w > 0 && h > 0 && (cfg.Width != w || cfg.Height != h) {
		return nil, fmt.Errorf("camera: MJPEG frame is %dx%d, stream is %dx%d: %w", cfg.Width, cfg.Height, w, h, ErrBadFrame)
	}
	scale := 1
	if c.Width > 0 {
		scale = jpegscale.ScaleFor(cfg.Width, c.Width)
	}
	img, err := c.dec.Decode(fixed, jpegscale.Options{Scale: scale, Gray: c.Luma, MaxWidth: maxDim, MaxHeight: maxDim})
	if err != nil {
		if errors.As(err, new(jpegscale.UnsupportedError)) {
			// RGB- or CMYK-coded JPEG: not from a camera, but a file may
			// be one. The standard library decodes those at full size.
			return c.stdlib(fixed, w, h, maxDim)
		}
		return nil, fmt.Errorf("camera: MJPEG decode: %v: %w", err, ErrBadFrame)
	}
	return img, nil
}

// stdlib decodes with image/jpeg, checking the size first.
func (c *Converter) stdlib(data []byte, w, h, maxDim int) (image.Image, error) {
	c.rd.Reset(data)
	cfg, err := jpeg.DecodeConfig(&c.rd)
	if err != nil {
		return nil, fmt.Errorf("camera: MJPEG header: %v: %w", err, ErrBadFrame)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxDim || cfg.Height > maxDim {
		return nil, fmt.Errorf("camera: MJPEG size %dx%d: %w", cfg.Width, cfg.Height, ErrBadFrame)
	}
	if w > 0 && h > 0 && (cfg.Width != w || cfg.Height != h) {
		return nil, fmt.Errorf("camera: MJPEG frame is %dx%d, stream is %dx%d: %w", cfg.Width, cfg.Height, w, h, ErrBadFrame)
	}
	c.rd.Reset(data)
	img, err := jpeg.Decode(&c.rd)
	if err != nil {
		return nil, fmt.Errorf("camera: MJPEG decode: %v: %w", err, ErrBadFrame)
	}
	return img, nil
}

// WithHuffman returns data itself when it already defines Huffman tables, or
// a copy (in the converter's reusable buffer, valid until the next call) with
// the standard tables inserted before the first start-of-scan. The result is
// a complete JPEG file any viewer opens.
func (c *Converter) WithHuffman(data []byte) ([]byte, error) {
	sos, has, err := scanMarkers(data)
	if err != nil {
		return nil, err
	}
	if has {
		return data, nil
	}
	c.jpgBuf = append(c.jpgBuf[:0], data[:sos]...)
	c.jpgBuf = append(c.jpgBuf, standardDHT...)
	c.jpgBuf = append(c.jpgBuf, data[sos:]...)
	return c.jpgBuf, nil
}

// scanMarkers walks the JPEG segments up to the first SOS and reports its
// offset and whether a DHT segment came before it.
func scanMarkers(data []byte) (sos int, hasDHT bool, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0, false, fmt.Errorf("camera: MJPEG frame does not start with SOI: %w", ErrBadFrame)
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 0, false, fmt.Errorf("camera: MJPEG marker expected at %d: %w", i, ErrBadFrame)
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2
			continue
		case m == 0xDA:
			return i, hasDHT, nil
		case m == 0xD9:
			return 0, false, fmt.Errorf("camera: MJPEG frame ends before its scan: %w", ErrBadFrame)
		case m == 0xC4:
			hasDHT = true
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 0, false, fmt.Errorf("camera: MJPEG segment %#x length %d overruns the frame: %w", m, n, ErrBadFrame)
		}
		i += 2 + n
	}
	return 0, false, fmt.Errorf("camera: MJPEG frame has no scan: %w", ErrBadFrame)
}

// standardDHT is the DHT segment with the four tables of JPEG Annex K.3
// (luminance and chrominance, DC and AC), the ones UVC cameras assume.
var standardDHT = buildDHT()

func buildDHT() []byte {
	type table struct {
		class byte // high nibble class (0 DC, 1 AC), low nibble id
		count [16]byte
		value []byte
	}
	tables := []table{
		{0x00, [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{0x10, [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, []byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa}},
		{0x01, [16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{0x11, [16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, []byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa}},
	}
	body := []byte{}
	for _, t := range tables {
		body = append(body, t.class)
		body = append(body, t.count[:]...)
		body = append(body, t.value...)
	}
	seg := []byte{0xFF, 0xC4, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// StripHuffman removes every DHT segment before the scan, producing the kind
// of frame many UVC cameras send. The simulated camera uses it so demo mode
// and tests exercise the same insertion path as a real camera.
func StripHuffman(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data))
	if len(data) < 2 {
		return nil, fmt.Errorf("camera: strip DHT: %w", ErrBadFrame)
	}
	out = append(out, data[:2]...)
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return nil, fmt.Errorf("camera: strip DHT: marker expected at %d: %w", i, ErrBadFrame)
		}
		m := data[i+1]
		if m == 0xDA {
			return append(out, data[i:]...), nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil, fmt.Errorf("camera: strip DHT: segment overruns: %w", ErrBadFrame)
		}
		if m != 0xC4 {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	return nil, fmt.Errorf("camera: strip DHT: no scan: %w", ErrBadFrame)
}

// EncodeYUYV packs img into YUYV bytes (appending to dst), the way a UVC
// camera sends uncompressed frames. Used by the simulated camera. The width
// is rounded down to an even number.
func EncodeYUYV(dst []byte, img image.Image) []byte {
	b := img.Bounds()
	w := b.Dx() &^ 1
	h := b.Dy()
	need := w * h * 2
	if cap(dst) < need {
		dst = make([]byte, need)
	}
	dst = dst[:need]
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y)*m.Stride : y*m.Stride+4*w]
			out := dst[y*2*w : (y+1)*2*w]
			for x := 0; x < w; x += 2 {
				y0, cb0, cr0 := rgbToYCbCr(row[4*x], row[4*x+1], row[4*x+2])
				y1, cb1, cr1 := rgbToYCbCr(row[4*x+4], row[4*x+5], row[4*x+6])
				o := out[2*x : 2*x+4 : 2*x+4]
				o[0] = y0
				o[1] = uint8((int(cb0) + int(cb1) + 1) >> 1)
				o[2] = y1
				o[3] = uint8((int(cr0) + int(cr1) + 1) >> 1)
			}
		}
	default:
		for y := 0; y < h; y++ {
			out := dst[y*2*w : (y+1)*2*w]
			for x := 0; x < w; x += 2 {
				r0, g0, b0, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				r1, g1, b1, _ := img.At(b.Min.X+x+1, b.Min.Y+y).RGBA()
				y0, cb0, cr0 := rgbToYCbCr(uint8(r0>>8), uint8(g0>>8), uint8(b0>>8))
				y1, cb1, cr1 := rgbToYCbCr(uint8(r1>>8), uint8(g1>>8), uint8(b1>>8))
				out[2*x] = y0
				out[2*x+1] = uint8((int(cb0) + int(cb1) + 1) >> 1)
				out[2*x+2] = y1
				out[2*x+3] = uint8((int(cr0) + int(cr1) + 1) >> 1)
			}
		}
	}
	return dst
}

// rgbToYCbCr is the JFIF conversion in fixed point (as image/color does).
func rgbToYCbCr(r, g, b uint8) (uint8, uint8, uint8) {
	r1, g1, b1 := int32(r), int32(g), int32(b)
	yy := (19595*r1 + 38470*g1 + 7471*b1 + 1<<15) >> 16
	cb := -11056*r1 - 21712*g1 + 32768*b1 + 257<<15
	if uint32(cb)&0xff000000 == 0 {
		cb >>= 16
	} else {
		cb = ^(cb >> 31)
	}
	cr := 32768*r1 - 27440*g1 - 5328*b1 + 257<<15
	if uint32(cr)&0xff000000 == 0 {
		cr >>= 16
	} else {
		cr = ^(cr >> 31)
	}
	return uint8(yy), uint8(cb), uint8(cr)
}
