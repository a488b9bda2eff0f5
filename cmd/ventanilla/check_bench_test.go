package main

import (
	"image"
	"io"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
)

// sampleImages are the 40 webcam-like sample frames (640×480 to 1920×1080)
// that devices/camera/testdata/bench_check.py runs the binary over.
func sampleImages(b *testing.B) []string {
	files, err := filepath.Glob("../../../shared/camera-sample/images/*.jpg")
	if err != nil || len(files) == 0 {
		b.Fatalf("no sample frames: %v", err)
	}
	return files
}

// BenchmarkCheckSamples is `camera check --json` over the sample frames in
// this process (no start-up): the worker pool, file reads, decode,
// analysis and JSON output; one op is the whole batch, ms/image is per
// file. Use -cpu to vary the pool (-cpu 1: one worker); profile with
// -cpuprofile. The whole process, against OpenCV, is bench_check.py.
func BenchmarkCheckSamples(b *testing.B) {
	files := sampleImages(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = runCheck(io.Discard, io.Discard, quality.IDCard, true, files)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N*len(files)), "ms/image")
}

// BenchmarkCheckStages splits one worker's work per file: the read and
// decode (camera.StillDecoder at analysis width, luma) and the analysis of
// the decoded frame, each over the sample frames in turn, one file per op.
func BenchmarkCheckStages(b *testing.B) {
	files := sampleImages(b)
	b.Run("decode", func(b *testing.B) {
		dec := camera.StillDecoder{Width: analysisWidth, Luma: true}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := dec.DecodeFile(files[i%len(files)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("analyse", func(b *testing.B) {
		// Decoded copies: the decoder's image is only valid until its
		// next call.
		stills := make([]camera.Still, len(files))
		for i, f := range files {
			dec := camera.StillDecoder{Width: analysisWidth, Luma: true}
			st, err := dec.DecodeFile(f)
			if err != nil {
				b.Fatal(err)
			}
			stills[i] = st
		}
		// One analyzer per size, as a checker keeps them.
		ans := map[image.Point]*quality.Analyzer{}
		for _, st := range stills {
			ans[st.Img.Bounds().Size()] = quality.NewAnalyzer(quality.IDCard)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			st := stills[i%len(stills)]
			ans[st.Img.Bounds().Size()].AnalyzeSource(st.Img, st.Width, st.Height)
			i++
		}
	})
}
