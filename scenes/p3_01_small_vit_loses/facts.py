"""The facts of the lesson "A small ViT loses to a small CNN on a small dataset".

Two sources, nothing typed in between:
- the experiment (vitmath/small_data.py, cached): both models trained from scratch on scikit-learn's digits,
  the peak learning rate chosen per model and size on a validation split, test accuracy per seed; the same
  cached result `vitlessons experiment small-data` prints;
- the two small models themselves, built fresh: their sizes, layers and the CNN's receptive field.

Where the words depend on how the run came out, a function here picks a key of the script's [choice.*]
tables by a stated rule (tests/test_lesson_p3_01.py reaches every key with made-up results).

The paper numbers are constants below, each with the table or figure it comes from; the screen cites it.
"""
from __future__ import annotations

from torch import nn

from narration.script import Choice
from scenes.common import numbers as num
from scenes.common.values import paper_values, spoken_list
from vitmath import papers
from vitmath import small_data as sd

# ViT paper Section 4.3 / Fig. 4: random JFT subsets of 9M, 30M and 90M images and the full JFT-300M. The paper
# says ResNet-50 is ahead of ViT-B/32 on 9M and behind on 90M and more; at 30M it states nothing, so no side.
FIG4_SUBSETS = ((9e6, "CNN"), (30e6, None), (90e6, "ViT"), (300e6, "ViT"))
# Fig. 3's caption: BiT ResNets ahead on ImageNet, "with the larger datasets, ViT overtakes".
FIG3_POINTS = tuple(zip(papers.PRETRAIN_IMAGES.values(), ("CNN", "ViT", "ViT")))

# The keys this lesson may choose among (a literal, read by `vitlessons list`); the words are the script's
# [choice.*] tables. The experiment does not depend on the photo or the model, so one run reaches one key of
# each: the others are for a rerun whose numbers come out otherwise.
CHOICES = {
    "run_time": ("seconds", "minutes"),
    "vit_small_said": ("behind", "level"),
    "small_spread": ("cnn_best", "vit_best", "overlap"),
    "large_spread": ("cnn_best", "vit_best", "overlap"),
    "every_size": ("cnn_ahead", "vit_level", "mixed"),
    "trend": ("flips", "vit_level", "shrinks", "holds"),
    "closing": ("never_behind", "scarcest", "elsewhere"),
    "cnn_rates": ("same", "split"),
    "vit_rates": ("same", "split"),
    "takeaway": ("cnn_won", "vit_kept_up"),
}


def points(x: float) -> num.Number:
    """An accuracy difference (0..1) in percentage points, one decimal."""
    s = f"{100 * x:.1f}"
    return num.Number(float(x), f"{s} pts", s, f"{s} points")


def rate(lr: float) -> num.Number:
    """A learning rate as written and said: 0.003."""
    s = f"{lr:g}"
    return num.Number(float(lr), s, s, s)


def every_size(r: sd.SmallDataResult) -> Choice:
    """Whether the CNN's mean is ahead at every size, from the means."""
    behind = [n for n in r.sizes if r.gap(n) <= 0]
    if not behind:
        return Choice("cnn_ahead")
    ahead = [n for n in r.sizes if r.gap(n) > 0]
    if not ahead:
        return Choice("vit_level")
    return Choice("mixed", ahead_sizes=spoken_list(f"{n:,}" for n in ahead),
                  behind_sizes=spoken_list(f"{n:,}" for n in behind))


def trend(r: sd.SmallDataResult) -> Choice:
    """How the gap between the means changes from the smallest to the largest training set."""
    g0, g1 = r.gap(r.sizes[0]), r.gap(r.sizes[-1])
    key = ("flips" if g0 > 0 and g1 <= 0 else "vit_level" if g0 <= 0 else "shrinks" if g1 < g0 else "holds")
    return Choice(key, gap_small=points(abs(g0)), gap_large=points(abs(g1)))


def spread(r: sd.SmallDataResult, n: int) -> Choice:
    """Do the seeds separate the two models at size n? Compare the worst CNN seed with the best ViT seed.
    (The lesson's run, sd.FULL, always has several seeds: its words speak of the worst and the best.)"""
    cnn_low, vit_high = r.low("CNN", n), r.high("ViT", n)
    if cnn_low > vit_high:
        return Choice("cnn_best")
    if r.high("CNN", n) < r.low("ViT", n):
        return Choice("vit_best")
    return Choice("overlap", vit_high=num.percent(vit_high, 1), cnn_low=num.percent(cnn_low, 1))


def vit_small_said(r: sd.SmallDataResult) -> Choice:
    """How the ViT's mean at the smallest size is introduced: "only" when it is behind the CNN's."""
    return Choice("behind" if r.gap(r.sizes[0]) > 0 else "level")


def closing(r: sd.SmallDataResult) -> Choice:
    """Where the ViT's handicap is largest: at the smallest size, or elsewhere."""
    gaps = [r.gap(n) for n in r.sizes]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    if gaps[worst] <= 0:
        return Choice("never_behind")
    return Choice("scarcest") if worst == 0 else Choice("elsewhere", worst_size=f"{r.sizes[worst]:,}")


