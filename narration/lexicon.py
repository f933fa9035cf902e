"""How to say the jargon: written text in, text a speech engine pronounces well out.

Only the audio uses the spoken form; captions keep what the author wrote.
"""

from __future__ import annotations

import re

# Whole words, case-sensitive: "ViT" is an acronym, "vit" inside a word is not.
LEXICON = {
    "ViT-B/16": "vit B 16",
    "ViTs": "vits",
    "ViT": "vit",
    "QKV": "Q K V",
    "softmax": "soft max",
    "Softmax": "soft max",
    "ConvNeXt": "conv next",
    "ResNet": "res net",
    "CNNs": "C N Ns",
    "CNN": "C N N",
    "MLPs": "M L Ps",
    "MLP": "M L P",
    "CLS": "C L S",
    "[CLS]": "C L S",
    "ImageNet": "image net",
    "ImageNet-1k": "image net one K",
    "LayerNorm": "layer norm",
    "GELU": "gelu",
    "RGB": "R G B",
    "GPU": "G P U",
    "e.g.": "for example",
    "i.e.": "that is",
}

_NUMBER = r"\d+(?:\.\d+)?"
# A tensor shape written like (196, 768) or (1, 197, 768).
_SHAPE = re.compile(rf"\(\s*{_NUMBER}(?:\s*,\s*{_NUMBER})+\s*\)")
# 16x16, 224 x 224, 3×224×224: "x" between numbers reads "by".
_BY = re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)")
_PERCENT = re.compile(rf"({_NUMBER})\s*%")

# Longest first, so "ViTs" wins over "ViT"; lookarounds make it whole-word even for keys with
# punctuation such as "[CLS]" or "e.g.".
_WORDS = re.compile(
    "|".join(rf"(?<![\w\[]){re.escape(k)}(?![\w\]])" for k in sorted(LEXICON, key=len, reverse=True))
)


def speakable(text: str) -> str:
    """The form of `text` handed to the speech engine."""
    text = _SHAPE.sub(lambda m: " by ".join(re.findall(_NUMBER, m.group(0))), text)
    text = _BY.sub(" by ", text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = _WORDS.sub(lambda m: LEXICON[m.group(0)], text)
    return text
