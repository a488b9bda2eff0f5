#!/usr/bin/python3
"""Decode JPEG files with libjpeg (through OpenCV) at full, 1/2, 1/4 and 1/8
size, luma only, the way libjpeg's scale_denom does it (IMREAD_REDUCED_
GRAYSCALE_N), and write each result as a binary PGM, for the jpegscale
tests to compare against:

  /usr/bin/python3 libjpeg_reduced.py OUTDIR FILE...

writes OUTDIR/<index>.<scale>.pgm for each FILE (index in argument order).
"""
import sys

import cv2

FLAGS = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
         4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


def main():
    out = sys.argv[1]
    for i, name in enumerate(sys.argv[2:]):
        for scale, flag in FLAGS.items():
            img = cv2.imread(name, flag)
            if img is None:
                sys.exit("cv2 could not read %s" % name)
            h, w = img.shape
            with open("%s/%d.%d.pgm" % (out, i, scale), "wb") as f:
                f.write(b"P5\n%d %d\n255\n" % (w, h))
                f.write(img.tobytes())


if __name__ == "__main__":
    main()
