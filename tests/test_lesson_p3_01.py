"""The small-data lesson's experiment and numbers, checked independently.

- The experiment is deterministic for a seed: the tiny configuration, run twice, gives identical accuracies.
- The learning rate is chosen on the validation set alone, and each reported accuracy is a run at the chosen
  rate: a few runs retrained here from scratch give the cached numbers bit for bit.
- The schedule is a linear warm-up, then a cosine decay to zero.
- The parameter counts the lesson states are the models' own (counted here from their state dicts and from
  the layer shapes by hand).
- The split is what the lesson says: a fixed test set per seed, disjoint from nested, class-balanced training sets.
- The spoken numbers are the cached run's, recomputed here from its accuracy tensor.
- `vitlessons experiment small-data --tiny` prints that table.

Cost: the full run (a 2-rate sweep on one seed, then 2 more seeds: 40 runs) happens once per cache folder,
about 110 s of CPU on one thread; this test and the lesson's smoke test both read it from the cache (`cached_small_data`
is keyed by the code, the config and the data), so whichever runs first pays for it and the other reads it.
"""
from __future__ import annotations

import dataclasses
from functools import cache

import pytest
import torch
from click.testing import CliRunner

from narration.script import Cue, load_script
from scenes.common import numbers as num
from scenes.course import lesson_of
from scenes.p3_01_small_vit_loses import facts as F
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
    assert torch.equal(a.val_accuracy, b.val_accuracy) and torch.equal(a.chosen, b.chosen)
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
        order, val, test = sd.split(digits.labels, seed)
        again, val_again, test_again = sd.split(digits.labels, seed)
        assert torch.equal(order, again) and torch.equal(val, val_again) and torch.equal(test, test_again)
        assert (len(val), len(test)) == (sd.VAL_SIZE, sd.TEST_SIZE)
        assert len(order) + len(val) + len(test) == len(digits.labels)
        # every image in exactly one of training pool, validation and test
        assert len(set(order.tolist()) | set(val.tolist()) | set(test.tolist())) == len(digits.labels)
        for n in (50, 100, 200):
            counts = torch.bincount(digits.labels[order[:n]], minlength=sd.NUM_CLASSES)
            assert counts.tolist() == [n // sd.NUM_CLASSES] * sd.NUM_CLASSES
    assert not torch.equal(sd.split(digits.labels, 0)[2], sd.split(digits.labels, 1)[2])


def test_the_schedule_warms_up_then_decays_to_zero():
    steps, warm = 400, sd.warmup_for(400, sd.FULL)
    lr = [sd.schedule(s, steps, warm) for s in range(steps)]
    assert warm == 40
    assert all(b > a for a, b in zip(lr[:warm], lr[1:warm]))          # rising through the warm-up ...
    assert lr[warm - 1] == 1.0 and lr[warm] == 1.0                     # ... to the peak ...
    assert all(b < a for a, b in zip(lr[warm:], lr[warm + 1:]))        # ... then falling ...
    assert lr[-1] < 1e-3 and abs(lr[warm + (steps - warm) // 2] - 0.5) < 1e-9   # ... half way at the middle


def test_the_full_run_has_every_model_size_and_seed(full):
    assert full.config == sd._config_dict(sd.FULL)
    assert full.accuracy.shape == (len(sd.MODELS), len(sd.FULL.sizes), len(sd.FULL.seeds))
    assert full.val_accuracy.shape == (len(sd.MODELS), len(sd.FULL.sizes), len(sd.FULL.lrs))
    assert ((full.accuracy >= 0) & (full.accuracy <= 1)).all()
    # better than chance (10 classes) everywhere: every run trained
    assert (full.accuracy > 0.2).all()
    # the kept rate is the best on validation, the first of equals
    for i in range(len(sd.MODELS)):
        for j in range(len(full.sizes)):
            v = full.val_accuracy[i, j].tolist()
            assert int(full.chosen[i, j]) == v.index(max(v))
    assert full.runs_done == len(sd.MODELS) * len(full.sizes) * (len(full.lrs) + len(full.seeds) - 1) == 40


def test_the_reported_runs_are_the_chosen_rates_retrained(full, digits):
    """Retrain here: the CNN at the smallest size on the sweep seed at both rates (their validation accuracy
    is the cached one; the better one's test accuracy is the reported one), and at the chosen rate on seed 1."""
    n, i, cfg = full.sizes[0], sd.MODELS.index("CNN"), sd.config_of(full)
    with sd._deterministic_single_thread():
        order, val, test = sd.split(digits.labels, cfg.sweep_seed, cfg.test_size, cfg.val_size)
        models = [sd.train("CNN", digits, order[:n], cfg.sweep_seed, lr, cfg) for lr in full.lrs]
        vals = [sd.accuracy(m, digits, val) for m in models]
        assert vals == pytest.approx(full.val_accuracy[i, 0].tolist(), abs=1e-7)
        best = vals.index(max(vals))
        assert full.lr("CNN", n) == full.lrs[best]
        assert sd.accuracy(models[best], digits, test) == pytest.approx(float(full.accuracy[i, 0, 0]), abs=1e-7)
        order1, _, test1 = sd.split(digits.labels, 1, cfg.test_size, cfg.val_size)
        again = sd.train("CNN", digits, order1[:n], 1, full.lrs[best], cfg)
        assert sd.accuracy(again, digits, test1) == pytest.approx(float(full.accuracy[i, 0, 1]), abs=1e-7)


def words(name: str, choice, **values) -> str:
    """The script's words for the placeholder `name` when the scene gives `choice`, filled from `values`."""
    script = load_script(lesson_of(SmallVitLoses).narration_file)
    one = dataclasses.replace(script, cues=[Cue("one", "{" + name + "}")])
    return one.fill({**values, name: choice}).cues[0].text


def test_the_spoken_values_are_the_cached_results(full, digits):
    from scenes.p3_01_small_vit_loses.facts import every_size, points, spread, trend

    values = F.values(full, digits, F.model_facts())
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
    assert values["test_size"].value + values["val_size"].value == 1797 - max(full.sizes)
    assert values["smallest_per_class"] == full.sizes[0] // 10
    assert values["runs_per_point"] == len(full.seeds) and values["total_runs"] == 40
    # epochs: steps times images per step over the set's size
    assert values["epochs_small"].value == round(full.steps(50) * 50 / 50) == 400
    assert values["epochs_large"].value == round(full.steps(1000) * 64 / 1000) == 38
    # the CNN's last unit sees 10 x 10 pixels: 3, then 5 after the second conv, 6 after the pool, 6 + 2 * 2
    assert values["cnn_field"] == 10
    # the rates said are the cached choices, grouped by rate
    for model, key in (("CNN", "cnn_rates"), ("ViT", "vit_rates")):
        chosen = {full.lr(model, n) for n in full.sizes}
        assert values[key].key == ("same" if len(chosen) == 1 else "split")
        said = words(key, values[key])
        for lr in chosen:
            assert f"{lr:g}" in said
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
    from scenes.p3_01_small_vit_loses.facts import closing, every_size, rates, spread, takeaway, trend

    cfg = sd._config_dict(sd.ExperimentConfig(sizes=(50, 100), seeds=(0, 1)))

    def result(cnn, vit, chosen=((0, 0), (0, 1))):  # (sizes, seeds) accuracies per model; rate per size
        return sd.SmallDataResult(cfg, {"CNN": 1, "ViT": 1}, torch.tensor([cnn, vit]), "x",
                                  chosen=torch.tensor(chosen))

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
    assert takeaway(later).key == "cnn_won" and takeaway(behind).key == "vit_kept_up"
    assert words("cnn_rates", rates(later, "CNN")) == "The CNN kept 0.001 at every size."
    assert words("vit_rates", rates(later, "ViT")) == "The ViT kept 0.001 at 50 images, and 0.004 at 100."
    # every key of every table is reachable, and the scene declares them all
    load_script(lesson_of(SmallVitLoses).narration_file).check_choices(F.CHOICES)


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


# ---------------------------------------------------------------------------------------------- choice witnesses
# Lesson p3-01's choice keys over hand-made experiment results: the cached run reaches one key of each
# table; `facts.values` over made-up runs, one per outcome, reaches the others (and tells
# tests/test_choices_reachable.py so, through `choice_witnesses`).
SIZES = (50, 100)
CONFIG = sd._config_dict(sd.ExperimentConfig(sizes=SIZES, seeds=(0, 1)))


def result(cnn, vit, chosen=((0, 0), (0, 1)), cpu_seconds: float = 100.0) -> sd.SmallDataResult:
    """A made-up run: per model, test accuracy as (sizes, seeds); per model and size, the kept rate's index."""
    return sd.SmallDataResult(CONFIG, {"CNN": 1, "ViT": 1}, torch.tensor([cnn, vit]), "made up",
                              cpu_seconds=cpu_seconds, chosen=torch.tensor(chosen))


# Each made-up run, and the key of every choice it should pick (all ten tables, so each run is checked whole).
RUNS = {
    # The CNN leads at 50 images, the ViT at 100, the seeds apart at both sizes; the ViT changes its rate.
    "flips": (result([[0.60, 0.62], [0.70, 0.72]], [[0.50, 0.52], [0.80, 0.82]], cpu_seconds=110.0),
              {"run_time": "seconds", "vit_small_said": "behind", "small_spread": "cnn_best",
               "large_spread": "vit_best", "every_size": "mixed", "trend": "flips", "closing": "scarcest",
               "cnn_rates": "same", "vit_rates": "split", "takeaway": "cnn_won"}),
    # The CNN ahead at both sizes, by more at 100 images; the seeds overlap at 50; the CNN changes its rate.
    "holds": (result([[0.60, 0.62], [0.70, 0.72]], [[0.55, 0.65], [0.65, 0.67]], chosen=((0, 1), (1, 1)),
                     cpu_seconds=300.0),
              {"run_time": "minutes", "vit_small_said": "behind", "small_spread": "overlap",
               "large_spread": "cnn_best", "every_size": "cnn_ahead", "trend": "holds", "closing": "elsewhere",
               "cnn_rates": "split", "vit_rates": "same", "takeaway": "cnn_won"}),
    # The CNN ahead at both sizes, by much less at 100 images, where the seeds overlap.
    "shrinks": (result([[0.60, 0.62], [0.70, 0.72]], [[0.40, 0.42], [0.66, 0.72]]),
                {"run_time": "seconds", "vit_small_said": "behind", "small_spread": "cnn_best",
                 "large_spread": "overlap", "every_size": "cnn_ahead", "trend": "shrinks", "closing": "scarcest",
                 "cnn_rates": "same", "vit_rates": "split", "takeaway": "cnn_won"}),
    # The ViT ahead at every size, every seed.
    "vit_ahead": (result([[0.50, 0.52], [0.70, 0.72]], [[0.60, 0.62], [0.80, 0.82]]),
                  {"run_time": "seconds", "vit_small_said": "level", "small_spread": "vit_best",
                   "large_spread": "vit_best", "every_size": "vit_level", "trend": "vit_level",
                   "closing": "never_behind", "cnn_rates": "same", "vit_rates": "split", "takeaway": "vit_kept_up"}),
}


@cache
def _data_and_models():
    """The real digits and models: `values` reads their sizes, never the made-up accuracies' origin."""
    return sd.load_digits(), F.model_facts()


def picks(r: sd.SmallDataResult) -> dict[str, str]:
    """The key the lesson's values give each of its choices, for this run."""
    digits, models = _data_and_models()
    values = F.values(r, digits, models)
    return {name: values[name].key for name in F.CHOICES}


def choice_witnesses() -> set[tuple[str, str]]:
    return {pair for r, _ in RUNS.values() for pair in picks(r).items()}


def test_each_made_up_run_picks_its_keys():
    for name, (r, expected) in RUNS.items():
        assert picks(r) == expected, name


def test_the_picks_are_the_key_functions():
    """`values` fills each choice from the function that states its rule."""
    r = RUNS["holds"][0]
    assert picks(r)["small_spread"] == F.spread(r, SIZES[0]).key
    assert picks(r)["large_spread"] == F.spread(r, SIZES[-1]).key
    assert picks(r)["vit_small_said"] == F.vit_small_said(r).key
    assert picks(r)["run_time"] == F.run_time(r.cpu_seconds).key


def test_the_edges_of_the_rules():
    """Level means not behind: a gap of exactly zero says "level"; two minutes of CPU are said in minutes."""
    tied = result([[0.5, 0.5], [0.7, 0.7]], [[0.5, 0.5], [0.7, 0.7]])
    assert F.vit_small_said(tied).key == "level" and F.takeaway(tied).key == "vit_kept_up"
    assert F.closing(tied).key == "never_behind" and F.every_size(tied).key == "vit_level"
    assert F.run_time(119.0).key == "seconds" and F.run_time(120.0).key == "minutes"
    assert F.run_time(119.0).extra["run_seconds"] == "120" and F.run_time(180.0).extra["run_minutes"] == "3"


def test_every_declared_key_has_a_witness():
    declared = {(name, key) for name, keys in F.CHOICES.items() for key in keys}
    assert choice_witnesses() == declared
