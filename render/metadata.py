"""What a published lesson says about itself: title, description with chapters, neighbours, tags, licence.

The same metadata feeds the upload (it is exactly the body `videos.insert` sends) and the course page.
Its words are the `[publish]` table of the lesson's language (scenes/common/words.<lang>.toml); the licence
notes, for the creator and never uploaded, stay here. YouTube's limits are checked here, where the text is
made: a title of at most 100 characters, a description of at most 5000 bytes without angle brackets, tags of
at most 500 characters in all.
"""
from __future__ import annotations

from render import chapters as chapters_mod
from scenes.common.inputs import DEFAULT_VOICE
from scenes.common.words import lesson_phase, lesson_title, publish_text
from vitmath.errors import UserError

CATEGORY_EDUCATION = "27"
MAX_TITLE, MAX_DESCRIPTION_BYTES, MAX_TAGS_CHARS = 100, 5000, 500


def course_title(lang: str = "en") -> str:
    return publish_text("course", lang)


def voice_note(voice_spec: str | None, lang: str = "en") -> dict:
    """Who the narration voice is, one credit line for viewers and the licence note for the creator."""
    spec = voice_spec or DEFAULT_VOICE
    if spec == "kokoro" or spec.startswith("kokoro:"):
        voice = spec.partition(":")[2] or "af_heart"
        return {"credit": publish_text("voice_kokoro", lang, voice=voice),
                "licence_note": "Kokoro-82M's weights and voices are Apache-2.0 (hexgrad) and its ONNX export MIT "
                                "(kokoro-onnx), so commercial use is allowed; its author says the training data "
                                "leaned on synthetic audio from commercial TTS services. Phonemes by espeak-ng "
                                "(GPL-3.0), run as a separate program."}
    if spec == "piper":
        return {"credit": publish_text("voice_piper", lang),
                "licence_note": "The joe voice's model card lists its own dataset as CC0 and says it was fine-tuned "
                                "from Piper's lessac voice, trained on the Lessac recordings of the Blizzard "
                                "Challenge, which are licensed for non-commercial research use only. Check those "
                                "terms before publishing on a monetised channel; for commercial use narrate with "
                                "--voice recorded:/folder or another Piper voice."}
    if spec.startswith("piper:"):
        return {"credit": publish_text("voice_piper_file", lang),
                "licence_note": f"Voice model {spec[6:]}: check the licence on its model card before publishing."}
    if spec == "espeak":
        return {"credit": publish_text("voice_espeak", lang),
                "licence_note": "espeak-ng is GPL-3.0 software; check your use of its output if in doubt."}
    if spec.startswith("recorded:"):
        return {"credit": publish_text("voice_recorded", lang), "licence_note": "Your own recordings."}
    return {"credit": "", "licence_note": "No narration (silent render)."}


def _summary(script) -> str:
    """The lesson's opening cue as its summary, unless it holds a {placeholder} filled only at render time."""
    first = script.cues[0]
    return "" if "{" in first.text else first.text


def youtube_url(video_id: str) -> str:
    return f"https://youtu.be/{video_id}"


def _neighbour_line(which: str, lesson, video_ids: dict, lang: str) -> str:
    if lesson is None:
        return ""
    line = publish_text(which, lang, number=f"{lesson.number:02d}", title=lesson_title(lesson, lang))
    if lesson.id in video_ids:
        line += f" {youtube_url(video_ids[lesson.id])}"
    return line


def build(lesson, script, chapters, previous, next_, voice_spec: str | None, total: int,
          video_ids: dict | None = None, lang: str = "en") -> dict:
    """Metadata of one lesson in `lang`. `previous`/`next_` are the neighbouring course lessons (or None);
    `video_ids` maps lesson ids already on YouTube to their video id, for links."""
    video_ids = video_ids or {}
    voice = voice_note(voice_spec, lang)
    name, phase = lesson_title(lesson, lang), lesson_phase(lesson, lang)
    title = publish_text("video_title", lang, title=name, number=f"{lesson.number:02d}")
    if len(title) > MAX_TITLE:
        title = name[:MAX_TITLE]
    parts = [
        publish_text("opening", lang, course=course_title(lang), number=lesson.number, total=total, phase=phase),
        _summary(script),
        publish_text("chapters", lang) + "\n" + chapters_mod.description_block(chapters) if chapters else "",
        "\n".join(x for x in (_neighbour_line("previous", previous, video_ids, lang),
                              _neighbour_line("next", next_, video_ids, lang)) if x),
        publish_text("computed", lang),
        voice["credit"],
    ]
    # YouTube rejects a description with angle brackets; typographic ones read the same.
    description = "\n\n".join(p for p in parts if p).replace("<", "‹").replace(">", "›")
    if len(description.encode()) > MAX_DESCRIPTION_BYTES:
        raise UserError(f"{lesson.id}: the description is {len(description.encode())} bytes; YouTube takes "
                        f"{MAX_DESCRIPTION_BYTES} at most (shorten the opening cue or the chapter titles)")
    tags = publish_text("tags", lang) + [phase.split("·")[-1].strip()]
    assert sum(len(t) for t in tags) + 2 * len(tags) <= MAX_TAGS_CHARS, "course tags exceed YouTube's limit"
    return {
        "lesson": lesson.id,
        "number": lesson.number,
        "phase": phase,
        "title": title,
        "description": description,
        "tags": tags,
        "category_id": CATEGORY_EDUCATION,
        "language": lang,
        "playlist": {"title": course_title(lang), "position": lesson.number - 1},
        "previous": None if previous is None else {"lesson": previous.id, "title": lesson_title(previous, lang),
                                                   "video_id": video_ids.get(previous.id)},
        "next": None if next_ is None else {"lesson": next_.id, "title": lesson_title(next_, lang),
                                            "video_id": video_ids.get(next_.id)},
        "chapters": [{"start": round(c.start, 3), "stamp": chapters_mod.stamp(c.start), "title": c.title}
                     for c in chapters],
        "voice": {"spec": voice_spec or DEFAULT_VOICE, **voice},
    }


def snippet(meta: dict) -> dict:
    """The `snippet` part of a YouTube video resource for this lesson."""
    return {"title": meta["title"], "description": meta["description"], "tags": meta["tags"],
            "categoryId": meta["category_id"], "defaultLanguage": meta["language"],
            "defaultAudioLanguage": meta["language"]}
