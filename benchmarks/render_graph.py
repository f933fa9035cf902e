"""Cues as tasks: one lesson drawn on a local Dask cluster of 1 worker and of 2, in one run.

A warm-up render at low quality fills the caches every quality shares (trace, facts, speech, TeX), so both
timed renders draw every cue of the lesson anew (`--force`) from the same start. Goals (issue 20, 1080p60,
two cores):

    2 workers        <= 0.45x the video's length
    2 vs 1 worker    >= 1.8x faster

    .venv/bin/python benchmarks/render_graph.py [LESSON] [--quality high] [--voice kokoro] [--keep DIR]

With --keep, the output folder stays in DIR: its manifest's task costs feed benchmarks/cluster_estimate.py.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(env, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the render and its workers) of one CLI run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "render.cli", *args], cwd=ROOT, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lesson", nargs="?", default="p2-01-contact-sheet")
    ap.add_argument("--quality", default="high")
    ap.add_argument("--voice", default="kokoro")
    ap.add_argument("--keep", type=Path, help="keep the output folder here")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = a.keep.resolve() if a.keep else Path(tmp) / "out"
        env = {**os.environ, "VITLESSONS_CACHE": os.environ.get("VITLESSONS_CACHE") or str(Path(tmp) / "cache")}
        common = [a.lesson, "--voice", a.voice, "--out", str(out)]
        timed(env, "render", *common, "--quality", "low", "--jobs", "2")  # warm-up: the shared caches
        runs = {}
        for jobs in (1, 2):
            runs[jobs] = timed(env, "render", *common, "--quality", a.quality, "--jobs", str(jobs), "--force")
        manifest = json.loads((out / a.quality / "manifest.json").read_text())
        length = manifest[a.lesson]["duration"]
        costs = manifest[a.lesson]["task_costs"]  # of the last run, on 2 workers

    print(f"{a.lesson} at {a.quality}, {length:.1f} s of video, {os.cpu_count()} cores")
    for jobs, (wall, cpu) in runs.items():
        print(f"  {jobs} worker{'s' if jobs > 1 else ' '}  {wall:7.1f} s wall  {wall / length:5.2f}x real time  "
              f"{cpu:7.1f} CPU-s")
    print(f"  scaling 2 vs 1: {runs[1][0] / runs[2][0]:.2f}x")
    pieces = sorted(c["cpu_s"] for c in costs["pieces"].values())
    peak = max(c["peak_mb"] for c in [costs["plan"], costs["join"], *costs["pieces"].values()])
    print(f"  tasks (2 workers): plan {costs['plan']['cpu_s']:.1f} CPU-s, {len(pieces)} pieces "
          f"{pieces[0]:.1f}-{pieces[-1]:.1f} CPU-s (sum {sum(pieces):.0f}), join {costs['join']['cpu_s']:.1f} CPU-s; "
          f"peak worker memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
