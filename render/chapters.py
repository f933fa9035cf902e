"""Video chapters from the narration file: a chapter starts at each cue that names one.

    [[cue]]
    id = "grid"
    chapter = "Cut the grid"      # the chapter "Cut the grid" starts where this cue is spoken

The rules are YouTube's (its chapters appear only when all hold): the first chapter starts at 0:00, there are
at least three, and each lasts at least ten seconds. The first named chapter is moved to 0:00, so a lead-in
before it belongs to it. Titles stay short so they fit under the player's progress bar.
"""
from __future__ import annotations

from dataclasses import dataclass

from vitmath.errors import UserError

MIN_CHAPTERS = 3
MIN_SECONDS = 10.0
MAX_TITLE = 50


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    end: float
    title: str


def chapters_from(script, cue_times: list[dict], duration: float) -> list[Chapter]:
    """Chapters of one rendered lesson; `cue_times` is the manifest's [{"id", "start", "duration"}, ...].

    Raises a UserError naming the script when the chapters break a rule, so the author knows what to edit.
    """
    where = f"script {script.source}" if script.source else "script"
    starts = {c["id"]: float(c["start"]) for c in cue_times}
    named = []
    for cue in script.cues:
        if cue.chapter is None:
            continue
        if cue.id not in starts:
            raise UserError(f"{where}: chapter '{cue.chapter}' is on cue '{cue.id}', which the rendered video "
                            "does not have; render the lesson again")
        named.append((starts[cue.id], cue.chapter))
    if not named:
        raise UserError(f"{where}: names no chapters; add chapter = \"Short title\" to the [[cue]] where each "
                        f"section starts (at least {MIN_CHAPTERS}, each {MIN_SECONDS:.0f} s or longer)")
    named.sort()
    named[0] = (0.0, named[0][1])
    ends = [start for start, _ in named[1:]] + [duration]
    chapters = [Chapter(start, end, title) for (start, title), end in zip(named, ends)]
    problem = check(chapters, duration)
    if problem:
        raise UserError(f"{where}: {problem}")
    return chapters


def check(chapters: list[Chapter], duration: float) -> str | None:
    """The first rule these chapters break, in words, or None when YouTube will show them."""
    if len(chapters) < MIN_CHAPTERS:
        return f"has {len(chapters)} chapter(s); YouTube shows chapters only from {MIN_CHAPTERS} on"
    if chapters[0].start != 0.0:
        return "the first chapter must start at 0:00"
    for c in chapters:
        if len(c.title) > MAX_TITLE:
            return f"chapter title '{c.title}' is longer than {MAX_TITLE} characters"
        if c.end - c.start < MIN_SECONDS:
            return (f"chapter '{c.title}' lasts {c.end - c.start:.1f} s (at {stamp(c.start)}); each must last "
                    f"at least {MIN_SECONDS:.0f} s: move its chapter key to a later cue or merge it")
    if abs(chapters[-1].end - duration) > 1e-6:
        return "the last chapter must end with the video"
    return None


def stamp(seconds: float) -> str:
    """YouTube's description timestamp: 0:00, 4:05, 1:02:03 (whole seconds, rounded down)."""
    s = int(seconds)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def description_block(chapters: list[Chapter]) -> str:
    return "\n".join(f"{stamp(c.start)} {c.title}" for c in chapters)


def webvtt(chapters: list[Chapter]) -> str:
    """A WebVTT chapters track (<track kind="chapters">): one cue per chapter, titled."""
    def t(x: float) -> str:
        ms = round(x * 1000)
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    blocks = [f"{n}\n{t(c.start)} --> {t(c.end)}\n{c.title}" for n, c in enumerate(chapters, 1)]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"
