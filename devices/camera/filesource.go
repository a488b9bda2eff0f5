package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/jpegscale"
)

// Files is a source that cycles through the JPEG and PNG images of a folder
// (`--camera file:DIR`), for support cases: a technician drops in photos a
// visitor's camera took and watches the kiosk judge them. JPEG files are
// delivered as MJPEG frames (the same decoding path as a camera), PNG files
// as decoded images.
type Files struct {
	mu       sync.Mutex // Next and Close may come from different steps
	dir      string
	files    []string
	i        int
	seq      uint64
	interval time.Duration
	last     time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	closed   bool
}

// OpenFiles lists dir's images. interval paces the frames (0: as fast as
// asked). An empty or missing folder is ErrUnavailable.
func OpenFiles(dir string, interval time.Duration) (*Files, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("camera file:%s: %w: %w", dir, ErrUnavailable, err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("camera file:%s: no .jpg/.jpeg/.png files: %w", dir, ErrUnavailable)
	}
	return &Files{dir: dir, files: files, interval: interval, sleep: sleepCtx, now: time.Now}, nil
}

// Name says which folder.
func (f *Files) Name() string { return fmt.Sprintf("image folder %s (%d files)", f.dir, len(f.files)) }

// Next returns the next image, cycling. A file that cannot be read or
// decoded is a bad frame (wrapping ErrBadFrame) naming the file.
func (f *Files) Next(ctx context.Context) (Frame, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return Frame{}, ErrClosed
	}
	if f.interval > 0 && !f.last.IsZero() {
		if wait := f.interval - f.now().Sub(f.last); wait > 0 {
			if err := f.sleep(ctx, wait); err != nil {
				return Frame{}, err
			}
		}
	}
	f.last = f.now()
	name := f.files[f.i%len(f.files)]
	f.i++
	data, err := readStill(name)
	if err != nil {
		return Frame{}, fmt.Errorf("camera: read %s: %v: %w", name, err, ErrBadFrame)
	}
	f.seq++
	fr := Frame{Seq: f.seq, Time: f.last}
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return Frame{}, fmt.Errorf("camera: %s: %v: %w", name, err, ErrBadFrame)
		}
		fr.Format, fr.Width, fr.Height, fr.Data = FormatMJPEG, cfg.Width, cfg.Height, data
		return fr, nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width > MaxDimension || cfg.Height > MaxDimension {
		return Frame{}, fmt.Errorf("camera: %s: not a readable JPEG or PNG: %w", name, ErrBadFrame)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return Frame{}, fmt.Errorf("camera: %s: %v: %w", name, err, ErrBadFrame)
	}
	b := img.Bounds()
	fr.Format, fr.Width, fr.Height, fr.Img = FormatImage, b.Dx(), b.Dy(), img
	return fr, nil
}

// readStill reads a regular file of at most MaxStillBytes (a FIFO or a
// device placed in the folder must not block or exhaust the kiosk).
func readStill(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, fileKind(st.Mode()))
	}
	if st.Size() > MaxStillBytes {
		return nil, fmt.Errorf("%w: more than %d MB", ErrTooLarge, MaxStillBytes>>20)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxStillBytes+1))
	if err == nil && len(data) > MaxStillBytes {
		err = fmt.Errorf("%w: more than %d MB", ErrTooLarge, MaxStillBytes>>20)
	}
	return data, err
}

// Close ends the source.
func (f *Files) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// Limits on still images (`camera check`, photos a technician hands in):
// a file is read only if it is a regular file of at most MaxStillBytes,
// and decoded only if its header claims at most MaxStillPixels pixels,
// MaxStillDimension a side, and a decoded size within maxStillDecoded. A
// 24-megapixel photo (6000×4000) passes; /dev/zero, a FIFO, or a 512 KB
// PNG claiming 8192×8192 16-bit pixels (1 GB decoded) do not.
const (
	MaxStillBytes     = 64 << 20
	MaxStillPixels    = 24_000_000
	MaxStillDimension = 16384
	maxStillDecoded   = 200 << 20
)

// ErrNotRegular: the path is a device, a FIFO, a socket or a folder.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: the file, or the picture its header describes, is over the
// still-image limits.
var ErrTooLarge = errors.New("image too large")

// Still is a still image decoded for analysis.
type Still struct {
	// Img may be a reduced copy (JPEG DCT scaling); it belongs to the
	// StillDecoder and is valid until its next call.
	Img image.Image
	// Width and Height are the picture's own size.
	Width, Height int
}

// StillDecoder reads still images (JPEG or PNG, by content) for analysis
// within the limits above. JPEG files are decoded at the largest DCT
// reduction that keeps them at least Width wide (0: full size), luma only
// with Luma; PNG files are decoded in full. It keeps its buffers between
// files. Not safe for concurrent use.
type StillDecoder struct {
	Width int
	Luma  bool
	conv  Converter
	buf   []byte
}

