package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// newCameraCmd groups the camera's technician commands.
func newCameraCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "camera",
		Short: "List cameras, take a test snapshot, judge still images",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErrorf("missing sub-command: list, snapshot or check (see '%s --help')", c.CommandPath())
		},
	}
	c.AddCommand(newCameraListCmd(), newCameraSnapshotCmd(), newCameraCheckCmd())
	return c
}

func newCameraListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List V4L2 cameras (/dev/video*) with their stable names and formats",
		Long: `List the V4L2 video nodes with their /dev/v4l/by-id names (use those in the
configuration: they survive re-plugging), the pixel formats and sizes each
offers, and the format the kiosk would choose.

Finding no camera is not an error: the list is empty (no output with --json),
a message on stderr says so, and the exit status is 0. Use
'ventanilla camera snapshot --device sim' to test without one.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			devs := camera.List("/", nil)
			out, errw := c.OutOrStdout(), c.ErrOrStderr()
			if len(devs) == 0 {
				fmt.Fprintln(errw, "camera list: no V4L2 camera found (no /dev/video* device); plug in a UVC webcam, or use --device sim for the simulated camera")
				return nil
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				for _, d := range devs {
					if err := enc.Encode(d); err != nil {
						return failure(err)
					}
				}
				return nil
			}
			for _, d := range devs {
				fmt.Fprintf(out, "%s", d.Path)
				if d.Name != "" {
					fmt.Fprintf(out, "  %s", d.Name)
				}
				fmt.Fprintln(out)
				for _, id := range d.ByID {
					fmt.Fprintf(out, "  by-id: %s\n", id)
				}
				if d.Err != "" {
					fmt.Fprintf(out, "  cannot query: %s\n", d.Err)
					continue
				}
				for _, f := range d.Formats {
					fmt.Fprintf(out, "  %s (%s): %s\n", f.FourCC, f.Description, strings.Join(f.Sizes, " "))
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per device per line")
	return c
}

// openForSnapshot opens a source for one picture. The simulated camera
// shows the steady, well-framed card (not the scripted visitor, whose
// first seconds are deliberately bad).
func openForSnapshot(spec string) (camera.Source, error) {
	if spec == "sim" || strings.HasPrefix(spec, "sim:") {
		kind := map[string]sim.Kind{"sim": sim.CardFront, "sim:front": sim.CardFront, "sim:back": sim.CardBack,
			"sim:face": sim.Face, "sim:sheet": sim.SheetA4, "sim:document": sim.SheetA4}
		k, ok := kind[spec]
		if !ok {
			return nil, usageErrorf("unknown simulated subject %q (use sim, sim:front, sim:back, sim:face, sim:sheet)", spec)
		}
		return camera.NewSim(camera.SimConfig{Script: sim.Steady(k), Format: camera.FormatMJPEG}), nil
	}
	return camera.Open(spec)
}

func newCameraSnapshotCmd() *cobra.Command {
	var (
		device, out string
		warmup      int
		timeout     time.Duration
	)
	c := &cobra.Command{
		Use:   "snapshot [--device DEV] --out FILE",
		Short: "Take one picture with the camera and write it as a JPEG",
		Long: `Take one picture and write it as a JPEG, for a technician checking the
camera's position, focus and light. DEV is /dev/videoN, a /dev/v4l/by-id/…
link, "sim" (sim:back, sim:face, sim:sheet) for the simulated camera, or
file:DIR for a folder of images; by default the first V4L2 camera found.

The picture may show a person: the file is written with mode 0600 and only
where --out says. The verdict of the same analysis the capture screen uses
is printed on stderr.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("--out FILE is required (see '%s --help')", c.CommandPath())
			}
			if warmup < 0 {
				return usageErrorf("--warmup must be 0 or more")
			}
			src, err := openForSnapshot(device)
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return failuref("camera snapshot: %v (check the cable and 'ventanilla camera list'; --device sim tests without a camera)", err)
			}
			defer src.Close()
			ctx, cancel := context.WithTimeout(c.Context(), timeout)
			defer cancel()
			data, res, err := snapshot(ctx, src, warmup)
			if err != nil {
				return failuref("camera snapshot from %s: %v", src.Name(), err)
			}
			if err := writePrivate(out, data); err != nil {
				return failuref("camera snapshot: write %s: %v", out, err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s\n", out)
			verdict := "ok"
			if !res.OK {
				verdict = fmt.Sprint(res.Problems.List())
			}
			fmt.Fprintf(c.ErrOrStderr(), "camera snapshot: %s, %dx%d, verdict %s\n", src.Name(), res.Metrics.Width, res.Metrics.Height, verdict)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&device, "device", "auto", "camera: /dev/videoN, /dev/v4l/by-id/…, sim, sim:back, sim:face, sim:sheet, file:DIR, auto")
	f.StringVar(&out, "out", "", "JPEG file to write (required)")
	f.IntVar(&warmup, "warmup", 8, "frames to skip first (auto-exposure settles in the first half second)")
	f.DurationVar(&timeout, "timeout", 10*time.Second, "give up after this long without a usable frame")
	return c
}

