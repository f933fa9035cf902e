"""`vitlessons publish`: from rendered lessons to platform-ready files, and (with --upload) to YouTube.

    OUT/<quality>/publish/NN-slug.mp4            YouTube's recommended settings (render/platform.py)
    OUT/<quality>/publish/NN-slug.srt, .vtt      the captions, as rendered
    OUT/<quality>/publish/NN-slug.chapters.vtt   the chapters, as a WebVTT chapters track
    OUT/<quality>/publish/NN-slug.jpg            the thumbnail, 1280x720, under 2 MB
    OUT/<quality>/publish/NN-slug.json           the metadata, and exactly what the upload sends
    OUT/<quality>/publish/youtube.json           what is already on YouTube (video ids), so a re-run resumes

The MP4 and the thumbnail are made again only when the rendered video changed (its manifest key).
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from render import chapters as chapters_mod
from render import metadata
from scenes import course
from scenes.common.words import lesson_phase, lesson_title
from render.build import OutputFolder
from vitmath.errors import UserError

# What publish writes is made by these modules: their bytes key a published file, so an edit makes it again.
PUBLISH_MODULES = ("render.publish", "render.platform", "render.thumbnail", "render.metadata", "render.chapters")


@dataclass
class Published:
    lesson: object
    entry: dict  # the lesson's manifest entry
    dir: Path
    meta: dict

    def path(self, kind: str) -> Path:
        return self.dir / self.meta["files"][kind]


def write_atomic(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.part{os.getpid()}")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def rendered_lessons(folder: OutputFolder, lesson_ids, lessons=None) -> list[tuple[object, dict]]:
    """The chosen lessons that are rendered in `folder`, in course order, with their manifest entries."""
    lessons = list(lessons if lessons is not None else course.LESSONS)
    by_id = {lesson.id: lesson for lesson in lessons}
    unknown = [i for i in lesson_ids if i not in by_id]
    if unknown:
        raise UserError(f"unknown lesson {', '.join(unknown)}; `vitlessons list` shows the ids")
    manifest = folder.manifest()
    rendered = [(lesson, manifest[lesson.id]) for lesson in lessons
                if lesson.id in manifest and (folder.dir / manifest[lesson.id]["video"]).is_file()]
    if lesson_ids:
        have = {lesson.id for lesson, _ in rendered}
        missing = [i for i in lesson_ids if i not in have]
        if missing:
            raise UserError(f"{missing[0]} is not rendered in {folder.dir}; run `vitlessons render {missing[0]} "
                            f"--quality {folder.quality}` first")
        rendered = [(lesson, entry) for lesson, entry in rendered if lesson.id in set(lesson_ids)]
    if not rendered:
        raise UserError(f"no rendered lessons in {folder.dir}; run `vitlessons render --quality {folder.quality}` "
                        "first")
    return rendered


def rendered_script(lesson, entry: dict):
    """The words and chapters as the render recorded them: a script edited since does not change what the
    video says. (A render from before the manifest kept its words falls back to the script.)"""
    from narration.script import Cue, Script, load_script

    cues = entry.get("cues", [])
    if cues and all("text" in c for c in cues):
        return Script(lesson.title, [Cue(c["id"], c["text"], c.get("chapter")) for c in cues],
                      source=f"{lesson.narration_file} (as rendered)")
    return load_script(lesson.narration_file)


def lesson_chapters(lesson, entry: dict) -> list:
    script = rendered_script(lesson, entry)
    return script, chapters_mod.chapters_from(script, entry["cues"], float(entry["duration"]))


def lesson_metadata(lesson, entry: dict, lessons, video_ids: dict | None = None) -> dict:
    """Metadata for one rendered lesson (no files written); the course page uses this too."""
    script, chapters = lesson_chapters(lesson, entry)
    lessons = list(lessons)
    i = [x.id for x in lessons].index(lesson.id)
    previous = lessons[i - 1] if i > 0 else None
    next_ = lessons[i + 1] if i + 1 < len(lessons) else None
    voice = (entry.get("inputs") or {}).get("voice")
    # A translation has its own title, description, audio and caption language, as the render recorded.
    meta = metadata.build(lesson, script, chapters, previous, next_, voice, len(lessons), video_ids,
                          lang=entry.get("lang", "en"))
    meta["_chapters"] = chapters
    return meta


def prepare(folder: OutputFolder, lesson_ids=(), lessons=None, echo=print, video_ids=None) -> list[Published]:
    """Write the platform-ready files of each chosen rendered lesson; returns them with their metadata."""
    from render import platform, thumbnail
    from vitmath.code_digest import digest_once

    lessons = list(lessons if lessons is not None else course.LESSONS)
    chosen = rendered_lessons(folder, lesson_ids, lessons)
    publish_code = digest_once(*PUBLISH_MODULES)
    out = folder.dir / "publish"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {out}: {e.strerror}") from None
    result = []
    for lesson, entry in chosen:
        meta = lesson_metadata(lesson, entry, lessons, video_ids)
        chapters = meta.pop("_chapters")
        stem = lesson.output_stem
        files = {"video": f"{stem}.mp4", "captions_srt": f"{stem}.srt", "captions_vtt": f"{stem}.vtt",
                 "chapters_vtt": f"{stem}.chapters.vtt", "thumbnail": f"{stem}.jpg"}
        source = folder.dir / entry["video"]
        old = _read_json(out / f"{stem}.json")
        fresh = (old.get("source", {}).get("key") == entry.get("key")
                 and old.get("source", {}).get("publish_code") == publish_code
                 and all((out / name).is_file() for name in files.values()))
        if fresh:
            conformed, thumb = old["source"]["conform"], old["thumbnail"]
            echo(f"up to date {lesson.id}")
        else:
            echo(f"preparing {lesson.id}: checking {source.name} against YouTube's settings")
            conformed = platform.conform(source, out / files["video"])
            lang = entry.get("lang", "en")
            thumb = thumbnail.write_thumbnail(out / files["video"], out / files["thumbnail"], lesson.number,
                                              lesson_phase(lesson, lang), lesson_title(lesson, lang))
        for kind, suffix in (("captions_srt", ".srt"), ("captions_vtt", ".vtt")):
            _copy_atomic(source.with_suffix(suffix), out / files[kind])
        write_atomic(out / files["chapters_vtt"], chapters_mod.webvtt(chapters))
        meta.update(files=files, thumbnail=thumb,
                    published_video=platform.probe(out / files["video"]),
                    source={"video": entry["video"], "key": entry.get("key"), "publish_code": publish_code,
                            "conform": conformed})
        write_atomic(out / f"{stem}.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        result.append(Published(lesson, entry, out, meta))
    return result


def _copy_atomic(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise UserError(f"{src} is missing; render the lesson again to write its captions")
    part = dst.with_name(f".{dst.name}.part{os.getpid()}")
    shutil.copyfile(src, part)
    os.replace(part, dst)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def publish_command(lesson_ids, *, quality: str, out: Path, upload: bool, privacy: str, playlist: str | None,
                    client_secrets: str | None, echo=print, lessons=None, lang: str = "en") -> list[Published]:
    """Prepare the files; then either show the upload plan (dry run) or carry it out."""
    from render import youtube

    lessons = list(lessons if lessons is not None else course.LESSONS)
    folder = OutputFolder(out, quality, lang)
    state = youtube.State(folder.dir / "publish" / "youtube.json", save=upload)
    published = prepare(folder, lesson_ids, lessons, echo=echo, video_ids=state.video_ids())

    def refresh(p: Published, video_ids: dict) -> dict:
        meta = lesson_metadata(p.lesson, p.entry, lessons, video_ids)
        meta.pop("_chapters")
        return meta

    for note in sorted({p.meta["voice"]["licence_note"] for p in published}):
        echo(f"voice licence: {note}")
    if not upload:
        echo("dry run: nothing is sent. `--upload` would make these calls, with these bodies:")
        youtube.run_steps(published, state, youtube.DryRun(echo), refresh, privacy, playlist,
                          echo=lambda *_: None)
        return published
    token = youtube.token_path()
    service = youtube.connect(token, youtube.client_secrets_path(client_secrets))
    youtube.run_steps(published, state, youtube.YouTubeApi(service, token, echo), refresh, privacy, playlist,
                      echo=echo)
    return published
