"""Small framed pieces every lesson reuses: the title card, a heading, the model's top-k bars, a source
citation, a caveat and the "next lesson" footer.

Titles and phases come from the course registry (render/course.py), probabilities from the trace, so a
renamed lesson or another model changes what these cards say without touching a scene.
"""
from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Rectangle, RoundedRectangle, VGroup

from scenes.common.words import kit_text, lesson_phase, lesson_title
from scenes.course import BY_ID, LESSONS, Lesson
from scenes.common import layout
from scenes.common import style as S
from scenes.common.numbers import percent

# The smallest type a card uses. TINY has a 7-pixel x-height at 480p, the least that still reads in a
# 480p preview, so nothing on a card is ever scaled below it: long text wraps instead.
MIN_SIZE = S.TINY


# Letters that sit on the baseline with nothing below it: the bottom of one of these is the line's baseline.
_ON_BASELINE = set("abcdefhiklmnorstuvwxzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789")


def glyph_chars(t) -> list[str] | None:
    """The character each of Text `t`'s glyphs draws (spaces are glyphs too when ligatures are off), or
    None where a ligature merged two characters into one glyph."""
    for chars in (list(t.original_text), [c for c in t.original_text if not c.isspace()]):
        if len(chars) == len(t.submobjects):
            return chars
    return None


def baseline_y(t) -> float:
    """The y of Text `t`'s baseline (its bottom if no glyph shows where the baseline is)."""
    chars = glyph_chars(t)
    if chars is not None:
        bottoms = [g.get_bottom()[1] for c, g in zip(chars, t.submobjects) if c in _ON_BASELINE]
        if bottoms:
            return max(bottoms)
    return t.get_bottom()[1]


def center_on_baseline(t, y: float, x_height: float):
    """Move Text `t` vertically so its lowercase x-height is centred on `y`, as a typesetter aligns a label
    with a bar: centring bounding boxes would drop "tabby" (descender) below "tiger cat"."""
    return t.shift((y - x_height / 2 - baseline_y(t)) * UP)


def _word_spans(s: str, size: int, mono: bool = False, whole=None) -> list[tuple[float, float]] | None:
    """(left, right) of each word of `s` as one Text sets it, so line widths can be measured without
    typesetting every candidate line (a Text costs tens of milliseconds). None if the glyphs do not map
    one-to-one onto the characters (a ligature), and the caller measures lines instead."""
    words = s.split()
    whole = whole if whole is not None else S.text(" ".join(words), size, mono=mono, disable_ligatures=True)
    chars = glyph_chars(whole)
    if chars is None or whole.original_text != " ".join(words):
        return None
    spans, k = [], 0
    for w in words:
        while chars[k].isspace():
            k += 1
        glyphs = whole.submobjects[k:k + len(w)]
        spans.append((min(g.get_left()[0] for g in glyphs), max(g.get_right()[0] for g in glyphs)))
        k += len(w)
    return spans


def _line_width(words: list[str], spans, first: int, last: int, size: int, mono: bool) -> float:
    """Width of words[first..last] set as one line."""
    if spans is not None:
        return spans[last][1] - spans[first][0]
    return S.text(" ".join(words[first:last + 1]), size, mono=mono, disable_ligatures=True).width


def wrapped(s: str, size: int, max_width: float, color: str = S.INK, mono: bool = False) -> VGroup:
    """`s` as left-aligned lines of Text no wider than `max_width`, broken between words.

    Wrapping keeps the type size, so a long sentence stays legible where scaling it down would not.
    """
    words = s.split()
    spans = _word_spans(s, size, mono)
    breaks = [0]  # index of the first word of each line
    for k in range(1, len(words)):
        if _line_width(words, spans, breaks[-1], k, size, mono) > max_width:
            breaks.append(k)
    lines = [" ".join(words[a:b]) for a, b in zip(breaks, breaks[1:] + [len(words)])]
    # No ligatures: one glyph per character, so baselines and word widths can be read off the glyphs.
    group = VGroup(*[S.text(line, size, color, mono=mono, disable_ligatures=True) for line in lines])
    # Lines a fixed distance apart baseline to baseline, as set type is; stacking bounding boxes would
    # space a line of descenders further from the next than a line without.
    x_height, leading = S.text("x", size, mono=mono).height, 1.3 * S.text("Ag", size, mono=mono).height
    for k, line in enumerate(group):
        if line.width > max_width:  # one unbreakable word wider than the box
            line.scale_to_fit_width(max_width)
        line.set_x(0, LEFT)
        center_on_baseline(line, -k * leading, x_height)
    return group