// snapshot reads frames until one decodes after the warm-up and returns it
// as a JPEG: an MJPEG frame as the camera sent it (Huffman tables added),
// anything else encoded at quality 92.
func snapshot(ctx context.Context, src camera.Source, warmup int) ([]byte, quality.Result, error) {
	var conv camera.Converter
	an := quality.NewAnalyzer(quality.IDCard)
	var lastErr error
	for n := 0; ; n++ {
		fr, err := src.Next(ctx)
		if err != nil {
			if errors.Is(err, camera.ErrUnavailable) || ctx.Err() != nil {
				if lastErr != nil && ctx.Err() != nil {
					err = fmt.Errorf("%w (last problem: %v)", err, lastErr)
				}
				return nil, quality.Result{}, err
			}
			lastErr = err
			continue
		}
		if n < warmup {
			continue
		}
		img, err := conv.Convert(fr)
		if err != nil {
			lastErr = err
			continue
		}
		res := an.Analyze(img)
		if fr.Format == camera.FormatMJPEG {
			fixed, err := conv.WithHuffman(fr.Data)
			if err != nil {
				lastErr = err
				continue
			}
			return append([]byte(nil), fixed...), res, nil
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			return nil, res, err
		}
		return buf.Bytes(), res, nil
	}
}

// writePrivate writes data to name with mode 0600, through a temporary
// file in the same folder so a half-written picture never appears.
func writePrivate(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// checkLine is one line of `camera check --json`.
type checkLine struct {
	File     string           `json:"file"`
	OK       bool             `json:"ok"`
	Problems quality.Problems `json:"problems"`
	Metrics  *quality.Metrics `json:"metrics"`
	Error    string           `json:"error,omitempty"`
}

func newCameraCheckCmd() *cobra.Command {
	var (
		asJSON bool
		mode   string
	)
	c := &cobra.Command{
		Use:   "check [--json] FILE…",
		Short: "Judge still images (JPEG/PNG) as the capture screen would",
		Long: `Judge still images with the same analysis the capture screen runs on every
frame: is there an ID card (or a sheet, or a face: --mode), is it too far or
too close, blurry, too dark or bright, with glare, tilted.

Problem codes, in priority order: low_resolution (a photo under 640×360, a
sheet under 1280×720), no_card, too_far, too_close, tilted, too_dark,
too_bright, glare, blurry (and no_face, off_centre in face mode). A sheet
(--mode document) must be whole, all four corners in the frame. --json prints one object per file
per line: {"file":"…","ok":true|false,"problems":[…],"metrics":{…}}; a file
that cannot be read also gets a line, with "error".

Exit status: 0 when every file is ok, 1 when any is not, 2 when a file cannot
be read or decoded (or on bad usage).`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no image given (usage: %s)", c.UseLine())
			}
			return nil
		},
		RunE: func(c *cobra.Command, files []string) error {
			m, ok := quality.ParseMode(mode)
			if !ok {
				return usageErrorf("unknown --mode %q (use id, document or face)", mode)
			}
			return runCheck(c.OutOrStdout(), c.ErrOrStderr(), m, asJSON, files)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per file per line")
	c.Flags().StringVar(&mode, "mode", "id", "what the images should show: id (ID card), document (A4/A5 sheet), face")
	return c
}

// analysisWidth is the width the analysis wants a frame at (it works on
// about 640 pixels); JPEG files are decoded at the DCT reduction that
// keeps at least this much.
const analysisWidth = 640

// checked is one file's outcome in `camera check`.
type checked struct {
	res quality.Result
	err error
}

// checker is one worker of `camera check`: a still decoder and the
// analyzers, one per decoded size. An analyzer sizes its buffers to the
// frame; a batch mixes sizes (640×480, 1280×720, 1920×1080 decoded at
// 1/2…), and one analyzer for all would reallocate them at every change
// of size, tens of megabytes of garbage per batch.
type checker struct {
	mode quality.Mode
	dec  camera.StillDecoder
	ans  map[image.Point]*quality.Analyzer
}

// maxCheckAnalyzers bounds the analyzers a checker keeps (a folder of
// photos of every size must not hold one set of buffers per size).
const maxCheckAnalyzers = 4

func newChecker(mode quality.Mode) *checker {
	// Face mode looks at skin colour; the card and sheet analyses need the
	// luma only.
	return &checker{
		mode: mode,
		dec:  camera.StillDecoder{Width: analysisWidth, Luma: mode != quality.Face},
		ans:  make(map[image.Point]*quality.Analyzer, maxCheckAnalyzers),
	}
}

// check reads, decodes and judges one file.
func (c *checker) check(name string) (quality.Result, error) {
	st, err := c.dec.DecodeFile(name)
	if err != nil {
		return quality.Result{}, err
	}
	size := st.Img.Bounds().Size()
	an := c.ans[size]
	if an == nil {
		if len(c.ans) == maxCheckAnalyzers {
			clear(c.ans)
		}
		an = quality.NewAnalyzer(c.mode)
		c.ans[size] = an
	}
	return an.AnalyzeSource(st.Img, st.Width, st.Height), nil
}

// runCheck judges files on every core: a pool of workers (checkers) takes
// the files in turn, largest first so that no core is left with a big one
// at the end while the other idles; the results are printed in the order
// the files were given, each as soon as it and those before it are done.
func runCheck(out, errw io.Writer, mode quality.Mode, asJSON bool, files []string) error {
	results := make([]checked, len(files))
	done := make([]chan struct{}, len(files))
	for i := range done {
		done[i] = make(chan struct{})
	}
	order := largestFirst(files)
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		go func() {
			c := newChecker(mode)
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) {
					return
				}
				i := order[k]
				results[i].res, results[i].err = c.check(files[i])
				close(done[i])
			}
		}()
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	unreadable, bad := 0, 0
	for i, f := range files {
		<-done[i]
		r, err := results[i].res, results[i].err
		if err != nil {
			unreadable++
			msg := describeReadError(err)
			fmt.Fprintf(errw, "camera check: %s: %s\n", f, msg)
			if asJSON {
				if err := enc.Encode(checkLine{File: f, Problems: 0, Error: msg}); err != nil {
					return failure(err)
				}
			}
			continue
		}
		if !r.OK {
			bad++
		}
		if asJSON {
			mt := r.Metrics
			if err := enc.Encode(checkLine{File: f, OK: r.OK, Problems: r.Problems, Metrics: &mt}); err != nil {
				return failure(err)
			}
			continue
		}
		if r.OK {
			fmt.Fprintf(out, "%s: ok\n", f)
		} else {
			names := make([]string, 0, 4)
			for _, p := range r.Problems.List() {
				names = append(names, string(p))
			}
			fmt.Fprintf(out, "%s: %s\n", f, strings.Join(names, ", "))
		}
		mt := r.Metrics
		fmt.Fprintf(out, "  %dx%d found=%v fill=%.2f aspect=%.2f angle=%.1f° sharpness=%.2f mean=%.0f saturated=%.3f mrz=%.2f\n",
			mt.Width, mt.Height, mt.Found, mt.Fill, mt.Aspect, mt.AngleDeg, mt.Sharpness, mt.Mean, mt.Saturated, mt.MRZ)
	}
	switch {
	case unreadable > 0:
		return usageErrorf("camera check: %d of %d files could not be read as JPEG or PNG", unreadable, len(files))
	case bad > 0:
		return failuref("camera check: %d of %d images are not good enough", bad, len(files))
	}
	return nil
}

// largestFirst returns the indexes of files, the largest file first (a
// file that cannot be examined counts as empty: its error comes from the
// worker that reads it).
func largestFirst(files []string) []int {
	sizes := make([]int64, len(files))
	order := make([]int, len(files))
	for i, f := range files {
		order[i] = i
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			sizes[i] = st.Size()
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })
	return order
}

// describeReadError turns a read/decode failure into a line a technician
// can act on.
func describeReadError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	case errors.Is(err, camera.ErrNotRegular):
		return err.Error() + ": give a JPEG or PNG file"
	case errors.Is(err, camera.ErrTooLarge):
		return err.Error() + " (a still photo of at most 24 megapixels, 64 MB, is expected)"
	case errors.Is(err, camera.ErrBadFrame):
		return "not a readable JPEG (corrupt or truncated): " + err.Error()
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "cannot decode: " + err.Error()
}
