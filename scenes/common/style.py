"""The course look: one palette, one type scale, one safe area, shared by every lesson.

Manim's frame is 14.22 x 8 units at 16:9. Everything important stays inside SAFE (the broadcast "title safe"
area, 5% in from each edge) so that platform players, captions and cropping never hide it.
"""
from manim import MathTex, Text, config

# Palette: a dark, neutral background so the photo and heatmaps carry the colour.
BACKGROUND = "#0E1116"
INK = "#E8ECF1"          # body text
MUTED = "#8B95A3"        # secondary labels, grid lines
ACCENT = "#F2A541"       # the one thing to look at now
BLUE = "#5DA9E9"         # tokens, vectors
GREEN = "#7BC47F"        # checks that passed, equalities
RED = "#E86A5C"          # channel R, warnings
CHANNEL_COLORS = ("#E86A5C", "#7BC47F", "#5DA9E9")  # R, G, B

FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"

# Type scale, in Manim font_size units; sized so that 480p previews stay legible.
TITLE = 46
HEADING = 34
BODY = 28
SMALL = 22
TINY = 16

FRAME_W = config.frame_width
FRAME_H = config.frame_height
MARGIN_X = 0.05 * FRAME_W
MARGIN_Y = 0.05 * FRAME_H
SAFE_LEFT = -FRAME_W / 2 + MARGIN_X
SAFE_RIGHT = FRAME_W / 2 - MARGIN_X
SAFE_TOP = FRAME_H / 2 - MARGIN_Y
SAFE_BOTTOM = -FRAME_H / 2 + MARGIN_Y
SAFE_WIDTH = SAFE_RIGHT - SAFE_LEFT
SAFE_HEIGHT = SAFE_TOP - SAFE_BOTTOM


# Building a Text or MathTex parses its SVG (Pango's or LaTeX's) into paths, about four times the cost of
# copying the result; lessons draw the same label many times (and every cue's picture is rebuilt on a
# re-render), so each distinct one is built once per process and handed out as copies.
_BUILT: dict = {}


def _once(key, make):
    try:
        master = _BUILT.get(key)
    except TypeError:  # an unhashable argument (a dict of colours): no sharing
        return make()
    if master is None:
        master = _BUILT[key] = make()
    return master.copy()


def text(s: str, size: int = BODY, color: str = INK, mono: bool = False, **kwargs) -> Text:
    return _once(("text", s, size, str(color), mono, tuple(sorted(kwargs.items()))),
                 lambda: Text(s, font=MONO if mono else FONT, font_size=size, color=color, **kwargs))


def tex(s: str, size: int = BODY, color: str = INK) -> MathTex:
    """LaTeX at the same visual size as `text` of that size (MathTex's font units run smaller)."""
    return _once(("tex", s, size, str(color)), lambda: MathTex(s, font_size=size * 1.25, color=color))