// DecodeFile reads and decodes name. Errors say what is wrong with the
// file (they wrap os.ErrNotExist, os.ErrPermission, ErrNotRegular,
// ErrTooLarge or ErrBadFrame).
func (s *StillDecoder) DecodeFile(name string) (Still, error) {
	// Look before opening: opening a FIFO blocks until someone writes.
	st, err := os.Stat(name)
	if err != nil {
		return Still{}, err
	}
	if !st.Mode().IsRegular() {
		return Still{}, fmt.Errorf("%w (%s)", ErrNotRegular, fileKind(st.Mode()))
	}
	f, err := os.Open(name)
	if err != nil {
		return Still{}, err
	}
	defer f.Close()
	// And again on what was opened, in case the name changed meanwhile.
	if st, err = f.Stat(); err != nil {
		return Still{}, err
	}
	if !st.Mode().IsRegular() {
		return Still{}, fmt.Errorf("%w (%s)", ErrNotRegular, fileKind(st.Mode()))
	}
	if st.Size() > MaxStillBytes {
		return Still{}, fmt.Errorf("%w: the file has %d MB, the limit is %d MB", ErrTooLarge, st.Size()>>20, MaxStillBytes>>20)
	}
	// The file may grow while it is read: the limited reader holds the
	// line whatever Stat said.
	// Room for the whole file and ReadFrom's probe for its end, so a
	// decoder reading files of one size reads them into the same bytes
	// (growing from empty would reallocate a few times per file size).
	if need := int(st.Size()) + bytes.MinRead; cap(s.buf) < need {
		s.buf = make([]byte, 0, need)
	}
	s.buf = s.buf[:0]
	buf := bytes.NewBuffer(s.buf)
	n, err := buf.ReadFrom(io.LimitReader(f, MaxStillBytes+1))
	s.buf = buf.Bytes()
	if err != nil {
		return Still{}, err
	}
	if n > MaxStillBytes {
		return Still{}, fmt.Errorf("%w: the file has more than %d MB", ErrTooLarge, MaxStillBytes>>20)
	}
	return s.Decode(s.buf)
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not an ordinary file"
}

// Decode decodes JPEG (Huffman tables inserted if missing) or PNG bytes,
// refusing pictures over the limits before allocating for them.
func (s *StillDecoder) Decode(data []byte) (Still, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		fixed, err := s.conv.WithHuffman(data)
		if err != nil {
			return Still{}, err
		}
		cfg, err := s.conv.dec.Config(fixed)
		if err != nil {
			if !errors.As(err, new(jpegscale.UnsupportedError)) {
				return Still{}, fmt.Errorf("camera: JPEG header: %v: %w", err, ErrBadFrame)
			}
			c, err := jpeg.DecodeConfig(bytes.NewReader(fixed))
			if err != nil {
				return Still{}, fmt.Errorf("camera: JPEG header: %v: %w", err, ErrBadFrame)
			}
			cfg.Width, cfg.Height, cfg.Components = c.Width, c.Height, 4
		}
		if err := checkStill(cfg.Width, cfg.Height, max(cfg.Components, 3)); err != nil {
			return Still{}, err
		}
		s.conv.Width, s.conv.Luma = s.Width, s.Luma
		img, err := s.conv.mjpeg(fixed, 0, 0, MaxStillDimension)
		if err != nil {
			return Still{}, err
		}
		return Still{Img: img, Width: cfg.Width, Height: cfg.Height}, nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Still{}, fmt.Errorf("not a JPEG or PNG image: %w", err)
	}
	if err := checkStill(cfg.Width, cfg.Height, bytesPerPixel(cfg.ColorModel)); err != nil {
		return Still{}, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return Still{}, fmt.Errorf("corrupt PNG: %w", err)
	}
	return Still{Img: img, Width: cfg.Width, Height: cfg.Height}, nil
}

// checkStill applies the still-image limits to a header's claims.
func checkStill(w, h, bpp int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("image size %dx%d: %w", w, h, ErrBadFrame)
	case w > MaxStillDimension || h > MaxStillDimension:
		return fmt.Errorf("%w: %dx%d pixels, more than %d a side", ErrTooLarge, w, h, MaxStillDimension)
	case w*h > MaxStillPixels:
		return fmt.Errorf("%w: %dx%d is %.1f megapixels, the limit is %d", ErrTooLarge, w, h, float64(w*h)/1e6, MaxStillPixels/1_000_000)
	case w*h*bpp > maxStillDecoded:
		return fmt.Errorf("%w: %dx%d at %d bytes a pixel needs %d MB decoded, the limit is %d MB", ErrTooLarge, w, h, bpp, w*h*bpp>>20, maxStillDecoded>>20)
	}
	return nil
}

// bytesPerPixel is what image/png allocates per pixel for a colour model.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// DecodeFile reads a still image (JPEG or PNG, by content) at full size,
// within the still-image limits. Errors say what is wrong with the file.
func DecodeFile(name string) (image.Image, error) {
	var s StillDecoder
	st, err := s.DecodeFile(name)
	return st.Img, err
}

// DecodeImage decodes JPEG (with Huffman tables inserted if missing) or
// PNG bytes at full size, refusing pictures over the still-image limits
// before allocating.
func DecodeImage(data []byte) (image.Image, error) {
	var s StillDecoder
	st, err := s.Decode(data)
	return st.Img, err
}