def title_lines(s: str, size: int, width: float, color: str = S.INK) -> VGroup:
    """A title on one line if it fits `width`, else on two centred lines split where the longer line is
    shortest (balanced, as a typesetter would); only a title too long even for that is scaled, both lines
    alike."""
    one = S.text(s, size, color, disable_ligatures=True)
    words = s.split()
    if one.width <= width or len(words) < 2:
        return VGroup(one).scale_to_fit_width(min(width, one.width))
    spans = _word_spans(s, size, whole=one)
    n = len(words)
    cut = min(range(1, n), key=lambda c: max(_line_width(words, spans, 0, c - 1, size, False),
                                             _line_width(words, spans, c, n - 1, size, False)))
    lines = VGroup(*[S.text(" ".join(part), size, color, disable_ligatures=True)
                     for part in (words[:cut], words[cut:])])
    lines.arrange(DOWN, buff=0.2)  # centred lines read as a title
    if lines.width > width:
        lines.scale_to_fit_width(width)
    return lines


def lesson_row(lesson: Lesson | str) -> Lesson:
    """A registry row from itself or its id."""
    return lesson if isinstance(lesson, Lesson) else BY_ID[lesson]


def _card(content: VGroup, color: str, pad: float = 0.14) -> RoundedRectangle:
    box = RoundedRectangle(corner_radius=0.08, width=content.width + 2 * pad, height=content.height + 2 * pad)
    box.set_stroke(color, width=1.5).set_fill(S.BACKGROUND, opacity=0.85).move_to(content)
    return box


class Heading(VGroup):
    """A slide heading, placed top-left in layout.TITLE (scaled down only if it is wider than the strip)."""

    def __init__(self, text: str, color: str = S.INK):
        self.text = S.text(text, S.HEADING, color)
        super().__init__(self.text)
        layout.TITLE.place(self, aligned=LEFT)


class TitleCard(VGroup):
    """The lesson's opening card: phase kicker, "Lesson n", and the title, all read from the registry row.

    A long title wraps onto two lines at full title size instead of shrinking.
    """

    def __init__(self, lesson: Lesson | str, width: float | None = None):
        row = lesson_row(lesson)
        width = width or 0.9 * layout.FULL.width
        self.lesson = row
        self.phase = S.text(lesson_phase(row).upper(), S.SMALL, S.MUTED)
        self.number = S.text(kit_text("lesson_of", number=row.number, total=len(LESSONS)), S.SMALL, S.ACCENT)
        self.title = title_lines(lesson_title(row), S.TITLE, width)
        super().__init__(self.phase, self.title, self.number)
        self.arrange(DOWN, buff=0.35)
        if self.width > layout.FULL.width or self.height > layout.FULL.height:
            layout.FULL.place(self)
        self.move_to(layout.FULL.center)


class TopKBars(VGroup):
    """The model's top-k classes as horizontal bars: label, a bar whose length is the probability (a faint
    track marks 100%, so 30% looks like 30%, not like a winner), and the percentage.

    `top` is the trace's `top5`: (class index, label, probability) rows, most probable first.
    """

    def __init__(self, top, height: float = 3.0, width: float = 6.0, highlight: int | None = 0,
                 places: int = 0):
        self.probabilities = [float(p) for _, _, p in top]
        self.class_names = [str(name) for _, name, _ in top]
        n = len(top)
        row_h = height / n
        size = S.BODY if row_h >= 0.8 else S.SMALL if row_h >= 0.45 else S.TINY
        self.labels = VGroup(*[S.text(name, size, disable_ligatures=True) for name in self.class_names])
        self.percents = VGroup(*[S.text(percent(p, places).screen, size, mono=True) for p in self.probabilities])
        label_w = max(m.width for m in self.labels)
        pct_w = max(m.width for m in self.percents)
        gap = 0.2
        x_height = S.text("x", size).height
        self.track_width = width - label_w - pct_w - 2 * gap
        if self.track_width < 0.3 * width:  # very long class names: shrink the labels, keep the bars
            self.track_width = 0.5 * width
            for m in self.labels:
                if m.width > width - self.track_width - pct_w - 2 * gap:
                    m.scale_to_fit_width(width - self.track_width - pct_w - 2 * gap)
            label_w = max(m.width for m in self.labels)
        bar_h = 0.6 * row_h
        self.tracks, self.bars, self.rows = VGroup(), VGroup(), VGroup()
        for k, p in enumerate(self.probabilities):
            y = -k * row_h
            color = S.ACCENT if k == highlight else S.BLUE
            track = Rectangle(width=self.track_width, height=bar_h).set_stroke(S.MUTED, 1, 0.5)
            track.set_fill(S.MUTED, 0.12).move_to([0, y, 0], aligned_edge=LEFT)
            # Keep a hairline for p ~ 0 so the row does not look missing.
            bar = Rectangle(width=max(self.track_width * p, 1e-3), height=bar_h).set_stroke(width=0)
            bar.set_fill(color, 1).move_to([0, y, 0], aligned_edge=LEFT)
            label = self.labels[k]
            label.move_to([-gap, y, 0], aligned_edge=RIGHT)
            center_on_baseline(label, y, x_height)
            pct = self.percents[k]
            pct.move_to([self.track_width + gap, y, 0], aligned_edge=LEFT)
            center_on_baseline(pct, y, x_height)
            if k == highlight:
                label.set_color(S.ACCENT)
                pct.set_color(S.ACCENT)
            self.tracks.add(track)
            self.bars.add(bar)
            self.rows.add(VGroup(label, track, bar, pct))
        super().__init__(self.tracks, self.bars, self.labels, self.percents)
        self.move_to([0, 0, 0])

    def bar_length(self, k: int) -> float:
        return self.bars[k].width


