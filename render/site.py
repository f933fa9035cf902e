"""`vitlessons site`: one static page to watch the course and to play "Predict, then check".

    OUT/site/index.html, style.css, app.js    the page (templates in render/site_files/)
    OUT/site/data.js                          the course and the attention maps, as a script (works from file://)
    OUT/site/media/                           videos, captions and chapters tracks, the photo
    OUT/site/explorer/                        the explorer's ONNX model and onnxruntime-web (explorer_model.py)

The attention maps are exported from the vitmath trace of the photo and model the course was rendered with,
so the game reveals the real model's attention. `score` is the rule the page's JavaScript follows, sum for
sum in the same order, so a round scores the same in the browser as here.
"""
from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path
from string import Template

from render import chapters as chapters_mod
from render import metadata
from scenes import course
from render.build import OutputFolder
from scenes.common.words import language_name
from vitmath.errors import UserError

FILES = Path(__file__).resolve().parent / "site_files"


# ------------------------------------------------------------------------------------------ the game's numbers

def attention_maps(tr) -> dict:
    """Per block and head, the CLS token's attention over the patches (raster order), and the rollout."""
    import vitmath

    maps = vitmath.all_cls_attention_maps(tr)  # (depth, H, grid, grid)
    return {"blocks": [[[float(x) for x in head.flatten()] for head in block] for block in maps],
            "rollout": [float(x) for x in vitmath.rollout_cls_map(tr).flatten()]}


def score(values: list[float], picks: list[int]) -> dict:
    """Share of the attention mass the picked patches hold, and the share the best picks of as many hold.

    Sums run left to right over raster order (total), ascending patch index (picks) and descending value
    (best), exactly as app.js does, so both give the same floating-point numbers.
    """
    total = 0.0
    for v in values:
        total += v
    mine = 0.0
    for i in sorted(set(picks)):
        mine += values[i]
    best = 0.0
    for v in sorted(values, reverse=True)[: len(set(picks))]:
        best += v
    return {"captured": mine / total, "best": best / total, "ratio": mine / best if best > 0 else 0.0}


# ------------------------------------------------------------------------------------------ the page

def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # the videos are large; a hard link costs no space
    except OSError:
        shutil.copyfile(src, dst)


def _lesson_entry(lesson, entry, folder: OutputFolder, lessons, media: Path, echo) -> dict:
    from render.publish import lesson_metadata

    published = folder.dir / "publish" / entry["video"]
    video = published if published.is_file() else folder.dir / entry["video"]
    vtt = video.with_suffix(".vtt") if video.with_suffix(".vtt").is_file() else folder.dir / Path(entry["video"]).with_suffix(".vtt")
    _link_or_copy(video, media / video.name)
    _link_or_copy(vtt, media / vtt.name)
    item = {"video": f"media/{video.name}", "captions": f"media/{vtt.name}", "chapters": [], "chapters_track": None}
    try:
        meta = lesson_metadata(lesson, entry, lessons)
        chapters = meta.pop("_chapters")
        track = media / f"{lesson.output_stem}.chapters.vtt"
        track.write_text(chapters_mod.webvtt(chapters), encoding="utf-8")
        item.update(chapters=meta["chapters"], chapters_track=f"media/{track.name}",
                    _chapter_cues=[{"start": c.start, "end": c.end, "title": c.title} for c in chapters])
    except UserError as e:  # a lesson without valid chapters is still worth watching
        echo(f"warning: {lesson.id}: no chapters ({e})")
        from narration.script import load_script

        meta = metadata.build(lesson, load_script(lesson.narration_file), [], None, None,
                              (entry.get("inputs") or {}).get("voice"), len(lessons))
    item["description"] = meta["description"]
    # The cues again, as data: a page opened from file:// may not load tracks (Chromium treats every file as
    # its own origin), so app.js then adds them through the TextTrack API instead.
    item["cues"] = {"captions": _cues(media / vtt.name),
                    "chapters": [[c["start"], c["end"], c["title"]] for c in item.pop("_chapter_cues", [])]}
    return item


