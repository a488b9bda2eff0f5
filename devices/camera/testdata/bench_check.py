#!/usr/bin/python3
"""Whole-process speed of `ventanilla camera check --json` against the
OpenCV reference (opencv_process.py: cv2.imread + the reference analysis,
one thread) over the same files, the two runs alternated so both see the
same machine load:

  make build
  /usr/bin/python3 devices/camera/testdata/bench_check.py [-n 15] [--bin bin/ventanilla] [--baseline OLD]... [FILE...]

Default files: ../shared/camera-sample/images/*.jpg. Prints, per command,
the median wall time and CPU time (user+sys) per image, and the ratio.
--baseline OLD (repeatable) adds older ventanilla binaries to the
alternation (same files, same load), to compare a change against its
baseline.
Exit status 0; the figures are for the note, not a test (the machine may
be busy).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def run(cmd):
    """Runs cmd, returns (wall seconds, cpu seconds, exit status)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=15, help="runs of each command")
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin", "ventanilla"))
    ap.add_argument("--baseline", action="append", default=[],
                    help="an older ventanilla binary, alternated with the others (repeatable)")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = a.files or sorted(glob.glob(os.path.join(ROOT, "..", "shared", "camera-sample", "images", "*.jpg")))
    if not files:
        sys.exit("no files")
    cmds = {"go": [a.bin, "camera", "check", "--json"] + files,
            "cv": ["/usr/bin/python3", os.path.join(HERE, "opencv_process.py")] + files}
    labels = {"go": "ventanilla camera check --json",
              "cv": "OpenCV (cv2.imread + reference analysis, 1 thread)"}
    for i, b in enumerate(a.baseline):
        cmds["base%d" % i] = [b, "camera", "check", "--json"] + files
        labels["base%d" % i] = "baseline " + os.path.basename(b) + " camera check --json"
    for cmd in cmds.values():  # warm the page cache; check each judges every file
        p = subprocess.run(cmd, capture_output=True, text=True)
        judged = [json.loads(l)["file"] for l in p.stdout.splitlines() if l.strip()]
        if p.returncode not in (0, 1) or judged != files:
            sys.exit("%s exited %d after judging %d of %d files: %s"
                     % (" ".join(cmd[:2]), p.returncode, len(judged), len(files), p.stderr[-500:]))
    res = {k: [] for k in cmds}
    for _ in range(a.n):
        for k, cmd in cmds.items():
            res[k].append(run(cmd))
    n = len(files)
    med = {}
    for k in cmds:
        wall = statistics.median(r[0] for r in res[k]) / n * 1000
        cpu = statistics.median(r[1] for r in res[k]) / n * 1000
        med[k] = (wall, cpu)
        print("%-52s wall %6.2f ms/image   cpu %6.2f ms/image" % (labels[k], wall, cpu))
    for k in [k for k in cmds if k != "cv"]:
        print("%s is %.1fx faster per image (wall), %.1fx (cpu); %d files, %d alternated runs each, load %s"
              % (labels[k], med["cv"][0] / med[k][0], med["cv"][1] / med[k][1], n, a.n,
                 " ".join("%.2f" % x for x in os.getloadavg())))

if __name__ == "__main__":
    main()
