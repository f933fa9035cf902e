"""The contact-sheet lesson's choices that its inputs do not reach, driven over made-up preprocessing.

Every model tests/test_choices_reachable.py sets the lesson up on normalises each channel by the same mean and
standard deviation (0.5 and 0.5); models trained with ImageNet's statistics (DeiT, most CNN-style recipes) use
one per channel. `channel_stat`, the scene's own choosing function, is called on both kinds here, and
`choice_witnesses` returns the keys it gave.
"""
from __future__ import annotations

import pytest

from scenes.p2_01_contact_sheet.scene import channel_stat

# (per-channel statistic, the key, the words' values as the screen shows them)
STAT_CASES = [
    ((0.5, 0.5, 0.5), "same", {"value": "0.5"}),
    ((0.485, 0.456, 0.406), "per_channel", {"r": "0.485", "g": "0.456", "b": "0.406"}),  # ImageNet's mean
    ((0.229, 0.224, 0.225), "per_channel", {"r": "0.229", "g": "0.224", "b": "0.225"}),  # and its std
]


def choice_witnesses() -> set[tuple[str, str]]:
    return {(name, channel_stat(stat).key) for name in ("norm_mean", "norm_std") for stat, _, _ in STAT_CASES}


@pytest.mark.parametrize("stat, key, words", STAT_CASES)
def test_a_channel_statistic_is_said_once_when_the_channels_share_it(stat, key, words):
    chosen = channel_stat(stat)
    assert chosen.key == key
    assert {name: value.screen for name, value in chosen.extra.items()} == words
