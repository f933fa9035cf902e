"""Narration for the lessons: scripts as TOML data, speech, captions, and a loudness-normalised mix.

The usual path: script.load_script -> Script.fill(values from the scene) -> synth.synthesize_cue per cue
with voices.get_voice(spec) -> captions.write_captions from the cue timings -> mix.mix_track onto the
video's timeline (its AAC from aac.py).

Import the module you need; this package imports nothing itself, because a cache key digests the files a
module imports (vitmath/code_digest.py): the speech key must not change when the captions or the mix do.
"""
