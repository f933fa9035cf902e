"""The small-data lesson's experiment and numbers, checked independently.

- The experiment is deterministic for a seed: the tiny configuration, run twice, gives identical accuracies.
- The parameter counts the lesson states are the models' own (counted here from their state dicts and from
  the layer shapes by hand).
- The split is what the lesson says: a fixed test set per seed, disjoint from nested, class-balanced training sets.
- The spoken numbers are the cached run's, recomputed here from its accuracy tensor.
- `vitlessons experiment small-data --tiny` prints that table.

Cost: the full run (5 sizes x 3 seeds x 2 models) happens once per cache folder, about 100 s on one thread of a
loaded 2-core machine; this test and the lesson's smoke test both read it from the cache (`cached_small_data`
is keyed by the code, the config and the data), so whichever runs first pays for it and the other reads it.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
import torch
from click.testing import CliRunner

from narration.script import Cue, load_script
from scenes.common import numbers as num
from scenes.course import lesson_of
from scenes.p3_01_small_vit_loses.scene import SmallVitLoses
from vitmath import small_data as sd


@pytest.fixture(scope="module")
def digits():
    return sd.load_digits()


@pytest.fixture(scope="module")
def full():
    return sd.cached_small_data()


def test_the_tiny_run_is_deterministic(digits):
    a = sd.run_experiment(sd.TINY, digits)
    b = sd.run_experiment(sd.TINY, digits)
    assert torch.equal(a.accuracy, b.accuracy)
    assert a.accuracy.shape == (len(sd.MODELS), len(sd.TINY.sizes), len(sd.TINY.seeds))
    assert (a.config, a.params, a.data_digest) == (b.config, b.params, b.data_digest)
    # and the global torch settings are left as they were
    assert not torch.are_deterministic_algorithms_enabled()


def test_the_parameter_counts_are_the_models(full):
    for name in sd.MODELS:
        model = sd.build_model(name)
        assert full.params[name] == sum(t.numel() for t in model.state_dict().values())
    # By hand from the layer shapes: conv weights k*k*in*out + out biases; the linear head 72*10 + 10.
    cnn = (9 * 1 * 16 + 16) + (9 * 16 * 32 + 32) + (9 * 32 * 72 + 72) + (72 * 10 + 10)
    D, T, hidden = 32, 16 + 1, 4 * 32
    block = 2 * 2 * D + (D * 3 * D + 3 * D) + (D * D + D) + (D * hidden + hidden) + (hidden * D + D)
    vit = (4 * D + D) + D + T * D + 2 * block + 2 * D + (D * 10 + 10)
    assert (full.params["CNN"], full.params["ViT"]) == (cnn, vit)
    # "of about the same size": within 5% of each other
    assert abs(cnn - vit) / max(cnn, vit) < 0.05


def test_the_split_is_fixed_disjoint_nested_and_balanced(digits):
    for seed in (0, 1):
        order, test = sd.split(digits.labels, seed)
        again, test_again = sd.split(digits.labels, seed)
        assert torch.equal(order, again) and torch.equal(test, test_again)
        assert len(test) == sd.TEST_SIZE and len(order) + len(test) == len(digits.labels)
        assert not set(order.tolist()) & set(test.tolist())
        for n in (50, 100, 200):
            counts = torch.bincount(digits.labels[order[:n]], minlength=sd.NUM_CLASSES)
            assert counts.tolist() == [n // sd.NUM_CLASSES] * sd.NUM_CLASSES
    assert not torch.equal(sd.split(digits.labels, 0)[1], sd.split(digits.labels, 1)[1])


def test_the_full_run_has_every_model_size_and_seed(full):
    assert full.config == sd._config_dict(sd.FULL)
    assert full.accuracy.shape == (len(sd.MODELS), len(sd.FULL.sizes), len(sd.FULL.seeds))
    assert ((full.accuracy >= 0) & (full.accuracy <= 1)).all()
    # better than chance (10 classes) everywhere: every run trained
    assert (full.accuracy > 0.2).all()


def words(name: str, choice, **values) -> str:
    """The script's words for the placeholder `name` when the scene gives `choice`, filled from `values`."""
    script = load_script(lesson_of(SmallVitLoses).narration_file)
    one = dataclasses.replace(script, cues=[Cue("one", "{" + name + "}")])
    return one.fill({**values, name: choice}).cues[0].text