class CitationCard(VGroup):
    """A boxed source note, on screen whenever a number comes from a paper:
    "Source: Dosovitskiy et al. 2021, An Image is Worth 16x16 Words · Table 5".

    Placed bottom-right in layout.FOOTER. One line fits the footer strip; a longer note wraps (never
    shrinks below TINY) to at most `max_width` and then rises above the strip.
    """

    def __init__(self, paper: str, where: str, detail: str | None = None, max_width: float | None = None):
        max_width = max_width or layout.FOOTER.width
        self.paper, self.where, self.detail = paper, where, detail
        line = " · ".join(part for part in (kit_text("source", paper=paper), where, detail) if part)
        pad = 0.1
        self.body = wrapped(line, MIN_SIZE, max_width - 2 * pad, S.INK)  # the box, padding and all, fits
        self.box = _card(self.body, S.MUTED, pad=pad)
        super().__init__(self.box, self.body)
        self.move_to(layout.FOOTER.point(DOWN + RIGHT), aligned_edge=DOWN + RIGHT)

    @property
    def string(self) -> str:
        """What the card says, as drawn (its lines joined)."""
        return " ".join(line.text for line in self.body)


class CaveatNote(VGroup):
    """A clearly marked caution: a red "careful:" tag and the note, boxed, wrapped to `width`."""

    def __init__(self, text: str, width: float = 5.0, size: int = S.SMALL):
        self.tag = S.text(kit_text("careful"), size, S.RED)
        self.note = wrapped(text, size, width - self.tag.width - 0.2)
        self.note.next_to(self.tag, RIGHT, buff=0.2)
        self.tag.shift((baseline_y(self.note[0]) - baseline_y(self.tag)) * UP)  # one baseline with line 1
        content = VGroup(self.tag, self.note)
        self.box = _card(content, S.RED, pad=0.18)
        super().__init__(self.box, content)
        self.move_to([0, 0, 0])


class NextLessonFooter(VGroup):
    """"Next: Lesson n · <title>" from the registry row after `lesson`, with a teaser; "end of the course"
    after the last lesson. Placed in layout.FOOTER, left-aligned."""

    def __init__(self, lesson: Lesson | str, teaser: str | None = None):
        row = lesson_row(lesson)
        following = [later for later in LESSONS if later.number == row.number + 1]
        self.next_lesson = following[0] if following else None
        if self.next_lesson is None:
            self.headline = S.text(kit_text("course_end"), S.SMALL, S.ACCENT)
        else:
            self.headline = S.text(kit_text("next_lesson", number=self.next_lesson.number,
                                             title=lesson_title(self.next_lesson)), S.SMALL, S.ACCENT)
        parts = [self.headline]
        if teaser:
            parts.append(S.text(teaser, MIN_SIZE, S.MUTED))
        super().__init__(*parts)
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        layout.FOOTER.place(self, aligned=LEFT)


__all__ = ["Heading", "TitleCard", "TopKBars", "CitationCard", "CaveatNote", "NextLessonFooter", "wrapped",
           "title_lines", "lesson_row"]
