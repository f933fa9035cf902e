"""Run times from the voice's clauses: an animation lasts its clause, except that the last one of a cue stops
HOLD seconds before the voice ends, so the cut to the next cue comes after the viewer has seen it finished."""
from types import SimpleNamespace

import pytest
from manim import config

from scenes.common.narrated import HOLD, Cue

SEGMENTS = [(0.0, 2.0, "First clause,"), (2.2, 5.0, "the middle one."), (5.4, 9.0, "And the last.")]


def cue_at(t: float) -> Cue:
    scene = SimpleNamespace(frames=round(t * config.frame_rate), cue_start_frame=0)
    return Cue("c", 0.0, 9.0, scene, SEGMENTS, "First clause, the middle one. {@last}And the last.",
               {"last": len("First clause, the middle one. ")})


def test_a_clause_inside_the_cue_runs_to_its_end():
    assert cue_at(1.0).clause() == pytest.approx(1.0, abs=1 / config.frame_rate)
    assert cue_at(3.0).clause() == pytest.approx(2.0, abs=1 / config.frame_rate)


def test_the_last_clause_stops_hold_seconds_before_the_voice_ends():
    assert cue_at(6.0).clause() == pytest.approx(9.0 - HOLD - 6.0, abs=1 / config.frame_rate)
    # Already inside the hold: one frame, never a negative or zero run time.
    assert cue_at(9.0 - HOLD / 2).clause() == pytest.approx(1 / config.frame_rate)


def test_a_mark_past_the_hold_is_reached_by_the_hold():
    assert cue_at(8.0).time_to("last") == pytest.approx(1 / config.frame_rate)
    assert cue_at(0.0).time_to("last") > 5.0
