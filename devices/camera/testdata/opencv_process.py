#!/usr/bin/python3
"""The OpenCV side of the whole-process speed comparison with `ventanilla
camera check --json` (see bench_check.sh beside this file): one process,
one thread, that judges every file given, as a user would write it with
OpenCV, decode included:

  /usr/bin/python3 opencv_process.py FILE...

For each file it reads the picture with cv2.imread (libjpeg, full size,
grey), runs the reference analysis of opencv_compare.py (its `analyse`
function, which the analysis helpers keep as the reference) and prints one
JSON object per line.
"""
import json
import os
import sys

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opencv_compare  # noqa: E402  (the reference analyser beside this file)

cv2.setNumThreads(1)


def main():
    for name in sys.argv[1:]:
        grey = cv2.imread(name, cv2.IMREAD_GRAYSCALE)
        if grey is None:
            print(json.dumps({"file": name, "error": "unreadable"}))
            continue
        out = opencv_compare.analyse(grey)
        out["file"] = name
        print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
