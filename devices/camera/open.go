package camera

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Open opens a source from a spec, as given to `--camera` or `--device`:
//
//	sim, sim:front, sim:back, sim:face, sim:sheet  the simulated camera
//	file:DIR                                       images of a folder
//	/dev/videoN or /dev/v4l/by-id/…                a V4L2 camera
//	"" or auto                                     the first V4L2 camera found
//
// Live sources are paced at 15 fps. Failure wraps ErrUnavailable.
func Open(spec string) (Source, error) {
	const interval = time.Second / 15
	switch {
	case spec == "sim" || strings.HasPrefix(spec, "sim:"):
		sub := SubjectCardFront
		switch strings.TrimPrefix(spec, "sim:") {
		case "back":
			sub = SubjectCardBack
		case "face":
			sub = SubjectFace
		case "sheet", "document":
			sub = SubjectSheet
		case "sim", "front", "":
		default:
			return nil, fmt.Errorf("camera: unknown simulated subject in %q (use sim, sim:front, sim:back, sim:face, sim:sheet)", spec)
		}
		return NewSim(SimConfig{Subject: sub, Interval: interval}), nil
	case strings.HasPrefix(spec, "file:"):
		return OpenFiles(strings.TrimPrefix(spec, "file:"), interval)
	case spec == "" || spec == "auto":
		devs := List("/", nil)
		for _, d := range devs {
			if d.Err == "" && len(d.Formats) > 0 {
				return OpenV4L2(V4L2Config{Path: d.Preferred()})
			}
		}
		return nil, fmt.Errorf("camera: no V4L2 camera found (no usable /dev/video*): %w", ErrUnavailable)
	default:
		return OpenV4L2(V4L2Config{Path: spec})
	}
}

// DeviceInfo describes one V4L2 node for `camera list`.
type DeviceInfo struct {
	Path    string       `json:"path"`
	ByID    []string     `json:"by_id,omitempty"`
	Name    string       `json:"name,omitempty"`
	Formats []FormatInfo `json:"formats,omitempty"`
	// Err says why the node could not be queried (busy, not a capture
	// device — UVC cameras expose a metadata node too).
	Err string `json:"error,omitempty"`
}

// Preferred is the stable by-id path when there is one.
func (d DeviceInfo) Preferred() string {
	if len(d.ByID) > 0 {
		return d.ByID[0]
	}
	return d.Path
}

// FormatInfo is one pixel format and its sizes.
type FormatInfo struct {
	FourCC      string   `json:"fourcc"`
	Description string   `json:"description"`
	Sizes       []string `json:"sizes"`
}

// List finds V4L2 nodes under root ("/" on a kiosk; a test tree in tests):
// root/dev/video* and the root/dev/v4l/by-id links pointing at them. open
// queries each (nil: the real device). It never fails: a node that cannot
// be opened is listed with its error.
func List(root string, open Opener) []DeviceInfo {
	if open == nil {
		open = openWebcam
	}
	nodes, _ := filepath.Glob(filepath.Join(root, "dev", "video*"))
	sort.Slice(nodes, func(i, j int) bool { return videoIndex(nodes[i]) < videoIndex(nodes[j]) })
	links, _ := filepath.Glob(filepath.Join(root, "dev", "v4l", "by-id", "*"))
	byID := map[string][]string{}
	for _, l := range links {
		if real, err := filepath.EvalSymlinks(l); err == nil {
			if abs, err := filepath.Abs(real); err == nil {
				byID[abs] = append(byID[abs], l)
			}
		}
	}
	var out []DeviceInfo
	for _, n := range nodes {
		abs, _ := filepath.Abs(n)
		info := DeviceInfo{Path: n, ByID: byID[abs]}
		dev, err := open(n)
		if err != nil {
			info.Err = err.Error()
			out = append(out, info)
			continue
		}
		info.Name = dev.Name()
		fmts := dev.Formats()
		codes := make([]uint32, 0, len(fmts))
		for c := range fmts {
			codes = append(codes, c)
		}
		sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
		for _, c := range codes {
			fi := FormatInfo{FourCC: FourCCString(c), Description: fmts[c], Sizes: []string{}}
			for _, s := range dev.FrameSizes(c) {
				if s.StepW == 0 || (s.MinW == s.MaxW && s.MinH == s.MaxH) {
					fi.Sizes = append(fi.Sizes, fmt.Sprintf("%dx%d", s.MaxW, s.MaxH))
				} else {
					fi.Sizes = append(fi.Sizes, fmt.Sprintf("%d-%dx%d-%d", s.MinW, s.MaxW, s.MinH, s.MaxH))
				}
			}
			info.Formats = append(info.Formats, fi)
		}
		_ = dev.Close()
		out = append(out, info)
	}
	return out
}

func videoIndex(p string) int {
	var n int
	if _, err := fmt.Sscanf(filepath.Base(p), "video%d", &n); err != nil {
		return 1 << 30
	}
	return n
}

// Exists reports whether any V4L2 node is present at all (cheap, no open).
func Exists() bool {
	m, _ := filepath.Glob("/dev/video*")
	if len(m) > 0 {
		return true
	}
	_, err := os.Stat("/dev/v4l")
	return err == nil
}