def _cues(vtt: Path) -> list:
    import webvtt

    try:
        return [[c.start_in_seconds, c.end_in_seconds, c.text] for c in webvtt.read(str(vtt))]
    except webvtt.errors.MalformedFileError as e:
        raise UserError(f"{vtt}: not valid WebVTT ({e})") from None


def _translated_folders(out: Path, quality: str) -> dict[str, tuple[OutputFolder, dict]]:
    """Each language rendered beside the English lessons (OUT/<quality>/<lang>/): its folder and manifest."""
    rendered = Path(out) / quality
    languages = sorted(d.name for d in rendered.iterdir() if (d / "manifest.json").is_file()) if rendered.is_dir() else []
    folders = {lang: OutputFolder(out, quality, lang) for lang in languages}
    return {lang: (folder, folder.manifest()) for lang, folder in folders.items()}


def _translations(lesson, translated: dict[str, tuple[OutputFolder, dict]], media: Path) -> list[dict]:
    """The lesson's renders in other languages, copied beside the English one."""
    found = []
    for lang, (folder, manifest) in translated.items():
        entry = manifest.get(lesson.id)
        if entry is None or not (folder.dir / entry["video"]).is_file():
            continue
        (media / lang).mkdir(exist_ok=True)
        video, vtt = folder.dir / entry["video"], (folder.dir / entry["video"]).with_suffix(".vtt")
        _link_or_copy(video, media / lang / video.name)
        _link_or_copy(vtt, media / lang / vtt.name)
        found.append({"lang": lang, "name": language_name(lang), "title": entry["title"],
                      "video": f"media/{lang}/{video.name}", "captions": f"media/{lang}/{vtt.name}"})
    return found


def _translation_html(t: dict) -> str:
    e = html.escape
    return (f'<details class="translation" lang="{e(t["lang"])}"><summary>{e(t["name"])}: {e(t["title"])}</summary>'
            f'<video controls preload="none" playsinline><source src="{e(t["video"])}" type="video/mp4">'
            f'<track kind="captions" src="{e(t["captions"])}" srclang="{e(t["lang"])}" label="{e(t["name"])}">'
            '</video></details>')


def _lesson_html(lesson, item: dict | None) -> str:
    e = html.escape
    head = (f'<h3><span class="num">{lesson.number:02d}</span> {e(lesson.title)}'
            f'<span class="done" aria-label="watched" hidden>✓ watched</span></h3>')
    minutes = f'<p class="meta">{lesson.minutes} min</p>' if lesson.minutes else ""
    if item is None:
        return (f'<article class="lesson pending" id="{e(lesson.id)}" data-lesson="{e(lesson.id)}">{head}{minutes}'
                '<p class="meta">Not rendered yet.</p></article>')
    chapters_track = (f'<track kind="chapters" src="{e(item["chapters_track"])}" srclang="en" label="Chapters">'
                      if item["chapters_track"] else "")
    chapter_buttons = "".join(f'<li><button type="button" class="chapter" data-start="{c["start"]}">'
                              f'{e(c["stamp"])} {e(c["title"])}</button></li>' for c in item["chapters"])
    return f"""<article class="lesson" id="{e(lesson.id)}" data-lesson="{e(lesson.id)}">{head}{minutes}
<video controls preload="metadata" playsinline>
<source src="{e(item['video'])}" type="video/mp4">
<track kind="captions" src="{e(item['captions'])}" srclang="en" label="English">{chapters_track}
</video>
{f'<ol class="chapters" aria-label="Chapters">{chapter_buttons}</ol>' if chapter_buttons else ''}
{"".join(_translation_html(t) for t in item.get("translations", []))}
<details><summary>Description</summary><p class="description">{e(item['description'])}</p></details>
<label class="watched"><input type="checkbox" class="watched-box"> Watched</label>
</article>"""


