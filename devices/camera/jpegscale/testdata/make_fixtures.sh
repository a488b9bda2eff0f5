#!/bin/sh
# Regenerates the JPEG fixtures of the jpegscale tests with encoders that
# are not Go's: ImageMagick (chroma subsampling, progressive) and OpenCV
# (restart markers, grey), both on libjpeg. The source is a crop of a
# webcam-like sample frame, 333x251 so the edges cut through MCUs.
#   sh devices/camera/jpegscale/testdata/make_fixtures.sh
set -eu
cd "$(dirname "$0")"
src=../../../../../shared/camera-sample/images/frame_001.jpg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert "$src" -crop 333x251+470+230 +repage "$tmp/crop.png"
convert "$tmp/crop.png" -quality 85 -sampling-factor 2x2 base420.jpg
convert "$tmp/crop.png" -quality 85 -sampling-factor 2x1 base422.jpg
convert "$tmp/crop.png" -quality 90 -sampling-factor 1x1 base444.jpg
convert "$tmp/crop.png" -quality 60 -sampling-factor 2x2 q60_420.jpg
convert "$tmp/crop.png" -quality 85 -sampling-factor 2x2 -interlace JPEG prog420.jpg
convert "$tmp/crop.png" -quality 85 -sampling-factor 1x1 -interlace JPEG prog444.jpg
convert "$tmp/crop.png" -quality 85 -sampling-factor 2x1 -interlace JPEG prog422.jpg
/usr/bin/python3 - "$tmp/crop.png" <<'PY'
import sys
import cv2
img = cv2.imread(sys.argv[1])
cv2.imwrite("rst420.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_RST_INTERVAL, 3])
grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
cv2.imwrite("grey.jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 85])
cv2.imwrite("grey_prog.jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
cv2.imwrite("rst_prog420.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80, cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_RST_INTERVAL, 2])
PY
ls -l *.jpg
