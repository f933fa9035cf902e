"""A render as a graph of cue tasks on a real local Dask cluster of two workers (render/graph.py).

Tiny lesson B has two cue methods, so a render draws it as two pieces on two workers and joins them. Each
test compares with the same lesson drawn in one process, in one go, without Dask: frame for frame, and
caption for caption. The cues hold half-way when asked (TINY_HOLD, see tests/fixtures/tiny_course), so a
test can kill a worker, or stop the render, while a cue is being drawn.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from tiny_cli import B, ROOT, TINY, tiny, tiny_cli, tiny_command, wait_for  # noqa: F401

ONE_PROCESS = """
import sys
sys.path.insert(0, sys.argv[1])
import tiny_course
tiny_course.install()
from pathlib import Path
from render import build
from scenes import course
from scenes.common.inputs import LessonInputs
(lesson,) = course.find([sys.argv[2]])
work = Path(sys.argv[3])
inputs = LessonInputs(voice="silent", timeline=str(work / "timeline.json"), picture_key="one process")
made = build.assemble(lesson, build.render_scene(lesson, "low", inputs, str(work)), work)
print(made["files"]["mp4"])
"""


def frames(video: Path) -> list[np.ndarray]:
    with av.open(str(video)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: it only waits for its parent to read its status
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def held_pids(folder: Path) -> set[int]:
    return {int(p.stem.rsplit("-", 1)[1]) for p in folder.glob("*.held")}


@pytest.fixture(scope="module")
def one_process(tiny):
    """Lesson B drawn in one process, in one go: what every render through the cluster must equal."""
    work = tiny.base / "one-process"
    done = subprocess.run([sys.executable, "-c", ONE_PROCESS, str(TINY), B.id, str(work)], cwd=ROOT, env=tiny.env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    video = Path(done.stdout.strip().splitlines()[-1])
    return {"frames": frames(video), "srt": video.with_suffix(".srt").read_text()}


def assert_same_lesson(video: Path, reference: dict) -> None:
    got = frames(video)
    assert len(got) == len(reference["frames"]) > 30
    for i in np.linspace(0, len(got) - 1, 12).astype(int):  # sampled through both cues
        assert np.array_equal(got[i], reference["frames"][i]), f"frame {i} differs"
    assert video.with_suffix(".srt").read_text() == reference["srt"]


@contextlib.contextmanager
def rendering_b(tiny, out: Path, hold: Path, **popen):
    """`vitlessons render` of lesson B on two workers, its cues held half-way until `hold`/release exists;
    killed with its whole group if a test leaves it running."""
    p = subprocess.Popen(tiny_command("render", B.id, "--quality", "low", "--voice", "silent", "--jobs", 2,
                                      "--out", out), cwd=ROOT, env={**tiny.env, "TINY_HOLD": str(hold)},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **popen)
    try:
        yield p
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)


def test_a_lesson_drawn_in_pieces_on_two_workers_equals_it_drawn_in_one_go(tiny, one_process):
    out, hold = tiny.base / "out-graph", tiny.base / "hold-graph"
    hold.mkdir()
    with rendering_b(tiny, out, hold) as p:
        # Both cues are being drawn at the same moment, by two different worker processes.
        wait_for(lambda: len(held_pids(hold)) == 2 or p.poll() is not None, 300, "both cues to be drawn at once")
        assert p.poll() is None, p.stderr.read()[-3000:]
        assert p.pid not in held_pids(hold)
        (hold / "release").touch()
        _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-3000:]
    assert_same_lesson(out / "low" / f"{B.output_stem}.mp4", one_process)
    # Each task's costs are recorded: both cue methods drawn, each costing CPU; a worker with Manim and
    # torch loaded holds well over 100 MB.
    costs = json.loads((out / "low" / "manifest.json").read_text())[B.id]["task_costs"]
    assert len(costs["pieces"]) == 2 and all(c["cpu_s"] > 0 and c["wall_s"] > 0 for c in costs["pieces"].values())
    assert all(100 < c["peak_mb"] < 8000 for c in [costs["plan"], costs["join"], *costs["pieces"].values()])


def test_each_cues_voice_is_its_own_task_and_no_piece_synthesises(tiny):
    """Speech runs as tasks of its own, one per cue, before the pieces that need it: a real voice (espeak-ng)
    synthesises every cue's clauses in the speech tasks, and the pieces and the join find them in the cache.
    The speech tasks level each cue for the mix too, so the join, which waits for every picture, levels none."""
    out = tiny.base / "out-speech"
    done = tiny_cli(tiny, "render", B.id, "--quality", "low", "--voice", "espeak", "--jobs", 2, "--out", out)
    assert done.returncode == 0, done.stderr[-3000:]
    costs = json.loads((out / "low" / "manifest.json").read_text())[B.id]["task_costs"]
    timeline = json.loads((out / ".work" / "low" / B.id / "timeline.json").read_text())
    assert sorted(costs["speech"]) == sorted(c["id"] for c in timeline["cues"])
    assert all(c["voice_calls"] > 0 for c in costs["speech"].values())
    assert all(c["voice_calls"] == 0 for c in [costs["join"], *costs["pieces"].values()])
    assert all(c["levelled"] == 1 for c in costs["speech"].values()) and costs["join"]["levelled"] == 0


def test_a_worker_killed_mid_cue_is_replaced_and_the_lesson_is_the_same(tiny, one_process):
    out, hold = tiny.base / "out-killed", tiny.base / "hold-killed"
    hold.mkdir()
    with rendering_b(tiny, out, hold) as p:
        wait_for(lambda: held_pids(hold) or p.poll() is not None, 300, "a cue to be half drawn")
        victim = min(held_pids(hold))
        os.kill(victim, signal.SIGKILL)  # a worker lost half-way through a cue: its task runs again elsewhere
        wait_for(lambda: not alive(victim), 30, "the killed worker to go")
        (hold / "release").touch()
        _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert_same_lesson(out / "low" / f"{B.output_stem}.mp4", one_process)


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_main_process_alone_stops_every_worker_and_the_next_run_resumes(tiny, one_process, sig,
                                                                                         status):
    out, hold = tiny.base / f"out-{sig.name}", tiny.base / f"hold-{sig.name}"
    hold.mkdir()
    # A supervisor's signal, to the render's process alone (not to its group, as a terminal's Ctrl-C would).
    with rendering_b(tiny, out, hold, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) as p:
        wait_for(lambda: len(held_pids(hold)) == 2 or p.poll() is not None, 300, "both cues to be drawn at once")
        workers = held_pids(hold)
        os.kill(p.pid, sig)
        _, err = p.communicate(timeout=120)
    assert p.returncode == status, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "interrupted" in err
    wait_for(lambda: not any(alive(pid) for pid in workers), 30, "the workers to stop")
    video = out / "low" / f"{B.output_stem}.mp4"
    assert not video.exists() and not [f for f in (out / "low").iterdir() if ".part" in f.name]
    # What the workers were writing when they stopped is under temporary names, never a finished segment's.
    for segment in (out / ".work").rglob("*.mp4"):
        if not segment.name.startswith("."):
            with av.open(str(segment)) as c:
                assert sum(1 for _ in c.decode(video=0)) > 0

    (hold / "release").touch()
    resumed = tiny_cli(tiny, "render", B.id, "--quality", "low", "--voice", "silent", "--jobs", 2, "--out", out,
                       env={**tiny.env, "TINY_HOLD": str(hold)})
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_same_lesson(video, one_process)


def test_after_an_edit_only_the_edited_cue_is_drawn_again_and_the_lesson_stays_whole(tiny, one_process):
    """The second render through the graph: each piece finds its own last piece and the last render's
    timeline, and must splice one of them in, once."""
    import json
    import shutil

    from narration.timeline import Timeline

    out = tiny.base / "out-edited"
    narration = tiny.base / "narration-edited-graph"
    shutil.copytree(tiny.narration, narration)
    env = {**tiny.env, "VITLESSONS_NARRATION_DIR": str(narration)}
    args = ("render", B.id, "--quality", "low", "--voice", "silent", "--jobs", 2, "--out", out)
    assert tiny_cli(tiny, *args, env=env).returncode == 0
    work = out / ".work" / "low" / B.id
    before = Timeline.read(work / "timeline.json")
    script = narration / f"{B.id}.toml"
    script.write_text(script.read_text().replace("It is", "In the end it is"))
    again = tiny_cli(tiny, *args, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    after = Timeline.read(work / "timeline.json")
    assert [c.id for c in after.cues] == ["depth", "label"]
    assert after.cues[0].files == before.cues[0].files  # the unchanged cue spliced in, once
    assert after.cues[1].duration > before.cues[1].duration
    video = out / "low" / f"{B.output_stem}.mp4"
    assert len(frames(video)) == round(after.duration * 15)
    assert json.loads((out / "low" / "manifest.json").read_text())[B.id]["duration"] >= after.duration - 1 / 15


def test_a_killed_tasks_half_written_files_are_swept_once_abandoned(tmp_path):
    """What a SIGKILLed worker leaves (a segment being encoded, a formula being typeset) goes at the next
    render once nothing has touched it for half an hour; a live task's files stay, as do finished ones."""
    from render.build import LEFTOVER_AGE_S, sweep_leftovers

    movies = tmp_path / "high" / "p1-01" / "videos" / "partial_movie_files" / "Lesson"
    movies.mkdir(parents=True)
    old_part, new_part, done = movies / ".abc.part-4242.mp4", movies / ".def.part-4343.mp4", movies / "abc.mp4"
    compiling = tmp_path / "tex" / ".compiling-4242"
    compiling.mkdir(parents=True)
    (compiling / "x.tex").write_text("x")
    for path in (old_part, new_part, done):
        path.write_bytes(b"\0")
    old = time.time() - LEFTOVER_AGE_S - 60
    for path in (old_part, done, compiling / "x.tex", compiling):
        os.utime(path, (old, old))
    assert sweep_leftovers(tmp_path) == 2
    assert not old_part.exists() and not compiling.exists()
    assert new_part.exists() and done.exists()


def test_a_tasks_peak_memory_is_its_own_not_the_workers_largest_so_far():
    """A worker runs many tasks; each records the peak of its own run (the first holds 400 MB, the second
    nothing), so the costs that size a cluster are not a running maximum."""
    import numpy as np

    from render.graph import _costs

    with _costs() as big:
        block = np.ones(400 * 2**20 // 8)
        block[::512] = 2.0  # touched, so resident
        del block
    with _costs() as small:
        pass
    assert big["peak_mb"] > small["peak_mb"] + 300


def test_a_published_file_over_the_true_peak_ceiling_is_said_on_its_progress_line():
    from render.graph import over_ceiling

    assert over_ceiling({"loudness": {"encoded_true_peak_db": -1.96}}) == ""
    assert "-0.79 dBFS, over the -1 dBFS ceiling" in over_ceiling({"loudness": {"encoded_true_peak_db": -0.79}})
    assert over_ceiling({}) == ""
