"""What a published lesson says about itself: title, description with chapters, neighbours, tags, licence.

The same metadata feeds the upload (it is exactly the body `videos.insert` sends) and the course page.
YouTube's limits are checked here, where the text is made: a title of at most 100 characters, a description of
at most 5000 bytes without angle brackets, tags of at most 500 characters in all.
"""
from __future__ import annotations

from render import chapters as chapters_mod
from scenes.common.inputs import DEFAULT_VOICE
from vitmath.errors import UserError

COURSE_TITLE = "Understand Vision Transformers (ViT)"
CATEGORY_EDUCATION = "27"
LANGUAGE = "en"
TAGS = ["vision transformer", "ViT", "transformers", "self-attention", "attention", "deep learning",
        "computer vision", "machine learning", "neural networks", "Manim"]
MAX_TITLE, MAX_DESCRIPTION_BYTES, MAX_TAGS_CHARS = 100, 5000, 500


def voice_note(voice_spec: str | None) -> dict:
    """Who the narration voice is, one credit line for viewers and the licence note for the creator."""
    spec = voice_spec or DEFAULT_VOICE
    if spec == "kokoro" or spec.startswith("kokoro:"):
        voice = spec.partition(":")[2] or "af_heart"
        return {"credit": f"Narration: synthetic voice Kokoro-82M {voice}.",
                "licence_note": "Kokoro-82M's weights and voices are Apache-2.0 (hexgrad) and its ONNX export MIT "
                                "(kokoro-onnx), so commercial use is allowed; its author says the training data "
                                "leaned on synthetic audio from commercial TTS services. Phonemes by espeak-ng "
                                "(GPL-3.0), run as a separate program."}
    if spec == "piper":
        return {"credit": "Narration: synthetic voice Piper en_US-joe-medium.",
                "licence_note": "The joe voice's model card lists its own dataset as CC0 and says it was fine-tuned "
                                "from Piper's lessac voice, trained on the Lessac recordings of the Blizzard "
                                "Challenge, which are licensed for non-commercial research use only. Check those "
                                "terms before publishing on a monetised channel; for commercial use narrate with "
                                "--voice recorded:/folder or another Piper voice."}
    if spec.startswith("piper:"):
        return {"credit": "Narration: a synthetic Piper voice.",
                "licence_note": f"Voice model {spec[6:]}: check the licence on its model card before publishing."}
    if spec == "espeak":
        return {"credit": "Narration: synthetic voice espeak-ng.",
                "licence_note": "espeak-ng is GPL-3.0 software; check your use of its output if in doubt."}
    if spec.startswith("recorded:"):
        return {"credit": "Narration recorded by the author.", "licence_note": "Your own recordings."}
    return {"credit": "", "licence_note": "No narration (silent render)."}


def _summary(script) -> str:
    """The lesson's opening cue as its summary, unless it holds a {placeholder} filled only at render time."""
    first = script.cues[0]
    return "" if "{" in first.text else first.text


def youtube_url(video_id: str) -> str:
    return f"https://youtu.be/{video_id}"


def _neighbour_line(label: str, lesson, video_ids: dict) -> str:
    if lesson is None:
        return ""
    line = f"{label}: {lesson.number:02d} · {lesson.title}"
    if lesson.id in video_ids:
        line += f" {youtube_url(video_ids[lesson.id])}"
    return line


def build(lesson, script, chapters, previous, next_, voice_spec: str | None, total: int,
          video_ids: dict | None = None) -> dict:
    """Metadata of one lesson. `previous`/`next_` are the neighbouring course lessons (or None); `video_ids`
    maps lesson ids already on YouTube to their video id, for links."""
    video_ids = video_ids or {}
    voice = voice_note(voice_spec)
    title = f"{lesson.title} | ViT {lesson.number:02d}"
    if len(title) > MAX_TITLE:
        title = lesson.title[:MAX_TITLE]
    parts = [
        f"{COURSE_TITLE}, lesson {lesson.number} of {total}. {lesson.phase}.",
        _summary(script),
        "Chapters:\n" + chapters_mod.description_block(chapters) if chapters else "",
        "\n".join(x for x in (_neighbour_line("Previous", previous, video_ids),
                              _neighbour_line("Next", next_, video_ids)) if x),
        "Every picture, heatmap and number on screen is computed from the real tensors of a pretrained "
        "Vision Transformer on a real photo.",
        voice["credit"],
    ]
    # YouTube rejects a description with angle brackets; typographic ones read the same.
    description = "\n\n".join(p for p in parts if p).replace("<", "‹").replace(">", "›")
    if len(description.encode()) > MAX_DESCRIPTION_BYTES:
        raise UserError(f"{lesson.id}: the description is {len(description.encode())} bytes; YouTube takes "
                        f"{MAX_DESCRIPTION_BYTES} at most (shorten the opening cue or the chapter titles)")
    tags = TAGS + [lesson.phase.split("·")[-1].strip()]
    assert sum(len(t) for t in tags) + 2 * len(tags) <= MAX_TAGS_CHARS, "course tags exceed YouTube's limit"
    return {
        "lesson": lesson.id,
        "number": lesson.number,
        "phase": lesson.phase,
        "title": title,
        "description": description,
        "tags": tags,
        "category_id": CATEGORY_EDUCATION,
        "language": LANGUAGE,
        "playlist": {"title": COURSE_TITLE, "position": lesson.number - 1},
        "previous": None if previous is None else {"lesson": previous.id, "title": previous.title,
                                                   "video_id": video_ids.get(previous.id)},
        "next": None if next_ is None else {"lesson": next_.id, "title": next_.title,
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
