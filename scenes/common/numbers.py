"""One value, three forms: how it is written on screen, in LaTeX, and how the narrator says it.

A lesson computes a number once (from a tensor) and hands the same `Number` to the picture and to the
script's placeholders, so the screen and the voice can never disagree. Separators and the words numbers are
said with ("percent", "by", "minus") are the lesson language's (`scenes/common/words.toml`, `[numbers]`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scenes.common.words import number_text, number_words


@dataclass(frozen=True)
class Number:
    value: float
    screen: str   # plain text for Text mobjects: "50,176", "7.2e-6", "(197, 192)"
    tex: str      # for MathTex: "50{,}176", "7.2 \times 10^{-6}"
    spoken: str   # for the narration: "50,176", "7.2 times ten to the minus 6"

    def __str__(self) -> str:  # a placeholder filled with a Number speaks it
        return self.spoken


def integer(n: int) -> Number:
    """Thousands separated: 50176 -> "50,176" (TTS reads the separated form as one number)."""
    n = int(n)
    s = _written(f"{n:,}")
    return Number(n, s, _tex(s), s)


def decimal(x: float, places: int = 2) -> Number:
    s = _written(f"{x:.{places}f}")
    return Number(float(x), s, _tex(s), _spoken_sign(s))


def scientific(x: float, digits: int = 1) -> Number:
    """7.2e-06 -> "7.2e-6", "7.2 \\times 10^{-6}", "7.2 times ten to the minus 6"."""
    if x == 0 or not math.isfinite(x):
        return decimal(x, digits)
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    e = int(exponent)
    m = _written(mantissa)
    return Number(float(x), f"{m}e{e}", rf"{_tex(m)} \times 10^{{{e}}}",
                  number_text("scientific", mantissa=_spoken_sign(m), exponent=_spoken_sign(str(e))))


def count(n: int) -> Number:
    """A count said for its size: "2.5 billion" from a billion on (ten digits read aloud mean nothing), the
    exact integer on screen."""
    if n < 1e9:
        return integer(n)
    exact = integer(n)
    return Number(int(n), exact.screen, exact.tex, number_text("billion", n=decimal(n / 1e9, 1).spoken))


def percent(p: float, places: int = 0) -> Number:
    """A probability in [0, 1] as a percentage."""
    s = _written(f"{100 * p:.{places}f}")
    return Number(float(p), f"{s}%", rf"{_tex(s)}\%", number_text("percent", n=_spoken_sign(s)))


def shape(*dims: int) -> Number:
    """A tensor shape: (197, 192) on screen, "197 by 192" spoken."""
    dims = tuple(int(d) for d in dims)
    # The shape's own commas are Python's tuple, written the same in every language; its sizes are numbers.
    sizes = [_written(f"{d:,}") for d in dims]
    end = ")" if len(dims) > 1 else ",)"
    screen = "(" + ", ".join(sizes) + end
    tex = "(" + ",\\ ".join(_tex(size) for size in sizes) + end
    return Number(math.prod(dims), screen, tex, f" {number_words()['by']} ".join(sizes))


def signed(x: float, places: int = 2) -> Number:
    """A tensor entry as shown in a numeric preview: fixed width with its sign, "+0.12" / "-1.05"."""
    s = _written(f"{x:+.{places}f}")
    return Number(float(x), s, _tex(s), _spoken_sign(s.replace("+", "")))


def _written(s: str) -> str:
    """Python's "1,234.5" with the language's thousands separator and decimal point."""
    words = number_words()
    return "".join(words["thousands"] if c == "," else words["decimal_point"] if c == "." else c for c in s)


def _tex(s: str) -> str:
    """A written number for MathTex: a comma in braces, so TeX does not space it as punctuation."""
    return s.replace(",", "{,}")


def _spoken_sign(s: str) -> str:
    return number_text("minus", n=s[1:]) if s.startswith("-") else s
