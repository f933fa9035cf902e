"""Narration for the lessons: scripts as TOML data, speech, captions, and a loudness-normalised mix.

The usual path: load_script -> Script.fill(values from the scene) -> synthesize_cue per cue with
get_voice(spec) -> write_captions from the cue timings -> mix_track onto the video's timeline.
"""

from .captions import build_captions, write_captions
from .lexicon import speakable
from .mix import measure, mix_track
from .script import Cue, Script, load_script
from .synth import CueAudio, synthesize_cue
from .voices import Voice, get_voice

__all__ = [
    "Cue", "CueAudio", "Script", "Voice", "build_captions", "get_voice", "load_script",
    "measure", "mix_track", "speakable", "synthesize_cue", "write_captions",
]
