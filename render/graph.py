"""A render as a graph of tasks on Dask: each lesson's cue methods drawn in parallel, then joined.

    plan(lesson)         the keys of its cue methods and its cues' words  (the scene set up, nothing drawn)
    speech(cue)          one cue's voice, into the speech cache, levelled  (one task per cue)
    piece(lesson, key)   one cue method's cues, frames and partial movies  (one task per cue method)
    join(lesson)         the lesson's video: every piece spliced in, mixed with its voice and muxed
    place (here)         the files copied into OUT and recorded in its manifest (one writer)

Speech is its own task because the voice is half a fresh render's CPU and needs nothing drawn: its tasks
start as soon as the lesson is planned, every worker takes them, and the pieces, which wait for their
lesson's speech, find it in the cache instead of each synthesising its own cues in turn. The same task
levels and encodes its cue for the mix, which was most of the join's time, so the join that waits for the
last picture only lays the cues out and muxes.

A cue method starts from a clear screen and builds what it shows from the trace, so the pieces are
independent; the join splices them in exactly as a re-render splices in unchanged cues
(scenes/common/narrated.py), so a lesson drawn in pieces is frame for frame the lesson drawn in one go.

Every artifact is a file named by what made it, in the store (`OUT/.work`, or `--store`): partial movies by
Manim's hash of the animation (renamed into place when complete), a piece by its lesson and cue method,
checked against the lesson's picture key and the cue's words and speech before it is used; speech and
traces by their inputs in the cache. An interrupted render resumes from them. The scheduler runs a task
again elsewhere when its worker dies; a task failing for the user's reason (UserError) stops the render
with its one line.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import resource
import shutil
import signal
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

from distributed import WorkerPlugin

from render import build
from vitmath import env
from vitmath.errors import UserError


# ---------------------------------------------------------------- tasks (run on the workers)

def _with_cache(cache: str | None):
    if cache:
        os.environ[env.CACHE] = cache


@contextlib.contextmanager
def _costs():
    """What a task cost: wall and CPU seconds (its own threads and the programs it ran: latex, espeak-ng),
    its peak memory, and how many clauses it synthesised. Recorded per lesson, they size a cluster (benchmarks/)."""
    def cpu():
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    from narration import mix, synth

    _reset_peak_memory()
    out, wall, start = {}, time.perf_counter(), cpu()
    calls, levelled = synth.SYNTH_CALLS, mix.LEVEL_CALLS
    yield out
    out.update(wall_s=round(time.perf_counter() - wall, 2), cpu_s=round(cpu() - start, 2),
               peak_mb=_peak_memory_mb(),
               voice_calls=synth.SYNTH_CALLS - calls,  # clauses sent to the voice
               levelled=mix.LEVEL_CALLS - levelled)    # cue clips levelled and encoded for the mix


def _reset_peak_memory() -> None:
    """Start the process's peak resident set afresh, so a task's peak is its own and not the largest of every
    task the worker ran before it (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB
    # Elsewhere: the process's peak so far, an upper bound on the task's (ru_maxrss is in kB on Linux).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def plan(lesson, quality, inputs, work, cache=None) -> dict:
    """The keys of the lesson's cue methods (None: a scene drawn whole, by the join), and its cues as the
    scene filled them (the words the voice will say)."""
    _with_cache(cache)
    with _costs() as costs:
        keys, cues, voice = build.plan_scene(lesson, quality, inputs, str(work))
    return {"keys": keys, "cues": cues, "voice": voice, "costs": costs}


def speech(cue, voice_spec, work, cache=None) -> dict:
    """Synthesise one cue's voice into the cache (a cached cue returns at once), then level and encode it
    into the lesson's work folder, where the join's mix finds it made (a levelled cue is kept there too)."""
    from narration.synth import synthesize_cue
    from narration.voices import get_voice

    _with_cache(cache)
    with _costs() as costs:
        audio = synthesize_cue(cue, get_voice(voice_spec))
        if audio.wav_path is not None:
            build.level_cue(audio.wav_path, work)
    return {"cue": cue.id, "costs": costs}


def piece(lesson, quality, inputs, work, key, cache=None, voiced=()) -> dict:
    """Draw one cue method; returns its piece's path (timeline with its partial movies) and its costs.
    `voiced` (the lesson's speech tasks) is only waited for: the voice is then read from the cache."""
    _with_cache(cache)
    path = piece_path(work, key)
    # Its own piece from an interrupted run, or the last render's cue: spliced in, not drawn again.
    kept = os.pathsep.join(str(p) for p in (path, Path(work) / "timeline.json"))
    task_inputs = replace(inputs, segments=json.dumps([key]), timeline=str(path), kept=kept)
    with _costs() as costs:
        build.render_scene(lesson, quality, task_inputs, str(work), store=str(_store_of(work)))
    return {"path": str(path), "costs": costs}


def join(lesson, quality, inputs, work, pieces, cache=None, voiced=()) -> dict:
    _with_cache(cache)
    task_inputs = replace(inputs, timeline=str(Path(work) / "timeline.json"), kept=os.pathsep.join(pieces))
    with _costs() as costs:
        result = build.render_scene(lesson, quality, task_inputs, str(work), store=str(_store_of(work)))
        made = build.assemble(lesson, result, Path(work))
    return {**made, "costs": costs}


def _store_of(work) -> Path:
    return Path(work).parents[1]  # build.work_dir: STORE/<quality>/<lesson>


def piece_path(work, key: str) -> Path:
    return Path(work) / "pieces" / (hashlib.sha256(key.encode()).hexdigest()[:20] + ".json")


# ---------------------------------------------------------------- the client

@contextlib.contextmanager
def cluster_client(jobs: int, address: str | None):
    """A Dask client: on the scheduler at `address`, or on a local cluster of `jobs` worker processes (one
    thread each: Manim's config is global to a process)."""
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise UserError(f"--cluster {address}: no Dask scheduler answers there ({e})") from None
        try:
            yield client
        finally:
            client.close()
        return
    # Ctrl-C reaches every process of the terminal; only this one acts on it (it shuts the cluster down).
    # Workers spawned now inherit "ignore"; the plugin keeps it so for any the cluster starts later.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # Two renders at once (or a test suite) share the HTTP port; the cluster takes another, and says so.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)
        client.register_plugin(_IgnoreCtrlC())
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)


