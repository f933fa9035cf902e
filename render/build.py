"""Rendering one lesson: decide whether it is stale, run its scene, mix, mux and put the files in place.

Layout of an output folder:

    OUT/<quality>/<NN>-<slug>.mp4 (.srt, .vtt)   the finished lesson, replaced only by a finished one
    OUT/<quality>/manifest.json                  what each file was rendered from
    OUT/.work/<quality>/<lesson-id>/             Manim's media dir (its partial-movie cache lives here), the
                                                 pieces of a render (render/graph.py) and its timeline;
                                                 `--store` puts these where every worker can reach them
    OUT/.vitlessons.lock                         held while a render runs
"""
from __future__ import annotations

import fcntl
import dataclasses
import hashlib
import json
import os
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from scenes.course import ROOT, Lesson
from scenes.common.inputs import LessonInputs
from scenes.common.words import course_table, lesson_title
from vitmath.errors import UserError
from vitmath.files import atomic_path, write_text

QUALITIES = {  # name -> (Manim quality, height, fps)
    "low": ("low_quality", 480, 15),
    "medium": ("medium_quality", 720, 30),
    "high": ("high_quality", 1080, 60),
    "4k": ("fourk_quality", 2160, 60),
}
# What turns a scene's frames and a timeline into the published files: part of every lesson's code.
MIX_WAV = "narration-mix.wav"  # in a lesson's work folder, its levelled cues beside it (narration/mix.py)
ASSEMBLY_MODULES = ("render.build", "render.mux", "narration.mix", "narration.captions")
# The packages that draw, encode and compute: a new version may change a frame or a number.
PACKAGES = ("manim", "manimpango", "pycairo", "av", "numpy", "torch", "timm", "pillow")


