#!/usr/bin/python3
"""Compute the camera quality metrics with OpenCV, for a speed comparison
with devices/camera/quality (Go).

The same steps as the Go analyzer, on the same pictures, one core:
  grey full-resolution image (the camera's luma plane)
  -> INTER_AREA resize to ~640 wide (fine) and ~320 wide (coarse)
  -> Otsu threshold on the coarse image, external contours, largest
     contour's minimum-area rectangle (card found, aspect, angle, fill)
  -> mean and saturated fraction (>= 250) inside the card
  -> variance of the Laplacian on the fine image inside the card

Write the pictures first (1280x720 PNG, the Go verdicts are printed):
  CAMERA_SAMPLES=/tmp/camsamples go test -run WriteSamples ./devices/camera/quality
then:
  /usr/bin/python3 devices/camera/testdata/opencv_compare.py /tmp/camsamples
and compare "ms per frame" with:
  go test -run XXX -bench AnalyzeSamples -cpu 1 ./devices/camera/quality
(ns/op there is for the 10 sample frames together).
"""
import glob
import os
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)


def analyse(grey):
    h, w = grey.shape
    k = max(1, w // 640)
    fine = cv2.resize(grey, (w // k, h // k), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(fine, (fine.shape[1] // 2, fine.shape[0] // 2), interpolation=cv2.INTER_AREA)
    _, mask = cv2.threshold(coarse, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = {"found": False}
    if not contours:
        return out
    c = max(contours, key=cv2.contourArea)
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
    area = cv2.contourArea(c)
    if rw * rh == 0:
        return out
    long, short = max(rw, rh), min(rw, rh)
    out.update(found=True, aspect=long / short, angle=angle, rect=area / (rw * rh),
               fill=rw * rh / (coarse.shape[0] * coarse.shape[1]))
    card = np.zeros_like(coarse)
    cv2.drawContours(card, [c], -1, 255, -1)
    vals = coarse[card > 0]
    out["mean"] = float(vals.mean())
    out["saturated"] = float((vals >= 250).mean())
    x, y, bw, bh = cv2.boundingRect(c)
    ix, iy = int(bw * 0.15), int(bh * 0.15)
    roi = fine[2 * (y + iy):2 * (y + bh - iy), 2 * (x + ix):2 * (x + bw - ix)]
    if roi.size:
        lap = cv2.Laplacian(roi, cv2.CV_32F, ksize=1)
        out["laplacian_var"] = float(lap.var())
    return out


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/camsamples"
    files = sorted(glob.glob(os.path.join(folder, "*.png")))
    if not files:
        sys.exit("no PNG files in %s (see the docstring)" % folder)
    greys = [(os.path.basename(f), cv2.imread(f, cv2.IMREAD_GRAYSCALE)) for f in files]
    for name, g in greys:
        r = analyse(g)
        print("%-12s %s" % (name, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}))
    runs = 50
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(runs):
            for _, g in greys:
                analyse(g)
        best = min(best, (time.perf_counter() - t0) / (runs * len(greys)))
    print("OpenCV %s, one thread: %.3f ms per 720p frame (best of 5 x %d x %d frames)"
          % (cv2.__version__, best * 1000, runs, len(greys)))


if __name__ == "__main__":
    main()
