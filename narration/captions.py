"""Subtitles from timed clauses: SRT via the `srt` library, WebVTT via `webvtt-py`.

Captions keep the author's written text (not the lexicon's spoken form). Each caption holds at
most two lines of 42 characters, the usual broadcast limit, and breaks at sentence ends, then clause ends.
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
    """`timed` is [(start, end, text)] in seconds, in order; returns numbered, non-overlapping subtitles.

    A caption is a whole sentence, a few short whole sentences, or a part of one long sentence cut at its
    clause ends: it never ends a sentence and starts the next ("exactly. After its first step,") and never
    leaves a word of a sentence on a caption alone."""
    cards: list[list] = []  # [start, end, text, whole]: `whole` if the card holds whole sentences only
    for sentence in _sentences(_timed_words(timed)):
        runs = _pack(sentence)
        text = [" ".join(w[2] for w in run) for run in runs]
        start = max(sentence[0][0], cards[-1][1]) if cards else sentence[0][0]  # never before the last ends
        if (len(runs) == 1 and cards and cards[-1][3] and len(cards[-1][2]) < MAX_CHARS // 2
                and _fits(f"{cards[-1][2]} {text[0]}")):
            cards[-1][1:3] = [sentence[-1][1], f"{cards[-1][2]} {text[0]}"]  # "No. The grid ..." together
            continue
        for n, run in enumerate(runs):
            t0 = start if n == 0 else max(run[0][0], cards[-1][1])
            cards.append([t0, max(run[-1][1], t0), text[n], len(runs) == 1])

    for this, nxt in zip(cards, cards[1:]):
        if 0 < nxt[0] - this[1] < BRIDGE_GAP:
            this[1] = nxt[0]
    return [
        srt.Subtitle(index=i, start=timedelta(seconds=s), end=timedelta(seconds=e), content="\n".join(_lines(text)))
        for i, (s, e, text, _) in enumerate(cards, 1)
    ]


def _timed_words(timed):
    """(start, end, word, ends a clause) for every word: a spoken segment's time shared among its words by
    their characters."""
    for start, end, text in timed:
        words = [(w, k + 1 == len(c.split())) for c in split_clauses(text, min_words=1)
                 for k, w in enumerate(c.split())]
        total = sum(len(w) + 1 for w, _ in words)
        t = start
        for n, (word, clause_end) in enumerate(words):
            t_end = end if n + 1 == len(words) else t + (end - start) * (len(word) + 1) / total
            yield t, max(t_end, t), word, clause_end
            t = t_end


def _sentences(words):
    """Words grouped into sentences; a pause of a second also ends one (a cue without a full stop)."""
    sentence: list = []
    for word in words:
        if sentence and word[0] - sentence[-1][1] >= 1.0:
            yield sentence
            sentence = []
        sentence.append(word)
        if word[3] and _sentence_end(word[2]):
            yield sentence
            sentence = []
    if sentence:
        yield sentence


def _pack(words):
    """One sentence's words in runs that each fit a caption, chosen in this order: no run of a lone word,
    the fewest cuts inside a clause, the fewest runs, then the most even (the longest run shortest)."""
    n = len(words)
    best: list[tuple | None] = [None] * (n + 1)  # best[i]: (score, cut before the last run) for words[:i]
    best[0] = ((0, 0, 0, 0), 0)
    for i in range(1, n + 1):
        text = ""
        for j in range(i - 1, -1, -1):  # the last run is words[j:i], grown leftwards
            text = f"{words[j][2]} {text}".rstrip() if text else words[j][2]
            if not _fits(text) and i - j > 1:
                break
            if best[j] is None:
                continue
            lone, mid, runs, longest = best[j][0]
            score = (lone + (i - j == 1 and n > 1), mid + (not words[i - 1][3]), runs + 1, max(longest, len(text)))
            if best[i] is None or score < best[i][0]:
                best[i] = (score, j)
    runs, i = [], n
    while i:
        j = best[i][1]
        runs.append(words[j:i])
        i = j
    return runs[::-1]


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


def _sentence_end(text: str) -> bool:
    return text.rstrip("\"')”’")[-1:] in ".?!"


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
