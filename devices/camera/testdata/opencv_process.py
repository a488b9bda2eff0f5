#!/usr/bin/python3
"""The OpenCV side of the whole-process speed comparison with `ventanilla
camera check --json` (see bench_check.sh beside this file): one process,
one thread, that judges every file given, as a user would write it with
OpenCV, decode included:

  /usr/bin/python3 opencv_process.py FILE...

For each file it runs the reference analysis of opencv_compare.py (its
`analyse(path)`, which reads the picture with cv2.imread and is kept by
the analysis helpers as the reference) and prints one JSON object per
line: {"file": …, "problems": […]}, or "error" when it cannot be read.
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
        problems = opencv_compare.analyse(name)
        if problems is None:
            print(json.dumps({"file": name, "error": "unreadable"}))
            continue
        print(json.dumps({"file": name, "problems": problems}))

if __name__ == "__main__":
    main()
