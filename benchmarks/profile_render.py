"""Where a fresh render's CPU goes, per lesson: TeX, text, drawing, animation, encoding, speech, traces, assembly.

Each lesson is rendered in this process, in one go, from empty caches (a new VITLESSONS_CACHE and store), the
way a newcomer's first render runs. yappi's CPU clock times every thread (the segment encoders run on their
own), and each function's own time is put in the category of the file it is in; the CPU of child processes
(latex and dvisvgm, espeak-ng) is read from the OS and counted as TeX or speech by what started it.

    .venv/bin/python benchmarks/profile_render.py [LESSON ...] [--quality high] [--voice kokoro]
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The first matching fragment of a function's file names its category.
CATEGORIES = [
    ("TeX", ("tex_file_writing", "svg_mobject", "tex_mobject", "svgelements")),
    ("text (Pango)", ("manimpango", "text_mobject")),
    ("encoding", ("/av/", "encoding.py", "video_segment_encoder", "scene_file_writer")),
    ("drawing (Cairo)", ("/camera/", "pixel_image", "cairo")),
    ("speech", ("/narration/kokoro", "/narration/synth", "/narration/voices", "onnxruntime", "piper",
                "/narration/lexicon", "/narration/aac")),
    ("traces and facts", ("/vitmath/", "/torch/", "/timm/", "facts.py", "sklearn", "scipy")),
    ("assembly (mix, mux)", ("/render/", "/narration/mix", "pyloudnorm", "/narration/captions")),
    ("animation and mobjects", ("/manim/",)),
    ("the lesson's own code", ("/scenes/",)),
]


def category(path: str) -> str:
    for name, fragments in CATEGORIES:
        if any(f in path for f in fragments):
            return name
    return "other (numpy, Python)"


def profile(lesson_id: str, quality: str, voice: str) -> None:
    import yappi

    from render import build
    from scenes import course
    from scenes.common.inputs import LessonInputs

    (lesson,) = course.find([lesson_id])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VITLESSONS_CACHE"] = str(Path(tmp) / "cache")
        work = build.work_dir(Path(tmp) / "store", quality, lesson)
        work.mkdir(parents=True)
        inputs = LessonInputs(voice=voice, timeline=str(work / "timeline.json"), picture_key="profile")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        yappi.set_clock_type("cpu")
        yappi.start()  # builtins off: profiling every builtin call slows a render many times over
        wall = time.perf_counter()
        result = build.render_scene(lesson, quality, inputs, str(work), store=str(Path(tmp) / "store"))
        made = build.assemble(lesson, result, work)
        wall = time.perf_counter() - wall
        yappi.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        from narration.timeline import Timeline

        length = Timeline.read(made["timeline"]).duration

    cpu = defaultdict(float)
    for f in yappi.get_func_stats():
        cpu[category(f.module or "")] += f.tsub
    yappi.clear_stats()
    # yappi sees Python threads only: what x264's, onnxruntime's and torch's own threads spend is the
    # process's CPU time beyond what yappi counted.
    process = (own_after.ru_utime - own.ru_utime) + (own_after.ru_stime - own.ru_stime)
    cpu["native threads (x264 encoding, Kokoro's onnxruntime, torch)"] = max(0.0, process - sum(cpu.values()))
    cpu["child processes (latex, dvisvgm, espeak-ng)"] = ((after.ru_utime - children.ru_utime)
                                                          + (after.ru_stime - children.ru_stime))
    total = sum(cpu.values())
    print(f"\n{lesson_id} at {quality}, voice {voice}: {length:.0f} s of video, {wall:.0f} s wall "
          f"({wall / length:.2f}x real time), {total:.0f} CPU-s ({total / length:.2f} CPU-s per video second)")
    for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {name:44s} {seconds:7.1f} s  {100 * seconds / total:5.1f}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lessons", nargs="*", default=["p1-02-sixteen-words"])
    ap.add_argument("--quality", default="high")
    ap.add_argument("--voice", default="kokoro")
    a = ap.parse_args()
    try:
        import yappi  # noqa: F401
    except ImportError:
        sys.exit("profile_render.py needs yappi: .venv/bin/pip install yappi")
    for lesson in a.lessons:
        profile(lesson, a.quality, a.voice)


if __name__ == "__main__":
    main()