def test_the_spoken_values_are_the_cached_results(full, digits):
    from scenes.p3_01_small_vit_loses.scene import every_size, points, spread, trend

    fake = SimpleNamespace()
    values = SmallVitLoses.extra_values(fake)
    acc = full.accuracy  # (models, sizes, seeds)
    cnn, vit = sd.MODELS.index("CNN"), sd.MODELS.index("ViT")
    small, large = 0, len(full.sizes) - 1
    assert values["cnn_small"] == num.percent(acc[cnn, small].mean().item(), 1)
    spoken = {c.id: c.text for c in load_script(lesson_of(SmallVitLoses).narration_file).fill(values).cues}
    assert values["cnn_small"].spoken in spoken["result"] and values["vit_small"].spoken in spoken["result"]
    largest_gap_first = max(gaps := (acc[cnn].mean(-1) - acc[vit].mean(-1)).tolist()) == gaps[0] > 0
    assert (values["closing"].key == "scarcest") == largest_gap_first
    assert values["vit_small"] == num.percent(acc[vit, small].mean().item(), 1)
    assert values["cnn_params"].value == full.params["CNN"] and values["vit_params"].value == full.params["ViT"]
    assert values["num_digits"].value == len(digits.labels) == 1797
    assert values["test_size"].value == 1797 - max(full.sizes)
    assert values["smallest_per_class"] == full.sizes[0] // 10
    assert values["runs_per_point"] == len(full.seeds) and values["total_runs"] == acc.numel()
    vit_model = sd.build_model("ViT")
    assert values["vit_dim"] == vit_model.norm.normalized_shape[0]
    assert values["vit_tokens"] == vit_model.pos.shape[1] - 1
    assert values["vit_depth"] == len(vit_model.blocks)
    assert values["cnn_kernel"] == 3 and values["cnn_convs"] == 3
    # The choices say what the numbers show, and the script's words for them are in the cues.
    assert (values["every_size"].key in ("cnn_ahead", "vit_level")) == (all(g > 0 for g in gaps) or
                                                                         all(g <= 0 for g in gaps))
    assert values["every_size"] == every_size(full)
    shrinks = 0 < gaps[-1] < gaps[0]
    assert (values["trend"].key == "shrinks") == shrinks
    said = words("trend", values["trend"], **values)
    for g in (gaps[0], gaps[-1]):
        assert points(abs(g)).spoken in said
    assert said in spoken["gap"] and values["trend"] == trend(full)
    separated = acc[cnn, large].min() > acc[vit, large].max()
    assert (values["large_spread"].key == "cnn_best") == bool(separated)
    assert values["large_spread"] == spread(full, full.sizes[-1])


def test_the_choices_follow_the_numbers_either_way():
    """Hand-made results, so every key of the tables is reached, not only the one the run took."""
    from scenes.p3_01_small_vit_loses.scene import closing, every_size, spread, trend

    cfg = sd._config_dict(sd.ExperimentConfig(sizes=(50, 100), seeds=(0, 1)))

    def result(cnn, vit):  # (sizes, seeds) accuracies per model
        return sd.SmallDataResult(cfg, {"CNN": 1, "ViT": 1}, torch.tensor([cnn, vit]), "x")

    sizes = {"smallest": num.integer(50), "largest": num.integer(100)}
    flips = result([[0.6, 0.62], [0.70, 0.72]], [[0.5, 0.52], [0.80, 0.82]])
    assert words("every_size", every_size(flips)) == ("The CNN is ahead at 50 images, but not at 100, where the "
                                                      "ViT is level or ahead.")
    assert "the lead changes hands" in words("trend", trend(flips), **sizes)
    assert spread(flips, 100).key == "vit_best" and spread(flips, 50).key == "cnn_best"
    assert words("large_spread", spread(flips, 100), **sizes) == \
        "At 100 images, even the ViT's worst seed beats the CNN's best."
    assert closing(flips).key == "scarcest"
    steady = result([[0.6, 0.62], [0.70, 0.72]], [[0.55, 0.65], [0.65, 0.67]])
    assert every_size(steady).key == "cnn_ahead"
    assert "does not shrink" in words("trend", trend(steady), **sizes)
    assert "the seeds overlap" in words("small_spread", spread(steady, 50), **sizes)
    shrinking = result([[0.6, 0.62], [0.70, 0.72]], [[0.4, 0.42], [0.68, 0.70]])
    assert "the gap shrinks" in words("trend", trend(shrinking), **sizes)
    behind = result([[0.5, 0.52], [0.70, 0.72]], [[0.6, 0.62], [0.80, 0.82]])
    assert every_size(behind).key == "vit_level" and trend(behind).key == "vit_level"
    assert closing(behind).key == "never_behind"
    later = result([[0.6, 0.62], [0.80, 0.82]], [[0.55, 0.57], [0.60, 0.62]])
    assert words("closing", closing(later)) == "The ViT's handicap is largest at 100 images, not at the smallest set."


def test_the_cli_prints_the_table(tmp_path, monkeypatch):
    from render.cli import main

    monkeypatch.setenv("VITLESSONS_CACHE", str(tmp_path))
    out = CliRunner().invoke(main, ["experiment", "small-data", "--tiny"])
    assert out.exit_code == 0, out.output
    r = sd.cached_small_data(sd.TINY)  # from the cache the command just filled
    lines = out.output.splitlines()
    assert f"CNN {r.params['CNN']:,}" in out.output and f"ViT {r.params['ViT']:,}" in out.output
    for n in sd.TINY.sizes:
        row = next(line for line in lines if line.split() and line.split()[0] == str(n))
        for m in sd.MODELS:
            assert f"{100 * r.mean(m, n):5.1f} ±" in row
        assert row.rstrip().endswith(f"{100 * r.gap(n):+5.1f}")
    bad = CliRunner().invoke(main, ["experiment", "small-data", "--sizes", "5000"])
    assert bad.exit_code == 1 and "between 1 and 1000" in bad.output
