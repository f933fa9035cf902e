"""Subtitles from timed clauses: SRT via the `srt` library, WebVTT via `webvtt-py`.

Captions keep the author's written text (not the lexicon's spoken form). Each caption holds at
most two lines of 42 characters, the usual broadcast limit, and breaks at clause ends first.
"""

from __future__ import annotations

from datetime import timedelta

import srt
import webvtt

from vitmath.files import write_text
from .synth import split_clauses

MAX_CHARS = 42
MAX_LINES = 2
# A gap shorter than this between captions is bridged, so text does not flicker off and on.
BRIDGE_GAP = 0.4


def build_captions(timed) -> list[srt.Subtitle]:
    """`timed` is [(start, end, text)] in seconds, in order; returns numbered, non-overlapping subtitles."""
    cards: list[list[float | str]] = []  # [start, end, text]
    for start, end, text in timed:
        chunks = _chunks(text)
        if not chunks:
            continue
        if cards:  # never start before the previous caption ends
            start = max(start, cards[-1][1])
        end = max(end, start)
        # Each caption gets the share of its segment that its characters are of the segment's.
        total = sum(len(c) for c in chunks)
        t = start
        for n, chunk in enumerate(chunks):
            t_end = end if n + 1 == len(chunks) else t + (end - start) * len(chunk) / total
            cards.append([t, t_end, chunk])
            t = t_end

    for this, nxt in zip(cards, cards[1:]):
        if 0 < nxt[0] - this[1] < BRIDGE_GAP:
            this[1] = nxt[0]
    return [
        srt.Subtitle(index=i, start=timedelta(seconds=s), end=timedelta(seconds=e), content="\n".join(_lines(text)))
        for i, (s, e, text) in enumerate(cards, 1)
    ]


def write_captions(timed, srt_path, vtt_path) -> list[srt.Subtitle]:
    subs = build_captions(timed)
    write_text(srt_path, srt.compose(subs))
    vtt = webvtt.WebVTT(
        captions=[webvtt.Caption(start=_vtt_time(s.start), end=_vtt_time(s.end), text=s.content) for s in subs]
    )
    write_text(vtt_path, vtt.content)
    return subs


def _vtt_time(t: timedelta) -> str:
    ms = round(t.total_seconds() * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _fits(text: str) -> bool:
    return _lines(text) is not None and len(_lines(text)) <= MAX_LINES


def _chunks(text: str) -> list[str]:
    """Pack clauses into captions; a clause too long for one caption is cut at word boundaries."""
    chunks: list[str] = []
    for clause in split_clauses(text, min_words=1):
        if chunks and _fits(f"{chunks[-1]} {clause}") and not _sentence_end(chunks[-1]):
            chunks[-1] = f"{chunks[-1]} {clause}"
        elif _fits(clause):
            chunks.append(clause)
        else:
            chunks.extend(_split_words(clause))
    return chunks


def _sentence_end(text: str) -> bool:
    # A sentence end is a natural caption break, unless the caption is still very short.
    return text.rstrip("\"')”’")[-1:] in ".?!" and len(text) >= MAX_CHARS // 2


def _split_words(clause: str) -> list[str]:
    """Fewest captions that fit, with words spread evenly so the last one is not a lone word."""
    words = clause.split()
    n = 1
    while True:
        n += 1
        target = len(clause) / n
        out, current = [], ""
        for w in words:
            candidate = f"{current} {w}".strip()
            if current and (len(candidate) > target * 1.15 or not _fits(candidate)):
                out.append(current)
                current = w
            else:
                current = candidate
        out.append(current)
        if all(_fits(c) for c in out) or n > len(words):
            return out


def _lines(text: str) -> list[str] | None:
    """One line if it fits, else the most balanced two-line break; None if two lines cannot hold it."""
    if len(text) <= MAX_CHARS:
        return [text]
    words = text.split()
    best = None
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        if len(a) <= MAX_CHARS and len(b) <= MAX_CHARS:
            score = max(len(a), len(b))
            if best is None or score < best[0]:
                best = (score, [a, b])
    if best is None:
        if len(words) == 1:  # a single word longer than a line: nothing better to do than show it
            return [text]
        return None
    return best[1]
