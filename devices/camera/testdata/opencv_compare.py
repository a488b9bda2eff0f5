#!/usr/bin/python3
"""The OpenCV reference for `ventanilla camera check`: verdicts and speed.

A card analyser written the way a developer would write it with OpenCV,
on one thread: read the file (cv2.imread), shrink it to 640 px across,
find the card from its edges (Canny, closed into outlines, contours, the
minimum-area rectangle of aspect 1.586), then judge on the card distance
(too far under 36 % of the width, too close when it touches the frame),
tilt, light (mean and clipped share), glare and blur (variance of the
Laplacian), in the same priority order as ventanilla:
no_card, too_far/too_close, tilted, too_dark/too_bright, glare, blurry.

It scores both analysers on a labelled sample (manifest.json: `ok`,
`must_include`, `must_include_any`) and times them, alternating, in one
run: OpenCV per image in this process (imread included, interpreter start
not), ventanilla as the whole `camera check --json` process over all the
files (start-up, decoding and its use of the cores included).

    make build
    /usr/bin/python3 devices/camera/testdata/opencv_compare.py \\
        [--bin bin/ventanilla] [--sample ../shared/camera-sample] [--rounds 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)

CARD_ASPECT = 85.60 / 53.98
# Thresholds in the reference's own terms (640 px wide frame).
MIN_WIDTH = 0.36        # card long side over frame width
MAX_TILT = 10.0         # degrees
DARK = 80               # mean grey of the card
BRIGHT = 235
OVEREXPOSED = 0.35      # share of clipped (>= 250) card pixels
GLARE = 0.01
LAPLACIAN_MIN = 60.0    # variance of the Laplacian on the card (3x3)


def find_card(gray):
    """Largest contour whose minimum-area rectangle has the card's aspect
    and fills it, from the edges (Canny, gaps closed) and from the two
    sides of an Otsu threshold; returns (rect, contour) or None."""
    h, w = gray.shape
    blur = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(blur, 30, 90)
    # Close the gaps fingers and glare leave in the outline.
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    _, th = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    th = cv2.morphologyEx(th, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    c2, _ = cv2.findContours(th, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = list(contours) + list(c2)
    best, best_area = None, 0
    for c in contours:
        area = cv2.contourArea(cv2.convexHull(c))
        if area < 0.004 * w * h:
            continue
        rect = cv2.minAreaRect(c)
        (_, _), (rw, rh), _ = rect
        if rw < 1 or rh < 1:
            continue
        aspect = max(rw, rh) / min(rw, rh)
        if abs(aspect - CARD_ASPECT) / CARD_ASPECT > 0.15:
            continue
        if area / (rw * rh) < 0.8:
            continue
        if area > best_area:
            best, best_area = (rect, c), area
    return best


def analyse(path):
    img = cv2.imread(path)
    if img is None:
        return None
    h, w = img.shape[:2]
    k = 640.0 / w
    small = cv2.resize(img, (640, max(1, round(h * k))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    H, W = gray.shape
    found = find_card(gray)
    if found is None:
        # Nothing card-shaped: say why if the light explains it.
        if np.percentile(gray, 99) < DARK:
            return ["too_dark"]
        if gray.mean() > 210:
            return ["too_bright"]
        return ["no_card"]
    rect, _ = found
    (cx, cy), (rw, rh), angle = rect
    problems = []
    box = cv2.boxPoints(rect)
    m = 0.01 * W  # the rectangle may overshoot a little round a finger
    if box[:, 0].min() < -m or box[:, 1].min() < -m or box[:, 0].max() > W + m or box[:, 1].max() > H + m:
        problems.append("too_close")
    elif max(rw, rh) / W < MIN_WIDTH:
        problems.append("too_far")
    tilt = angle if rw >= rh else angle - 90
    tilt = abs((tilt + 90) % 180 - 90)
    if tilt > MAX_TILT:
        problems.append("tilted")
    mask = np.zeros_like(gray)
    inner = ((cx, cy), (rw * 0.9, rh * 0.9), angle)
    cv2.fillPoly(mask, [cv2.boxPoints(inner).astype(np.int32)], 255)
    vals = gray[mask > 0]
    mean = float(vals.mean())
    sat = float((vals >= 250).mean())
    if mean < DARK:
        problems.append("too_dark")
    elif mean > BRIGHT or sat > OVEREXPOSED:
        problems.append("too_bright")
    elif sat > GLARE:
        problems.append("glare")
    x, y, bw, bh = cv2.boundingRect(cv2.boxPoints(inner).astype(np.int32))
    roi = gray[max(y, 0):y + bh, max(x, 0):x + bw]
    if roi.size and cv2.Laplacian(roi, cv2.CV_64F).var() < LAPLACIAN_MIN:
        problems.append("blurry")
    return problems


def score(manifest, results):
    """verdicts right, codes right, frames that need a code."""
    v = c = need = 0
    for e in manifest:
        probs = results.get(os.path.basename(e["file"]))
        if probs is None:
            continue
        v += (len(probs) == 0) == e["ok"]
        if e["ok"]:
            continue
        need += 1
        ok = all(p in probs for p in e.get("must_include", []))
        anyof = e.get("must_include_any")
        if anyof:
            ok = ok and any(p in probs for p in anyof)
        c += ok
    return v, c, need


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="bin/ventanilla")
    ap.add_argument("--sample", default="../shared/camera-sample")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each file's codes")
    args = ap.parse_args()
    with open(os.path.join(args.sample, "manifest.json")) as f:
        manifest = json.load(f)
    files = [os.path.join(args.sample, e["file"]) for e in manifest]
    if not os.access(args.bin, os.X_OK):
        sys.exit("%s not found: run `make build` first (or pass --bin)" % args.bin)

    cv_times, vt_times = [], []
    cv_res, vt_res = {}, {}
    for r in range(args.rounds):
        t0 = time.perf_counter()
        res = {os.path.basename(p): analyse(p) for p in files}
        cv_times.append((time.perf_counter() - t0) / len(files))
        cv_res = res
        t0 = time.perf_counter()
        out = subprocess.run([args.bin, "camera", "check", "--json"] + files,
                             capture_output=True, text=True)
        vt_times.append((time.perf_counter() - t0) / len(files))
        if out.returncode not in (0, 1):
            sys.exit("camera check failed (exit %d): %s" % (out.returncode, out.stderr))
        vt_res = {}
        for line in out.stdout.splitlines():
            o = json.loads(line)
            vt_res[os.path.basename(o["file"])] = o["problems"]

    if args.verbose:
        for e in manifest:
            n = os.path.basename(e["file"])
            want = "ok" if e["ok"] else "/".join(e.get("must_include", []) + e.get("must_include_any", []))
            print("%-14s %-10s want %-12s opencv %-28s ventanilla %s" % (n, e.get("category", ""), want, cv_res[n], vt_res[n]))

    need = sum(1 for e in manifest if not e["ok"])
    cv_v, cv_c, _ = score(manifest, cv_res)
    vt_v, vt_c, _ = score(manifest, vt_res)
    cv_ms, vt_ms = statistics.median(cv_times) * 1000, statistics.median(vt_times) * 1000
    print("sample: %s (%d frames, %d with a required code)" % (args.sample, len(manifest), need))
    print("OpenCV %s reference, one thread:  verdicts %2d/%d  codes %2d/%d  %7.2f ms per image (imread included; median of %d rounds)"
          % (cv2.__version__, cv_v, len(manifest), cv_c, need, cv_ms, args.rounds))
    print("ventanilla camera check --json:     verdicts %2d/%d  codes %2d/%d  %7.2f ms per image (whole process over %d files; median of %d rounds)"
          % (vt_v, len(manifest), vt_c, need, vt_ms, len(files), args.rounds))
    print("speed: ventanilla %.1fx faster per image (on %d cores; the reference uses one)" % (cv_ms / vt_ms, os.cpu_count()))


if __name__ == "__main__":
    main()
