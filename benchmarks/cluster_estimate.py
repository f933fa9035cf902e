"""On paper, from measured task costs: how long a big matrix of renders takes on a cluster, and where adding
workers stops helping.

A render through the task graph records what each of its tasks cost in the lesson's manifest entry
(`task_costs`: plan, one speech task per cue, one piece per cue method, join; wall and CPU seconds, peak
memory). This reads one such manifest and simulates the graph of `--variants` copies of every lesson in it
(default 4 photos x 2 models x 2 voices = 16) on W one-core workers: a task starts when its inputs are done
and a worker is free (a lesson's pieces wait for all its speech), joins first, then speech, then pieces,
lessons in order (the priorities render/graph.py gives Dask). Manifests from before speech had tasks of its
own count it inside the pieces. A task is taken to need
its measured CPU seconds of one core (its encoder threads included), which holds while workers have a core
each. Lessons the manifest lacks are taken to cost what the measured ones did.

    .venv/bin/python benchmarks/cluster_estimate.py OUT/high/manifest.json [--variants 16] [--course-lessons 15]
"""
import argparse
import heapq
import json
from pathlib import Path

# Dask's scheduler spends roughly this long per task (its documentation: "about 1ms of overhead per task").
SCHEDULER_S_PER_TASK = 0.001


def lesson_graphs(manifest_path: Path, course_lessons: int) -> list[dict]:
    """[{plan, speech: [...], pieces: [...], join, bytes}] in CPU seconds, for the measured lessons, padded to the course's
    count with copies of the measured ones."""
    measured = []
    for entry in json.loads(manifest_path.read_text()).values():
        video = manifest_path.parent / entry["video"]
        costs = entry.get("task_costs")
        if not costs:
            continue
        speech = costs.get("speech", {})
        measured.append({"plan": costs["plan"]["cpu_s"], "speech": [c["cpu_s"] for c in speech.values()],
                         "pieces": [c["cpu_s"] for c in costs["pieces"].values()],
                         "join": costs["join"]["cpu_s"], "duration": entry["duration"],
                         "bytes": video.stat().st_size if video.is_file() else 0,
                         "peak_mb": max(c["peak_mb"] for c in [costs["plan"], costs["join"],
                                                              *costs["pieces"].values(), *speech.values()])})
    if not measured:
        raise SystemExit("no lesson in this manifest has task_costs: render it through the graph first")
    graphs = list(measured)
    while len(graphs) < course_lessons:  # a lesson not measured: taken to cost what a measured one did
        graphs.append(measured[len(graphs) % len(measured)])
    return graphs[:course_lessons]


def makespan(graphs: list[dict], variants: int, workers: int) -> float:
    """Event simulation of list scheduling on `workers` one-core workers."""
    # Each ready task: (rank, job, seq, seconds, job, kind); rank: joins first, then speech, then the rest.
    jobs = [g for g in graphs for _ in range(variants)]
    ready, seq, waiting = [], 0, {}

    def push(rank, j, seconds, kind):
        nonlocal seq
        heapq.heappush(ready, (rank, j, seq, seconds, j, kind))
        seq += 1

    def after_speech(j):  # the pieces, or straight to the join
        waiting[j] = ("piece", len(jobs[j]["pieces"]))
        for seconds in jobs[j]["pieces"]:
            push(2, j, seconds, "piece")
        if not jobs[j]["pieces"]:
            push(0, j, jobs[j]["join"], "join")

    for j, g in enumerate(jobs):
        push(2, j, g["plan"], "plan")
    running, now, free = [], 0.0, workers
    while ready or running:
        while free and ready:
            _, _, _, seconds, j, kind = heapq.heappop(ready)
            heapq.heappush(running, (now + seconds + SCHEDULER_S_PER_TASK, j, kind))
            free -= 1
        now, j, kind = heapq.heappop(running)
        free += 1
        if kind == "plan":
            waiting[j] = ("speech", len(jobs[j]["speech"]))
            for seconds in jobs[j]["speech"]:
                push(1, j, seconds, "speech")
            if not jobs[j]["speech"]:
                after_speech(j)
        elif kind in ("speech", "piece"):
            stage, left = waiting[j]
            waiting[j] = (stage, left - 1)
            if left == 1:
                if stage == "speech":
                    after_speech(j)
                else:
                    push(0, j, jobs[j]["join"], "join")
    return now


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--variants", type=int, default=16, help="renders of each lesson (photos x models x voices)")
    ap.add_argument("--course-lessons", type=int, default=15)
    ap.add_argument("--workers", type=int, default=64)
    a = ap.parse_args()

    graphs = lesson_graphs(a.manifest, a.course_lessons)
    total = sum(g["plan"] + sum(g["speech"]) + sum(g["pieces"]) + g["join"] for g in graphs) * a.variants
    path = max(g["plan"] + max(g["speech"], default=0) + max(g["pieces"], default=0) + g["join"] for g in graphs)
    tasks = sum(2 + len(g["speech"]) + len(g["pieces"]) for g in graphs) * a.variants
    video = sum(g["duration"] for g in graphs) * a.variants
    print(f"{len(graphs)} lessons x {a.variants} variants: {tasks} tasks, {video / 3600:.1f} h of video, "
          f"{total / 3600:.1f} core-hours of measured work")
    print(f"  longest chain (plan -> longest speech -> longest piece -> join): {path:.0f} s; "
          f"peak worker memory {max(g['peak_mb'] for g in graphs):.0f} MB")
    print(f"  scheduler: {tasks * SCHEDULER_S_PER_TASK:.1f} s of its time in all (about 1 ms a task)")
    for w in sorted({1, 2, 8, 16, 32, a.workers, 128, 256, 1024}):
        span = makespan(graphs, a.variants, w)
        print(f"  {w:5d} workers: {span / 60:8.1f} min  ({total / w / span:4.0%} busy; lower bounds "
              f"{total / w / 60:.1f} min of work, {path / 60:.1f} min of chain)")
    bytes_total = sum(g["bytes"] for g in graphs) * a.variants
    span = makespan(graphs, a.variants, a.workers)
    if bytes_total:
        print(f"  store at {a.workers} workers: the joins read and write about {2 * bytes_total / 1e9:.1f} GB, "
              f"{2 * bytes_total / span / 1e6:.1f} MB/s on average")


if __name__ == "__main__":
    main()
