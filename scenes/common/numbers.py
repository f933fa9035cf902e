"""One value, three forms: how it is written on screen, in LaTeX, and how the narrator says it.

A lesson computes a number once (from a tensor) and hands the same `Number` to the picture and to the
script's placeholders, so the screen and the voice can never disagree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


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
    s = f"{n:,}"
    return Number(n, s, s.replace(",", "{,}"), s)


def decimal(x: float, places: int = 2) -> Number:
    s = f"{x:.{places}f}"
    spoken = s.replace("-", "minus ")
    return Number(float(x), s, s, spoken)


def scientific(x: float, digits: int = 1) -> Number:
    """7.2e-06 -> "7.2e-6", "7.2 \\times 10^{-6}", "7.2 times ten to the minus 6"."""
    if x == 0 or not math.isfinite(x):
        return decimal(x, digits)
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    e = int(exponent)
    sign = "minus " if e < 0 else ""
    return Number(float(x), f"{mantissa}e{e}", rf"{mantissa} \times 10^{{{e}}}",
                  f"{mantissa} times ten to the {sign}{abs(e)}")


def percent(p: float, places: int = 0) -> Number:
    """A probability in [0, 1] as a percentage."""
    s = f"{100 * p:.{places}f}"
    return Number(float(p), f"{s}%", rf"{s}\%", f"{s} percent")


def shape(*dims: int) -> Number:
    """A tensor shape: (197, 192) on screen, "197 by 192" spoken."""
    dims = tuple(int(d) for d in dims)
    inner = ", ".join(f"{d:,}" for d in dims)
    screen = f"({inner})" if len(dims) > 1 else f"({inner},)"
    tex = screen.replace(",", ",\\ ").replace("\\ \\ ", "\\ ")
    return Number(math.prod(dims), screen, tex, " by ".join(f"{d:,}" for d in dims))


def signed(x: float, places: int = 2) -> Number:
    """A tensor entry as shown in a numeric preview: fixed width with its sign, "+0.12" / "-1.05"."""
    s = f"{x:+.{places}f}"
    return Number(float(x), s, s, s.replace("-", "minus ").replace("+", ""))
