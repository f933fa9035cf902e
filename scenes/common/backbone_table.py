"""How the backbone table (vitmath.backbones) writes its measured counts on screen: parameters in millions,
multiply-adds in billions (G), the way the papers' tables print them."""
from __future__ import annotations


def params_text(n: int) -> str:
    return f"{n / 1e6:.1f} M"


def macs_text(n: int) -> str:
    return f"{n / 1e9:.2f} G"
