"""`vitlessons new` in a copy of the project: the lesson it writes is listed, passes its own test, and renders
to a real video with captions at once."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
NEW = "p5-01-first-draft"


def run(tree: Path, *args, check=True):
    env = {**os.environ, "PYTHONPATH": str(tree)}
    for name in ("VITLESSONS_NARRATION_DIR", "VITLESSONS_IMAGE", "VITLESSONS_WEIGHTS", "VITLESSONS_MODEL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, check=check)


def test_new_writes_a_lesson_that_renders_at_once(tmp_path):
    tree = tmp_path / "project"
    for part in ("vitmath", "narration", "scenes", "render", "tests", "pyproject.toml"):
        src = ROOT / part
        (shutil.copytree(src, tree / part, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir()
         else shutil.copy(src, tree / part))
    cli = ["-m", "render.cli"]
    made = run(tree, *cli, "new", NEW, "--title", "A first draft of a lesson")
    assert (tree / "scenes" / "p5_01_first_draft" / "scene.py").is_file(), made.stdout
    again = run(tree, *cli, "new", NEW, "--title", "Again", check=False)
    assert again.returncode == 1 and again.stderr.strip().count("\n") == 0 and "already in the course" in again.stderr

    listed = run(tree, *cli, "list", "--voice", "silent", "--out", str(tmp_path / "out")).stdout
    assert NEW in listed
    tested = run(tree, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_lesson_p5_01_first_draft.py",
                 check=False)
    assert tested.returncode == 0, tested.stdout[-2000:]

    run(tree, *cli, "render", NEW, "--quality", "low", "--voice", "silent", "--out", str(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "low" / "manifest.json").read_text())
    video = tmp_path / "out" / "low" / manifest[NEW]["video"]
    with av.open(str(video)) as c:
        assert c.streams.video[0].height == 480
        assert c.duration / av.time_base > 5
    assert video.with_suffix(".srt").read_text().count("-->") >= 3
    assert [c["id"] for c in manifest[NEW]["cues"]] == ["title", "grid", "closing"]