def _sha(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(hashlib.sha256(c).digest())
    return h.hexdigest()


def _files_sha(paths) -> str:
    return _sha(*(p.name.encode() + b"\0" + p.read_bytes() for p in sorted(paths)))


def _data_for(name: str, lang: str) -> bool:
    """Is this TOML beside the code data a lesson in `lang` reads? Scripts and the registry are keyed apart,
    the glossary is read by tests only, and a translation's files count for its language alone."""
    if name.startswith(("script.", "course.")) or name == "glossary.toml":
        return False
    parts = name.split(".")
    own = parts[-2] if len(parts) == 3 else name[:-5].split("_")[-1] if name.startswith("lexicon_") else None
    return own is None or own == lang


def code_files(lesson: Lesson, root: Path | None = None, lang: str = "en") -> dict[str, str]:
    """{file: sha256} of every project file the lesson runs: its scene and every project module it imports,
    at any depth, plus the code that mixes and muxes it. The registry's rows are data (course.toml), keyed
    by `course_rows`, so a title edit does not make every lesson stale."""
    from vitmath import code_digest

    root = root or ROOT
    files = code_digest.file_digests(*ASSEMBLY_MODULES, root=root)
    files.update(code_digest.file_digests_of(lesson.scene_file, lesson.scene_module, root=root))
    # Data the kit reads beside its code (scenes/common/words.toml); scripts and the registry are keyed apart.
    for folder in {(root / f).parent for f in files if not Path(f).is_absolute()}:
        for data in folder.glob("*.toml"):
            if _data_for(data.name, lang):
                files[str(data.relative_to(root))] = hashlib.sha256(data.read_bytes()).hexdigest()
    return dict(sorted(files.items()))


def course_rows(lesson: Lesson, lang: str = "en") -> list:
    """The registry rows a lesson shows or speaks of: its own, the next one (its closing card names it),
    every row whose id its folder's files mention, and the course's length ("lesson 5 of 15"); in another
    language, also their translated titles and phases."""
    from scenes import course

    text = "".join(p.read_text(errors="replace") for p in sorted(lesson.scene_file.parent.glob("*"))
                   if p.is_file() and p.suffix in (".py", ".toml"))
    named = [row for row in course.LESSONS if row == lesson or row == lesson.next or row.id in text]
    rows = [len(course.LESSONS), *[dataclasses.astuple(row) for row in named]]
    if lang != "en":
        table = course_table(lang)
        rows.append([(table.get("titles", {}).get(row.id), table.get("phases", {}).get(row.phase)) for row in named])
    return rows


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    def v(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return {name: v(name) for name in PACKAGES}


def key_parts(lesson: Lesson, quality: str, inputs: LessonInputs, voice_key: str,
              files: dict[str, str] | None = None) -> dict[str, str]:
    """Everything that shapes a lesson's video, each hashed on its own so `list` can say what changed;
    `code_files` is kept in the manifest beside them to name the file whose change made a lesson stale."""
    import vitmath

    files = code_files(lesson, lang=inputs.lang) if files is None else files
    script = lesson.script_file(inputs.lang)
    return {
        "code": _sha(json.dumps(files, sort_keys=True).encode()),
        "course rows": _sha(json.dumps(course_rows(lesson, inputs.lang)).encode()),
        "narration": _files_sha([script]) if script.is_file() else "missing",
        "voice": voice_key,
        "model and photo": vitmath.input_key(inputs.model, inputs.weights, inputs.image),
        "packages": _sha(json.dumps(package_versions(), sort_keys=True).encode()),
        "quality": quality,
    }


def digest(parts: dict[str, str]) -> str:
    return _sha(json.dumps(parts, sort_keys=True).encode())


def picture_key(parts: dict[str, str]) -> str:
    """All a cue's picture depends on except the lesson's script: the scene re-uses a cue of the last render
    when this and the cue's own words and speech are unchanged."""
    return digest({name: value for name, value in parts.items() if name != "narration"})


class OutputFolder:
    """One output folder: its lock, its manifest, and atomic placement of finished files."""

    def __init__(self, root: Path, quality: str, lang: str = "en"):
        self.root = Path(root)
        self.quality = quality
        self.lang = lang
        # A translation's videos, captions and manifest sit in a folder of their own beside the English ones.
        self.dir = self.root / quality if lang == "en" else self.root / quality / lang
        self.manifest_path = self.dir / "manifest.json"
        self._lock_file = None

    def prepare(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise UserError(f"cannot write to output folder {self.root}: {e.strerror}") from None

    def lock(self) -> None:
        self._lock_file = open(self.root / ".vitlessons.lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "another process"
            raise UserError(f"another `vitlessons render` ({holder}) is writing to {self.root}; "
                            "wait for it to finish or use --out") from None
        self._lock_file.truncate(0)
        self._lock_file.write(f"pid {os.getpid()}")
        self._lock_file.flush()

    def unlock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def record(self, lesson_id: str, entry: dict) -> None:
        data = self.manifest()
        data[lesson_id] = entry
        write_text(self.manifest_path, json.dumps(data, indent=2, sort_keys=True))

    def video(self, lesson: Lesson) -> Path:
        return self.dir / f"{lesson.output_stem}.mp4"

    def work_dir(self, lesson: Lesson) -> Path:
        return work_dir(self.root / ".work", self.quality, lesson, self.lang)

    def sweep_temporaries(self) -> None:
        """Leftovers of an interrupted run; the finished files beside them were never touched."""
        for p in self.dir.glob(".*.part*"):
            p.unlink(missing_ok=True)


def work_dir(store: Path, quality: str, lesson: Lesson, lang: str = "en") -> Path:
    """A lesson's folder in the store: Manim's media folder (its partial movies), its pieces and timeline."""
    return Path(store) / quality / (lesson.id if lang == "en" else f"{lesson.id}.{lang}")


@dataclass
class Staleness:
    state: str           # "rendered", "out of date", "never", "not written", "not translated"
    why: str = ""


def staleness(lesson: Lesson, folder: OutputFolder, parts: dict[str, str] | None) -> Staleness:
    if not lesson.written:
        return Staleness("not written", "its scene is not written yet")
    if not lesson.script_file(folder.lang).is_file():
        return Staleness("not translated", f"no script.{folder.lang}.toml")
    entry = folder.manifest().get(lesson.id)
    if entry is None or not folder.video(lesson).exists():
        return Staleness("never")
    old = entry.get("parts", {})
    changed = [name for name, value in (parts or {}).items() if old.get(name) != value]
    if "code" in changed:
        # Name the files: "code" alone would not tell a writer which edit made the lesson stale.
        now, then = code_files(lesson), entry.get("code files", {})
        edited = sorted(f for f in set(now) | set(then) if now.get(f) != then.get(f))
        if edited:
            changed[changed.index("code")] = "code (" + ", ".join(edited[:3]) + (", ..." if len(edited) > 3 else "") + ")"
    if changed:
        return Staleness("out of date", "changed: " + ", ".join(changed))
    return Staleness("rendered")


# ---------------------------------------------------------------- worker side (a separate process)

def _use_inputs(inputs: LessonInputs) -> None:
    """Hand a task's inputs to the scene through the environment. A worker runs many tasks: inputs a task
    leaves out must not linger from the one before."""
    for name in LessonInputs._NAMES.values():
        os.environ.pop(name, None)
    os.environ.update(inputs.to_env())


def render_scene(lesson: Lesson, quality: str, inputs: LessonInputs, work_dir: str,
                 store: str | None = None) -> dict:
    """Run the lesson's Manim scene; returns the silent video path and the narration timeline.

    With `inputs.segments` it is one task of a render: it draws those cue methods only and writes their
    pieces (timeline and partial movies) for the task that joins them, so it makes no video of its own."""
    _use_inputs(inputs)
    import importlib

    from manim import tempconfig

    from render import platform
    from scenes.common.encoding import MANIM_SETTINGS
    from scenes.common.style import BACKGROUND

    settings = {
        "quality": QUALITIES[quality][0],
        "media_dir": work_dir,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "background_color": BACKGROUND,
        "max_files_cached": 10_000,  # keep every animation of a long lesson for the next re-render
        "write_to_movie": True,
        "preview": False,
        **MANIM_SETTINGS,
        "video_encoder_options": platform.x264_options(*QUALITIES[quality][1:]),
    }
    try:
        with tempconfig(settings):
            if store is not None:
                _share_tex(Path(store) / "tex")
            module = importlib.import_module(lesson.scene_module)
            scene = getattr(module, lesson.scene_class)()
            if inputs.segments is not None:
                scene.renderer.file_writer.combine_to_movie = lambda: None  # the join task makes the video
            scene.render()
            if inputs.segments is not None:
                return {"video": None, "timeline": inputs.timeline, "extras": []}
            video = Path(scene.renderer.file_writer.movie_file_path)
            extras = _write_extras(scene, Path(work_dir) / "extras")
    except UserError:
        raise
    except Exception as e:  # a bug, not bad input: keep the traceback in a log, report one line
        log = Path(work_dir) / "error.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        raise UserError(f"{lesson.id} failed while rendering ({type(e).__name__}: {e}); details in {log}") from None
    return {"video": str(video), "timeline": inputs.timeline, "extras": extras}


def _share_tex(shared: Path) -> None:
    """Typeset each formula once for every lesson, quality and worker, in the store's TeX folder.

    Manim compiles in `config.tex_dir` and then deletes every file there but the .tex and .svg ones, so two
    processes compiling in one folder would delete each other's work or read a half-written SVG. Each
    process compiles in a folder of its own, and renames each finished SVG into the shared one."""
    from manim import config
    from manim.mobject.text import tex_mobject
    from manim.utils import tex_file_writing as tex

    private = shared / f".compiling-{os.getpid()}"

    def svg_file(expression, environment=None, tex_template=None):
        template = tex_template or config["tex_template"]
        code = (template.get_texcode_for_expression_in_env(expression, environment) if environment is not None
                else template.get_texcode_for_expression(expression))
        done = shared / (tex.tex_hash(code) + ".svg")
        if not done.exists():
            outer, config.tex_dir = config.tex_dir, str(private)
            try:
                os.replace(tex.tex_to_svg_file(expression, environment, template), done)
            finally:
                config.tex_dir = outer
        return done

    tex_mobject.tex_to_svg_file = svg_file


# A task's half-written files (a segment being encoded, a formula being typeset) stay behind only when its
# worker was killed; a live one touches its files every few seconds. Older than this, they are litter.
LEFTOVER_AGE_S = 30 * 60


def sweep_leftovers(store: Path, older_than: float = LEFTOVER_AGE_S) -> int:
    """Delete the store's abandoned partial files (`.NAME.part-PID.mp4`, `tex/.compiling-PID/`); returns
    how many. Judged by age, not by PID: the workers of a shared store may run on other machines."""
    store, now, swept = Path(store), time.time(), 0
    if not store.is_dir():
        return 0
    leftovers = [p for p in store.rglob(".*.part-*") if p.is_file()] + list((store / "tex").glob(".compiling-*"))
    for path in leftovers:
        try:
            inside = list(path.rglob("*")) if path.is_dir() else []
            newest = max(f.stat().st_mtime for f in [path, *inside])
        except FileNotFoundError:  # finished, or swept by another render, meanwhile
            continue
        if now - newest > older_than:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            swept += 1
    return swept


def plan_scene(lesson: Lesson, quality: str, inputs: LessonInputs, work_dir: str) -> tuple[list[str] | None, list, str]:
    """The scene set up (trace, facts, script) but nothing drawn: the keys of its cue methods in order (the
    pieces a render splits it into), its cues as it filled them (the words the voice will say) and its voice
    (the spec, the language's default filled in). Keys are None for a scene with a `construct` of its own,
    which may carry state from cue to cue: it is drawn in one piece."""
    _use_inputs(inputs)
    import importlib

    from manim import tempconfig

    with tempconfig({"quality": QUALITIES[quality][0], "media_dir": work_dir, "verbosity": "ERROR",
                     "write_to_movie": False, "preview": False}):
        try:
            from scenes.common.narrated import NarratedScene

            cls = getattr(importlib.import_module(lesson.scene_module), lesson.scene_class)
            scene = cls()
            scene.setup()
            keys = scene.segment_keys() if cls.construct is NarratedScene.construct else None
            return keys, list(scene.script.cues), scene.inputs.voice
        except UserError:
            raise
        except Exception as e:
            raise UserError(f"{lesson.id} failed while planning its cues ({type(e).__name__}: {e})") from None


def _write_extras(scene, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, write in scene.extra_files().items():
        write(folder / name)
        written.append(str(folder / name))
    return written


# ---------------------------------------------------------------- main side

def assemble(lesson: Lesson, scene_result: dict, work: Path) -> dict:
    """Mix the narration and mux it with the picture, and write the captions, into the lesson's work folder
    (a task on a worker); `place` then puts the files where the user looks."""
    from narration.captions import write_captions
    from narration.timeline import Timeline

    timeline = Timeline.read(scene_result["timeline"])
    made = {name: work / f"lesson.{name}" for name in ("mp4", "srt", "vtt")}
    with atomic_path(made["mp4"], ".mp4") as video_part, \
            atomic_path(made["srt"]) as srt_part, atomic_path(made["vtt"]) as vtt_part:
        loudness = _mix_and_mux(timeline.placements(), timeline.duration, Path(scene_result["video"]),
                                work / MIX_WAV, video_part)
        write_captions(timeline.captions(), srt_part, vtt_part)
    return {"files": {k: str(v) for k, v in made.items()}, "loudness": loudness,
            "timeline": scene_result["timeline"], "extras": scene_result.get("extras", [])}


def place(lesson: Lesson, folder: OutputFolder, made: dict, parts: dict[str, str], inputs: LessonInputs) -> dict:
    """Copy an assembled lesson into the output folder and record it in the manifest (the client's side:
    one process writes the manifest)."""
    from narration.timeline import Timeline
    from render.mux import probe

    timeline = Timeline.read(made["timeline"])
    final = folder.video(lesson)
    with atomic_path(final, ".mp4") as video_part, \
            atomic_path(final.with_suffix(".srt")) as srt_part, atomic_path(final.with_suffix(".vtt")) as vtt_part:
        for src, dest in ((made["files"]["mp4"], video_part), (made["files"]["srt"], srt_part),
                          (made["files"]["vtt"], vtt_part)):
            shutil.copyfile(src, dest)
        extras = [_publish_extra(Path(p), folder.dir / f"{final.stem}-{Path(p).name}") for p in made["extras"]]
    # The three renames happen in the order the context managers close: captions first, the video last, so a
    # lesson counts as rendered only once its picture, sound and captions are all in.
    info = probe(final)
    entry = {
        "video": final.name,
        "captions": [final.with_suffix(".srt").name, final.with_suffix(".vtt").name],
        "extras": extras,
        "title": lesson_title(lesson, inputs.lang),
        "lang": inputs.lang,
        "parts": parts,
        "code files": code_files(lesson),
        "key": digest(parts),
        "inputs": {"model": inputs.model, "weights": inputs.weights, "image": inputs.image,
                   "voice": inputs.voice, "lang": inputs.lang},
        # What was said, as rendered: publish and the site read these, never a script edited since.
        "cues": [{"id": c.id, "start": c.start, "duration": c.duration, "text": c.text, "chapter": c.chapter}
                 for c in timeline.cues],
        "loudness": made["loudness"],
        # What each task of the render cost (wall and CPU seconds, the worker's peak memory): what a
        # cluster's workers must be given, and where its time goes.
        "task_costs": made.get("task_costs"),
        "rendered_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **info,
    }
    folder.record(lesson.id, entry)
    return entry


def _publish_extra(src: Path, dest: Path) -> str:
    with atomic_path(dest, dest.suffix) as part:
        shutil.copyfile(src, part)
    return dest.name


def finish_preview(lesson: Lesson, cue_id: str, scene_result: dict, out: Path) -> Path:
    """The one previewed cue as a clip with its own speech; no manifest, no captions."""
    from narration.timeline import Timeline

    timeline = Timeline.read(scene_result["timeline"])
    cue = next(c for c in timeline.cues if c.id == cue_id)
    clip_seconds = timeline.duration - cue.start
    with atomic_path(out, ".mp4") as part:
        _mix_and_mux([(0.0, cue.wav)] if cue.wav else [], clip_seconds, Path(scene_result["video"]),
                     Path(scene_result["timeline"]).with_name("preview-mix.wav"), part)
    return out


def level_cue(audio_path, work: Path) -> None:
    """One cue's voice levelled and encoded for the lesson's mix ahead of the join (render/graph.py's speech
    task): the same settings as `_mix_and_mux`, so the mix finds it made."""
    from narration.mix import level_ahead

    level_ahead(audio_path, Path(work) / MIX_WAV, aac=True)


def _mix_and_mux(placements, duration: float, video: Path, mix_wav: Path, out: Path) -> dict | None:
    """Mix the narration and mux it with the picture; the loudness measured again from the encoded file."""
    from narration.mix import measure, mix_track
    from render.mux import mux

    if not placements:
        mux(video, None, out)
        return None
    mixed = mix_track(placements, duration, mix_wav, aac=True)
    mux(video, mixed.aac, out)
    lufs, peak = measure(out)
    return {**mixed.report, "encoded_lufs": lufs, "encoded_true_peak_db": peak}