class _IgnoreCtrlC(WorkerPlugin):
    """The worker leaves Ctrl-C to the render's main process."""

    def setup(self, worker):
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def render(todo, folder, inputs, quality, client, store: Path, cache: str | None, force: bool, progress) -> None:
    """Run the graph for the lessons in `todo` [(lesson, key parts)] and place each finished lesson; the
    tasks read traces and speech from `cache` (None: each worker's own)."""
    from distributed import as_completed

    state, rows, meta = {}, {}, {}
    queue = as_completed()
    for order, (lesson, parts) in enumerate(todo):
        work = build.work_dir(store, quality, lesson, inputs.lang)
        if force:  # draw every cue anew: no piece, timeline or partial movie of an earlier render is kept
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        lesson_inputs = replace(inputs, picture_key=build.picture_key(parts) + (f"-{time.time_ns()}" if force else ""))
        state[lesson.id] = {"lesson": lesson, "parts": parts, "inputs": lesson_inputs, "work": work,
                            "order": order, "pieces": {}, "keys": None, "voiced": [],
                            "costs": {"pieces": {}, "speech": {}}}
        rows[lesson.id] = progress.add_task(lesson.id, total=None, status="planning")
        fut = client.submit(plan, lesson, quality, lesson_inputs, work, cache, pure=False, priority=-order)
        meta[fut] = ("plan", lesson.id, None)
        queue.add(fut)
    workers = progress.add_task("workers", total=None, status="")
    try:
        for fut in queue:
            kind, lesson_id, key = meta.pop(fut)
            s = state[lesson_id]
            result = _result(fut, s["lesson"])
            if kind == "plan":
                s["costs"]["plan"] = result["costs"]
                s["keys"] = result["keys"] or []  # None: a scene of its own construct, drawn whole by the join
                # Each cue's voice first (ahead of this lesson's pieces, behind the lessons before it); the
                # pieces and the join wait for them, so no cue is synthesised twice.
                s["voiced"] = [client.submit(speech, cue, result["voice"], s["work"], cache, pure=False,
                                             priority=0.5 - s["order"]) for cue in result["cues"]]
                for f in s["voiced"]:
                    meta[f] = ("speech", lesson_id, None)
                    queue.add(f)
                for key in s["keys"]:
                    f = client.submit(piece, s["lesson"], quality, s["inputs"], s["work"], key, cache, s["voiced"],
                                      pure=False, priority=-s["order"])
                    meta[f] = ("piece", lesson_id, key)
                    queue.add(f)
            elif kind == "speech":
                s["costs"]["speech"][result["cue"]] = result["costs"]
                continue
            elif kind == "piece":
                s["pieces"][key] = result["path"]
                s["costs"]["pieces"][key] = result["costs"]
            if kind in ("plan", "piece"):
                if len(s["pieces"]) == len(s["keys"]):
                    pieces = [s["pieces"][k] for k in s["keys"]]
                    f = client.submit(join, s["lesson"], quality, s["inputs"], s["work"], pieces, cache,
                                      s["voiced"], pure=False, priority=100 - s["order"])
                    meta[f] = ("join", lesson_id, None)
                    queue.add(f)
            else:
                progress.update(rows[lesson_id], status="placing")
                s["costs"]["join"] = result.pop("costs")
                entry = build.place(s["lesson"], folder, {**result, "task_costs": s["costs"]}, s["parts"],
                                    s["inputs"])
                progress.update(rows[lesson_id], total=1, completed=1,
                                status=f"done {entry['duration']:.0f} s{over_ceiling(entry)} -> "
                                       f"{folder.video(s['lesson'])}")
                continue
            done, total = len(s["pieces"]), len(s["keys"])
            progress.update(rows[lesson_id], total=total + 1, completed=done,
                            status=f"cues {done}/{total}" + (", joining" if done == total else ""))
            busy = sum(1 for tasks in client.processing().values() if tasks)
            progress.update(workers, status=f"{busy} of {len(client.scheduler_info()['workers'])} busy")
    finally:
        for f in list(meta):
            f.cancel()


def over_ceiling(entry: dict) -> str:
    """A warning for the progress line when the published file's true peak passed the mix's ceiling (the
    mix measures its pieces; the muxed file is measured again: a check that they agree)."""
    from narration.mix import CEILING_DB as ceiling

    peak = (entry.get("loudness") or {}).get("encoded_true_peak_db")
    if peak is None or peak <= ceiling + 0.05:
        return ""
    return f" (WARNING: true peak {peak:.2f} dBFS, over the {ceiling:.0f} dBFS ceiling)"


def _result(fut, lesson):
    """A task's result, or the render stopped with one line: the user's error as it was raised, a bug or a
    lost worker named with its lesson."""
    from distributed import KilledWorker

    try:
        return fut.result()
    except UserError:
        raise
    except KilledWorker:
        raise UserError(f"{lesson.id}: its workers died while drawing it, three times (out of memory?)") from None
    except Exception as e:
        raise UserError(f"{lesson.id} failed ({type(e).__name__}: {e})") from None
