package camera

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
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
	data, err := os.ReadFile(name)
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

// Close ends the source.
func (f *Files) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// DecodeFile reads a still image (JPEG or PNG, by content) for `camera
// check`. Errors say what is wrong with the file.
func DecodeFile(name string) (image.Image, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return DecodeImage(data)
}

// MaxStillDimension bounds still images (`camera check`): a 24-megapixel
// photo (6000×4000) is fine, a corrupt header claiming 65535² is not.
const MaxStillDimension = 8192

// DecodeImage decodes JPEG (with Huffman tables inserted if missing) or
// PNG bytes, refusing absurd sizes before allocating.
func DecodeImage(data []byte) (image.Image, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		var c Converter
		return c.mjpeg(data, 0, 0, MaxStillDimension)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a JPEG or PNG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxStillDimension || cfg.Height > MaxStillDimension {
		return nil, fmt.Errorf("image size %dx%d out of range", cfg.Width, cfg.Height)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt PNG: %w", err)
	}
	return img, nil
}
