"""Batch rendering: which lessons are stale, render those as a graph of cue tasks, show progress."""
from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from render import build
from scenes import course
from scenes.common.inputs import LessonInputs
from vitmath import env
from vitmath.errors import UserError

console = Console(stderr=True)


def _inputs(image, model, weights, voice, lang="en") -> LessonInputs:
    for flag, path in (("--image", image), ("--weights", weights)):
        if path and not Path(path).is_file():
            raise UserError(f"{flag} {path}: no such file")
    abspath = lambda p: str(Path(p).resolve()) if p else None  # noqa: E731 - workers run elsewhere
    from scenes.common.inputs import default_voice
    from scenes.common.words import use_language

    use_language(lang)  # a language without its words or titles is one clear line, before anything runs
    return LessonInputs(model=model, weights=abspath(weights), image=abspath(image),
                        voice=voice or default_voice(lang), lang=lang)


def _voice_key(inputs: LessonInputs) -> str:
    """The voice's part of the render key, once it is known to speak the lesson's language."""
    from scenes.common.inputs import default_voice
    from narration.voices import get_voice

    spoken = get_voice(inputs.voice)
    if spoken.audible and spoken.lang != inputs.lang and not inputs.voice.startswith("recorded:"):
        raise UserError(f"--voice {inputs.voice} speaks '{spoken.lang}', not '{inputs.lang}': leave --voice out "
                        f"for the language's own voice ({default_voice(inputs.lang)})")
    return spoken.settings_key()


def course_states(quality, out, image, model, weights, voice, lang="en"):
    course.check_course()
    inputs = _inputs(image, model, weights, voice, lang)
    folder = build.OutputFolder(out, quality, lang)
    voice_key = _voice_key(inputs)
    for lesson in course.LESSONS:
        ready = lesson.written and lesson.script_file(lang).is_file()
        parts = build.key_parts(lesson, quality, inputs, voice_key) if ready else None
        yield lesson, build.staleness(lesson, folder, parts)


def _check_tools() -> None:
    missing = [t for t in ("latex", "dvisvgm") if shutil.which(t) is None]
    if missing:
        raise UserError(f"LaTeX is missing ({', '.join(missing)} not found): run ./setup.sh, or sudo apt-get "
                        "install texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm")


def render_lessons(lesson_ids, *, quality, jobs, force, out, image, model, weights, voice,
                   lang="en", cluster=None, store=None) -> dict[str, Path]:
    """Render the stale lessons among `lesson_ids` (all when empty); returns each lesson's video path.

    The drawing runs as a graph of cue tasks (render/graph.py) on a local Dask cluster of `jobs` workers,
    or on the scheduler at `cluster`, with its artifacts in `store` (default OUT/.work)."""
    chosen = course.find(list(lesson_ids))
    course.check_course()
    unwritten = [lesson for lesson in chosen if not lesson.written]
    if lesson_ids and unwritten:
        raise UserError(f"{unwritten[0].id} has no scene yet ({unwritten[0].scene_file.name} is not written); "
                        "`vitlessons list` shows which lessons can be rendered")
    for lesson in unwritten:
        console.print(f"[dim]skip {lesson.id}: not written yet[/dim]")
    chosen = [lesson for lesson in chosen if lesson.written]
    untranslated = [lesson for lesson in chosen if not lesson.script_file(lang).is_file()]
    if lesson_ids and untranslated:
        raise UserError(f"{untranslated[0].id} has no script in language '{lang}' "
                        f"({untranslated[0].folder.name}/script.{lang}.toml is missing)")
    for lesson in untranslated:
        console.print(f"[dim]skip {lesson.id}: no script in '{lang}'[/dim]")
    chosen = [lesson for lesson in chosen if lesson not in untranslated]

    inputs = _inputs(image, model, weights, voice, lang)
    _check_tools()
    voice_key = _voice_key(inputs)
    folder = build.OutputFolder(out, quality, lang)
    folder.prepare()
    folder.lock()
    try:
        folder.sweep_temporaries()
        todo, videos = [], {}
        for lesson in chosen:
            parts = build.key_parts(lesson, quality, inputs, voice_key)
            state = build.staleness(lesson, folder, parts)
            videos[lesson.id] = folder.video(lesson)
            if state.state == "rendered" and not force:
                console.print(f"[green]up to date[/green] {lesson.id}  ->  {folder.video(lesson)}")
            else:
                todo.append((lesson, parts))
        if todo:
            # Trace once here (or read it from the cache): a bad photo or weights file fails before any
            # worker starts, and the workers all find the trace cached.
            import vitmath

            own = folder.root.resolve() / ".work"
            store = Path(store).resolve() if store else own
            cache = None
            if store != own:  # traces and speech where every worker finds them
                cache = os.environ[env.CACHE] = str(store / "cache")
            vitmath.cached_trace(inputs.model, inputs.weights, inputs.image)
            build.sweep_leftovers(store)
            _render_graph(todo, folder, inputs, quality, jobs, cluster, store, cache, force)
        return videos
    finally:
        folder.unlock()


def _render_graph(todo, folder, inputs, quality, jobs, cluster, store, cache, force) -> None:
    from render import graph

    columns = (TextColumn("{task.description:28s}"), BarColumn(), TextColumn("{task.fields[status]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress, graph.cluster_client(jobs, cluster) as client:
        graph.render(todo, folder, inputs, quality, client, store, cache, force, progress)


def preview_cue(lesson_id: str, cue_id: str, *, out, image, model, weights, voice, lang="en") -> Path:
    """Render one cue of a lesson at low quality (the cues before it skipped) as a clip with its speech."""
    (lesson,) = course.find([lesson_id])
    course.check_course()
    if not lesson.written:
        raise UserError(f"{lesson.id} has no scene yet")
    inputs = _inputs(image, model, weights, voice, lang)
    _check_tools()
    _voice_key(inputs)  # a voice of another language is refused here too
    folder = build.OutputFolder(out, "preview", lang)
    folder.prepare()
    work = folder.work_dir(lesson)
    work.mkdir(parents=True, exist_ok=True)
    inputs = replace(inputs, timeline=str(work / "timeline.json"), only_cue=cue_id)
    # In this process: one cue needs no pool, and a bad cue id surfaces as the scene's own one-line error.
    result = build.render_scene(lesson, "low", inputs, str(work), store=str(folder.root / ".work"))
    return build.finish_preview(lesson, cue_id, result, folder.dir / f"{lesson.output_stem}-{cue_id}.mp4")