def _cheatsheet(tr) -> str:
    """Phase 3's one-page summary, with this model's own attention distances as the worked example."""
    import vitmath

    dist = vitmath.mean_attention_distance(tr).mean(dim=1)  # (depth,) pixels, averaged over heads
    d = tr.dims
    example = (f"In the model on this page ({html.escape(d.model_name)}), the heads of block 1 look "
               f"{float(dist[0]):.0f} px away on average and those of block {d.depth} {float(dist[-1]):.0f} px, "
               f"on a {d.grid * d.P}-pixel photo: locality is learned, not built in.")
    return Template((FILES / "cheatsheet.html").read_text(encoding="utf-8")).substitute(example=example)


def build_site(out: Path, quality: str, dest: Path | None = None, echo=print, lessons=None) -> Path:
    """Write the course page; returns its index.html. Built beside the old page, then swapped in."""
    import vitmath
    from PIL import Image

    lessons = list(lessons if lessons is not None else course.LESSONS)
    folder = OutputFolder(out, quality)
    manifest = folder.manifest()
    dest = Path(dest or Path(out) / "site")
    part = dest.with_name(f".{dest.name}.part{os.getpid()}")
    shutil.rmtree(part, ignore_errors=True)
    try:
        media = part / "media"
        media.mkdir(parents=True)
    except OSError as e:
        raise UserError(f"cannot write the site to {dest.parent}: {e.strerror}") from None
    try:
        rendered = {lesson.id: manifest[lesson.id] for lesson in lessons
                    if lesson.id in manifest and (folder.dir / manifest[lesson.id]["video"]).is_file()}
        if not rendered:
            echo(f"warning: no rendered lessons in {folder.dir}; the page lists the course without videos")
        inputs = (next(iter(rendered.values()), {}).get("inputs") or {})
        tr = vitmath.cached_trace(inputs.get("model"), inputs.get("weights"), inputs.get("image"))
        Image.fromarray(tr.picture).save(media / "photo.png")

        items = {lesson.id: _lesson_entry(lesson, rendered[lesson.id], folder, lessons, media, echo)
                 for lesson in lessons if lesson.id in rendered}
        translated = _translated_folders(Path(out), quality)
        for lesson in lessons:
            if lesson.id in items:
                items[lesson.id]["translations"] = _translations(lesson, translated, media)
        sections = []
        for phase in dict.fromkeys(lesson.phase for lesson in lessons):
            body = "\n".join(_lesson_html(lesson, items.get(lesson.id)) for lesson in lessons
                             if lesson.phase == phase)
            sheet = _cheatsheet(tr) if phase.startswith("Phase 3") else ""
            sections.append(f'<section class="phase"><h2>{html.escape(phase)}</h2>\n{body}\n{sheet}</section>')

        d = tr.dims
        game = {"model": d.model_name, "image_size": d.grid * d.P, "patch": d.P, "grid": d.grid,
                "depth": d.depth, "heads": d.H, "photo": "media/photo.png",
                "top1": {"label": tr.top5[0][1], "p": tr.top5[0][2]}, **attention_maps(tr)}
        from render.explorer_model import write_explorer
        from vitmath.sources import resolve_image

        course_photo = resolve_image(inputs.get("image"))
        shutil.copyfile(course_photo, media / f"course-photo{course_photo.suffix.lower()}")
        explorer = write_explorer(part, inputs, lessons, items, echo)
        explorer["course_photo"] = f"media/course-photo{course_photo.suffix.lower()}"
        data = {"lessons": [lesson.id for lesson in lessons], "game": game, "explorer": explorer,
                "tracks": {lesson_id: item["cues"] for lesson_id, item in items.items()}}
        (part / "data.js").write_text("window.VITLESSONS = " + json.dumps(data) + ";\n", encoding="utf-8")
        page = Template((FILES / "index.html").read_text(encoding="utf-8")).substitute(
            title=html.escape(metadata.course_title()), phases="\n".join(sections), total=len(lessons))
        (part / "index.html").write_text(page, encoding="utf-8")
        for name in ("style.css", "app.js", "explorer.js"):
            shutil.copyfile(FILES / name, part / name)

        old = dest.with_name(f".{dest.name}.old{os.getpid()}")
        if dest.exists():
            dest.rename(old)
        part.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(part, ignore_errors=True)
    echo(f"site: {len(items)} of {len(lessons)} lessons with video -> {dest}")
    return dest / "index.html"