def takeaway(r: sd.SmallDataResult) -> Choice:
    """Did the CNN win where data was scarcest (the smallest training set, on the means)?"""
    return Choice("cnn_won" if r.gap(r.sizes[0]) > 0 else "vit_kept_up")


def rates(r: sd.SmallDataResult, model: str) -> Choice:
    """The learning rates the sweep chose for one model, grouped by rate in the sweep's order: one rate at every
    size, or two, each with its sizes. More than two groups do not occur with the lesson's two rates."""
    groups = {}
    for n in r.sizes:
        groups.setdefault(r.lr(model, n), []).append(n)
    if len(groups) == 1:
        return Choice("same", rate=rate(next(iter(groups))))
    if len(groups) > 2:
        raise ValueError(f"the lesson's words cover two learning rates, not {len(groups)}")
    (a, a_sizes), (b, b_sizes) = sorted(groups.items(), key=lambda kv: r.lrs.index(kv[0]))
    return Choice("split", first_rate=rate(a), first_sizes=spoken_list(f"{n:,}" for n in a_sizes),
                  second_rate=rate(b), second_sizes=spoken_list(f"{n:,}" for n in b_sizes))


def run_time(cpu_seconds: float) -> Choice:
    """The run's CPU time, said in seconds under two minutes, else in minutes."""
    if cpu_seconds < 120:
        return Choice("seconds", run_seconds=f"{max(10, round(cpu_seconds / 10) * 10):.0f}")
    return Choice("minutes", run_minutes=f"{round(cpu_seconds / 60):.0f}")


def receptive_field(model: nn.Module) -> int:
    """The side, in input pixels, of the square one unit of the CNN's last feature map can see: each k x k layer
    widens it by (k - 1) times the stride so far, and a stride multiplies the step between units."""
    field, jump = 1, 1
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else m.stride[0]
            field, jump = field + (k - 1) * jump, jump * s
    return field


def model_facts() -> dict:
    """The two models' sizes, read from freshly built models (not typed)."""
    cnn, vit = sd.build_model("CNN"), sd.build_model("ViT")
    convs = [m for m in cnn.modules() if isinstance(m, nn.Conv2d)]
    patch = vit.patch_embed.kernel_size[0]
    return {
        "cnn": cnn, "vit": vit, "convs": convs,
        "cnn_kernel": convs[0].kernel_size[0],
        "cnn_field": receptive_field(cnn.features),
        "vit_patch": patch,
        "vit_tokens": (8 // patch) ** 2,
        "vit_dim": vit.cls.shape[-1],
        "vit_depth": len(vit.blocks),
        "vit_heads": vit.blocks[0].heads,
    }


def epochs(steps: int, n: int, batch: int) -> int:
    """Passes over a training set of n images in `steps` steps of min(batch, n) images, rounded."""
    return round(steps * min(batch, n) / n)


def values(r: sd.SmallDataResult, digits: sd.Digits, m: dict) -> dict:
    """Every placeholder the script fills, from the run, the data and the models."""
    small, large = r.sizes[0], r.sizes[-1]
    c = r.config
    steps_small, steps_large = r.steps(small), r.steps(large)
    return {
        "num_digits": num.integer(len(digits.labels)),
        "digit_side": digits.images.shape[-1],
        "held_out": num.integer(c["test_size"] + c["val_size"]),
        "test_size": num.integer(c["test_size"]),
        "val_size": num.integer(c["val_size"]),
        "pool": num.integer(len(digits.labels) - c["test_size"] - c["val_size"]),
        "sizes_spoken": spoken_list(f"{n:,}" for n in r.sizes),
        "smallest": num.integer(small),
        "largest": num.integer(large),
        "smallest_per_class": small // sd.NUM_CLASSES,
        "cnn_params": num.integer(r.params["CNN"]),
        "vit_params": num.integer(r.params["ViT"]),
        "cnn_kernel": m["cnn_kernel"],
        "cnn_convs": len(m["convs"]),
        "cnn_field": m["cnn_field"],
        "vit_patch": m["vit_patch"],
        "vit_tokens": m["vit_tokens"],
        "vit_dim": m["vit_dim"],
        "vit_depth": m["vit_depth"],
        "vit_heads": m["vit_heads"],
        "steps_small": num.integer(steps_small),
        "steps_large": num.integer(steps_large),
        "batch": c["batch"],
        "warmup_percent": num.percent(c["warmup"]),
        "epochs_small": num.integer(epochs(steps_small, small, c["batch"])),
        "epochs_large": num.integer(epochs(steps_large, large, c["batch"])),
        "sweep_seed": c["sweep_seed"],
        "lr_count": len(r.lrs),
        "lrs_spoken": spoken_list(rate(lr).spoken for lr in r.lrs),
        "cnn_rates": rates(r, "CNN"),
        "vit_rates": rates(r, "ViT"),
        "runs_per_point": len(r.seeds),
        "total_runs": int(r.runs_done),
        "run_time": run_time(r.cpu_seconds),
        "cnn_small": num.percent(r.mean("CNN", small), 1),
        "vit_small": num.percent(r.mean("ViT", small), 1),
        "vit_small_said": vit_small_said(r),
        "small_spread": spread(r, small),
        "closing": closing(r),
        "every_size": every_size(r),
        "trend": trend(r),
        "large_spread": spread(r, large),
        "takeaway": takeaway(r),
        **paper_values(),
    }
