"""How long an author waits: a full render, a re-render after editing one sentence, and a no-op re-render.

All three run through the CLI in one run, on one lesson, with speech and the trace already cached (a warm-up
render at low quality fills both), so they measure rendering. The narration is edited in a copy of the
scripts (VITLESSONS_NARRATION_DIR), never in the repository. Goals (issue 9, 1080p60, two cores):

    full render   <= 1.0x the video's length
    edit          <= 10% of the full render
    no-op         <= 5 s

    .venv/bin/python benchmarks/render_lesson.py [LESSON] [--quality high] [--cue N] [--voice piper]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration.script import load_script  # noqa: E402
from scenes.course import BY_ID  # noqa: E402


CPU = {}  # label -> CPU seconds (user + system) of the render and its worker processes


def timed(env, *args, label=None) -> float:
    """Wall seconds of one CLI run; its CPU seconds go to CPU[label]. On a shared machine the wall time
    depends on the other load; the CPU time much less so."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "render.cli", *args], cwd=ROOT, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[label] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


def edit_one_sentence(script: Path, cue_id: str) -> None:
    """Append a short sentence to one cue's text: a real edit, its speech synthesised anew."""
    text = script.read_text()
    at = text.index(f'id = "{cue_id}"')
    end = text.index('"""', text.index('"""', at) + 3)
    script.write_text(text[:end] + "And that is worth saying twice.\n" + text[end:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lesson", nargs="?", default="p2-01-contact-sheet")
    ap.add_argument("--quality", default="high")
    ap.add_argument("--cue", type=int, default=10, help="which cue (1-based) to edit")
    ap.add_argument("--voice", default="piper")
    a = ap.parse_args()
    cue = load_script(BY_ID[a.lesson].narration_file).cues[a.cue - 1].id
    with tempfile.TemporaryDirectory() as tmp:
        scripts = Path(tmp) / "scripts"
        scripts.mkdir()  # an edited copy of the one script, the lesson's own left untouched
        shutil.copy(BY_ID[a.lesson].narration_file, scripts / f"{a.lesson}.toml")
        env = {**os.environ, "VITLESSONS_NARRATION_DIR": str(scripts)}
        common = [a.lesson, "--voice", a.voice, "--out", f"{tmp}/out"]
        timed(env, "render", a.lesson, "--quality", "low", "--voice", a.voice, "--out", f"{tmp}/warm")
        full = timed(env, "render", *common, "--quality", a.quality, label="full")
        manifest = json.loads((Path(tmp) / "out" / a.quality / "manifest.json").read_text())
        length = manifest[a.lesson]["duration"]
        noop = timed(env, "render", *common, "--quality", a.quality, label="noop")
        edit_one_sentence(scripts / f"{a.lesson}.toml", cue)
        edit = timed(env, "render", *common, "--quality", a.quality, label="edit")
    print(f"lesson {a.lesson} at {a.quality}: video {length:.1f} s, {os.cpu_count()} cores")
    print(f"full render:          {full:7.1f} s   {full / length:.2f}x the video   (goal <= 1.0x)")
    print(f"edit cue {a.cue} ({cue}): {edit:7.1f} s   {100 * edit / full:.1f}% of the full render   (goal <= 10%)")
    print(f"no-op re-render:      {noop:7.1f} s   (goal <= 5 s)")
    print(f"CPU seconds (all processes): full {CPU['full']:.0f} ({CPU['full'] / length:.2f} per video second), "
          f"edit {CPU['edit']:.0f} ({100 * CPU['edit'] / CPU['full']:.1f}%), no-op {CPU['noop']:.1f}")


if __name__ == "__main__":
    main()
