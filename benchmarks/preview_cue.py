"""How long does an author wait to see one edited cue, against a full low-quality render of the lesson?

Both run through the CLI in fresh output folders, in one run, with speech and the trace already cached (a
first warm-up render fills both caches), so the ratio measures rendering alone. The last line,
"ratio: X", is preview time / full render time; the goal is <= 0.15.

    .venv/bin/python benchmarks/preview_cue.py [LESSON] [--cue ID] [--voice piper]
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration.script import load_script  # noqa: E402
from scenes.course import BY_ID  # noqa: E402


def timed(*args) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "render.cli", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lesson", nargs="?", default="p2-01-contact-sheet")
    ap.add_argument("--cue", default=None, help="default: the lesson's last cue")
    ap.add_argument("--voice", default="piper")
    a = ap.parse_args()
    cue = a.cue or load_script(BY_ID[a.lesson].narration_file).cues[-1].id
    with tempfile.TemporaryDirectory() as tmp:
        timed("render", a.lesson, "--quality", "low", "--voice", a.voice, "--out", f"{tmp}/warm")
        full = timed("render", a.lesson, "--quality", "low", "--voice", a.voice, "--out", f"{tmp}/full")
        preview = timed("preview", a.lesson, "--cue", cue, "--voice", a.voice, "--out", f"{tmp}/preview")
    print(f"full low-quality render: {full:.1f} s")
    print(f"preview of cue {cue!r}:   {preview:.1f} s")
    print(f"ratio: {preview / full:.3f}")


if __name__ == "__main__":
    main()
