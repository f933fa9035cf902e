"""How to say the jargon: written text in, text a speech engine pronounces well out.

Only the audio uses the spoken form; captions keep what the author wrote.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from vitmath.errors import UserError

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


def speakable(text: str, lang: str = "en") -> str:
    """The form of `text` handed to the speech engine of language `lang`."""
    words, pattern, by, percent = _lexicon(lang)
    text = _SHAPE.sub(lambda m: f" {by} ".join(re.findall(_NUMBER, m.group(0))), text)
    text = _BY.sub(f" {by} ", text)
    # Another language may write 0,5 where English writes 0.5.
    text = re.sub(r"(\d+(?:[.,]\d+)*)\s*%", rf"\1 {percent}", text)
    if words:
        text = pattern.sub(lambda m: words[m.group(0)], text)
    return text


@cache
def _lexicon(lang: str) -> tuple[dict[str, str], re.Pattern, str, str]:
    """(words, the pattern that finds them, the word for "x" between numbers, the word for "%") of a language."""
    if lang == "en":
        return LEXICON, _words_pattern(LEXICON), "by", "percent"
    path = Path(__file__).with_name(f"lexicon_{lang}.toml")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        words = dict(table.get("words", {}))
        return words, _words_pattern(words), table["by"], table["percent"]
    except FileNotFoundError:
        raise UserError(f"no pronunciation table for language '{lang}' ({path} is missing)") from None
    except (KeyError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"{path}: {e} (it needs [words], by and percent)") from None


def _words_pattern(words: dict[str, str]) -> re.Pattern:
    # Longest first, so "ViTs" wins over "ViT"; lookarounds make it whole-word even for keys with
    # punctuation such as "[CLS]" or "e.g.". An empty table matches nothing.
    return re.compile("|".join(rf"(?<![\w\[]){re.escape(k)}(?![\w\]])"
                               for k in sorted(words, key=len, reverse=True)) or r"(?!)")
