"""The tiny test course (tests/fixtures/tiny_course) through the real CLI: its lessons, a fixture with its
own caches and narration copy, and helpers for tests that render it."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny_course"


def _load_tiny_course():
    """The fixture's lesson list, without installing it: this test process keeps the real registry."""
    spec = importlib.util.spec_from_file_location("tiny_course", TINY / "tiny_course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny_course = _load_tiny_course()
A, B = tiny_course.LESSONS


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny")
    narration = base / "narration"
    shutil.copytree(tiny_course.NARRATION_DIR, narration)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "VITLESSONS_CACHE": str(base / "cache"),
        "VITLESSONS_NARRATION_DIR": str(narration),
    }
    for name in ("VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE", "TINY_RENDEZVOUS", "TINY_PAUSE_AFTER_MUX", "TINY_HOLD"):
        env.pop(name, None)
    return SimpleNamespace(base=base, narration=narration, env=env)


def tiny_command(*args):
    return [sys.executable, str(TINY / "run_cli.py"), *map(str, args)]


def tiny_cli(tiny, *args, env=None, timeout=600):
    return subprocess.run(tiny_command(*args), cwd=ROOT, env=env or tiny.env, capture_output=True, text=True,
                          timeout=timeout)
