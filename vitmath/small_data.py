"""A small ViT against a small CNN, trained from scratch on a small dataset: scikit-learn's bundled digits.

The digits set is 1,797 greyscale 8x8 images of the digits 0-9 (bundled with scikit-learn, no download). Each
seed draws its own split of it: the last HELD_OUT images of the seed's shuffle are held out of training (the
first VAL_SIZE of them a validation set, the other TEST_SIZE the test set), and the training sets are the
first n images of the rest, class-balanced and nested (the 100 contain the 50). Both models have about the
same number of parameters and get the same recipe (optimiser, steps, batch, a linear warm-up then cosine
decay, no augmentation). The one thing tuned is the peak learning rate, per model and training-set size: each
rate of `lrs` is tried on the sweep seed and the one with the best validation accuracy is kept; test accuracy
plays no part in the choice. "The same recipe" is therefore tuned for each model only this far.

    result = cached_small_data()              # the lesson's run, from the cache after the first time
    result.mean("ViT", 50), result.spread("CNN", 1000), result.lr("ViT", 50)

Everything is deterministic for a seed: torch's generator is seeded per (seed, model), deterministic
algorithms are switched on and the run uses one thread (which also keeps it polite on a shared machine).
"""
from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from vitmath.errors import UserError

MODELS = ("CNN", "ViT")
NUM_CLASSES = 10
HELD_OUT = 797  # 1,797 - 1,000: the largest training set leaves this many images out of training
VAL_SIZE = 197  # of the held-out images: the validation set the learning rate is chosen on ...
TEST_SIZE = HELD_OUT - VAL_SIZE  # ... and the rest, the test set the lesson reports


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that shapes the numbers; it is part of the cache key."""
    sizes: tuple = (50, 100, 200, 500, 1000)   # training-set sizes
    seeds: tuple = (0, 1, 2)                   # each seed: its own data split and initialisation
    lrs: tuple = (1e-3, 4e-3)                  # AdamW peak learning rates tried per model and size
    sweep_seed: int = 0                        # the learning rate is chosen on this seed's validation set
    # Optimiser steps per run: `epochs` passes over the training set, at least `min_steps`, at most `steps`.
    # Measured on seed 0's validation set at each model's better rate: 400 steps score as well as 600 at 50 to
    # 200 images (within 2 points either way); at 500 and 1,000 the ViT needs the 600 (400 lose 0.5-2 points).
    epochs: int = 80
    min_steps: int = 400
    steps: int = 600
    warmup: float = 0.1                        # the first tenth of the steps: a linear warm-up
    batch: int = 64                            # images per step (all of them when the set is smaller)
    weight_decay: float = 0.05
    test_size: int = TEST_SIZE
    val_size: int = VAL_SIZE


FULL = ExperimentConfig()
TINY = ExperimentConfig(sizes=(50, 200), seeds=(0,), steps=80)  # for tests: a few seconds


# ---------------------------------------------------------------------------------------------- the models
class SmallCNN(nn.Module):
    """Three 3x3 convolutions and a pooling step: locality and weight sharing are built in."""

    def __init__(self, widths=(16, 32, 72)):
        super().__init__()
        a, b, c = widths
        self.features = nn.Sequential(
            nn.Conv2d(1, a, 3, padding=1), nn.ReLU(),
            nn.Conv2d(a, b, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),                            # 8x8 -> 4x4
            nn.Conv2d(b, c, 3, padding=1), nn.ReLU(),
        )
        self.head = nn.Linear(c, NUM_CLASSES)

    def forward(self, x):                               # x: (B, 1, 8, 8)
        f = self.features(x)                            # (B, c, 4, 4)
        return self.head(f.mean(dim=(2, 3)))            # global average pool -> (B, 10)


class Block(nn.Module):
    """A pre-norm transformer block: multi-head self-attention, then an MLP, each added to the stream."""

    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x):                               # x: (B, T, D)
        B, T, D = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(B, T, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1) / math.sqrt(D // self.heads)).softmax(-1)   # (B, H, T, T)
        x = x + self.proj((attn @ v).transpose(1, 2).reshape(B, T, D))
        return x + self.mlp(self.norm2(x))


class SmallViT(nn.Module):
    """2x2 patches (a 4x4 grid of 16 tokens), a CLS token, learned positions, a few blocks: no locality built in
    beyond the patch itself; which patches matter to which must be learned from the data."""

    def __init__(self, patch=2, dim=32, depth=2, heads=4, mlp_ratio=4):
        super().__init__()
        grid = 8 // patch
        self.patch_embed = nn.Conv2d(1, dim, patch, stride=patch)   # one linear map per patch
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):                               # x: (B, 1, 8, 8)
        t = self.patch_embed(x).flatten(2).transpose(1, 2)          # (B, 16, D) in raster order
        t = torch.cat([self.cls.expand(len(t), -1, -1), t], dim=1) + self.pos   # (B, 17, D)
        return self.head(self.norm(self.blocks(t))[:, 0])          # the CLS token -> (B, 10)


def build_model(name: str) -> nn.Module:
    return {"CNN": SmallCNN, "ViT": SmallViT}[name]()


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------- the data
@dataclass
class Digits:
    images: torch.Tensor    # (1797, 1, 8, 8) float in [0, 1]
    labels: torch.Tensor    # (1797,) int64

    def digest(self) -> str:
        h = hashlib.sha256(self.images.numpy().tobytes())
        h.update(self.labels.numpy().tobytes())
        return h.hexdigest()


def load_digits() -> Digits:
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise UserError("the small-data experiment needs scikit-learn: pip install scikit-learn") from None
    d = sk_load_digits()
    images = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0   # pixel values are 0..16
    return Digits(images, torch.tensor(d.target, dtype=torch.int64))


def split(labels: torch.Tensor, seed: int, test_size: int = TEST_SIZE,
          val_size: int = VAL_SIZE) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train order, validation indices, test indices) for a seed. The last test_size + val_size images of the
    seed's shuffle are held out of training: the first val_size of them are the validation set, the rest the
    test set. Train order lists the other images so that any prefix of it is as class-balanced as possible: a
    training set of size n is simply train_order[:n]."""
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    held = test_size + val_size
    val, test, pool = perm[-held:][:val_size], perm[-held:][val_size:], perm[:-held]
    # Rank of each pool image among the pool images of its class, in shuffle order; sorting by rank (stable)
    # deals the classes out round-robin: 0,1,...,9,0,1,... (each class in its shuffled order).
    rank = torch.zeros(len(pool), dtype=torch.int64)
    seen = torch.zeros(NUM_CLASSES, dtype=torch.int64)
    for i, y in enumerate(labels[pool].tolist()):
        rank[i], seen[y] = seen[y], seen[y] + 1
    order = pool[torch.sort(rank, stable=True).indices]
    return order, val, test


# ---------------------------------------------------------------------------------------------- training
@contextmanager
def _deterministic_single_thread():
    threads, was_deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(was_deterministic)


def steps_for(n: int, cfg: ExperimentConfig) -> int:
    """Optimiser steps for a training set of n images: `epochs` passes over it, at least `min_steps` (a tiny
    set still needs that many updates to fit) and at most `steps`."""
    batch = min(cfg.batch, n)
    return min(cfg.steps, max(cfg.min_steps, round(cfg.epochs * n / batch)))


def schedule(step: int, steps: int, warmup: int) -> float:
    """The learning rate's multiplier at `step`: a linear warm-up over `warmup` steps, then cosine decay to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def warmup_for(steps: int, cfg: ExperimentConfig) -> int:
    """How many of a run's `steps` are warm-up steps."""
    return max(1, round(cfg.warmup * steps))


def train(name: str, data: Digits, train_idx, seed: int, lr: float, cfg: ExperimentConfig) -> nn.Module:
    """Model `name` trained from scratch on data[train_idx] at peak learning rate `lr`."""
    torch.manual_seed(seed * 1000 + MODELS.index(name))     # same init for a (seed, model) at every size
    model = build_model(name)
    steps = steps_for(len(train_idx), cfg)
    warmup = warmup_for(steps, cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule(s, steps, warmup))
    x, y = data.images[train_idx], data.labels[train_idx]
    batch = min(cfg.batch, len(train_idx))
    g = torch.Generator().manual_seed(seed)                 # the order the minibatches are drawn in
    model.train()
    for _ in range(steps):
        pick = torch.randperm(len(x), generator=g)[:batch]
        loss = F.cross_entropy(model(x[pick]), y[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


def accuracy(model: nn.Module, data: Digits, idx) -> float:
    """The share (0..1) of data[idx] the model classifies correctly."""
    with torch.no_grad():
        return float((model(data.images[idx]).argmax(-1) == data.labels[idx]).float().mean())


@dataclass(eq=False)  # compare runs by their fields (a tensor has no single truth value)
class SmallDataResult:
    config: dict                 # ExperimentConfig as a dict
    params: dict                 # model name -> parameter count
    accuracy: torch.Tensor       # (len(MODELS), len(sizes), len(seeds)) test accuracy, 0..1, at the chosen rate
    data_digest: str
    seconds: float = 0.0         # wall time of the run that filled the cache (depends on the machine's load)
    cpu_seconds: float = 0.0     # CPU time of that run, on one thread: what the experiment costs
    # The sweep, on the sweep seed: validation accuracy for every learning rate, and the one chosen.
    val_accuracy: torch.Tensor | None = None   # (len(MODELS), len(sizes), len(lrs)), 0..1
    chosen: torch.Tensor | None = None         # (len(MODELS), len(sizes)) index into lrs

    @property
    def sizes(self) -> list[int]:
        return list(self.config["sizes"])

    @property
    def seeds(self) -> list[int]:
        return list(self.config["seeds"])

    @property
    def lrs(self) -> list[float]:
        return list(self.config["lrs"])

    def runs(self, model: str, size: int) -> torch.Tensor:
        """(seeds,) test accuracies of one model at one training-set size."""
        return self.accuracy[MODELS.index(model), self.sizes.index(size)]

    def mean(self, model: str, size: int) -> float:
        return float(self.runs(model, size).mean())

    def low(self, model: str, size: int) -> float:
        return float(self.runs(model, size).min())

    def high(self, model: str, size: int) -> float:
        return float(self.runs(model, size).max())

    def spread(self, model: str, size: int) -> float:
        """Standard deviation over seeds (0 for a single seed)."""
        r = self.runs(model, size)
        return float(r.std()) if len(r) > 1 else 0.0

    def gap(self, size: int) -> float:
        """CNN mean minus ViT mean: positive where the ViT loses."""
        return self.mean("CNN", size) - self.mean("ViT", size)

    def lr(self, model: str, size: int) -> float:
        """The learning rate the sweep chose for one model at one training-set size."""
        return self.lrs[int(self.chosen[MODELS.index(model), self.sizes.index(size)])]

    def steps(self, size: int) -> int:
        """Optimiser steps of every run at this training-set size (the same for both models)."""
        return steps_for(size, config_of(self))

    @property
    def runs_done(self) -> int:
        """Training runs in all: the sweep's, and one per model, size and other seed."""
        others = len(self.seeds) - (self.config["sweep_seed"] in self.seeds)
        return len(MODELS) * len(self.sizes) * (len(self.lrs) + others)


def config_of(result: SmallDataResult) -> ExperimentConfig:
    """The ExperimentConfig a result was run with."""
    return ExperimentConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in result.config.items()})


def run_experiment(cfg: ExperimentConfig = FULL, data: Digits | None = None, progress=None) -> SmallDataResult:
    """Train every (model, size, seed); `progress(done, total)` after each run (a progress bar).

    First the sweep: on the sweep seed's split, each model is trained at every size with every rate in
    cfg.lrs, and the rate with the best validation accuracy is kept (a tie goes to the earlier rate). That
    run's test accuracy is the sweep seed's result; the other seeds train once, at the chosen rate. Test
    accuracy plays no part in the choice."""
    data = data or load_digits()
    _check(cfg, len(data.labels))
    acc = torch.zeros(len(MODELS), len(cfg.sizes), len(cfg.seeds))
    val = torch.zeros(len(MODELS), len(cfg.sizes), len(cfg.lrs))
    chosen = torch.zeros(len(MODELS), len(cfg.sizes), dtype=torch.int64)
    total = len(MODELS) * len(cfg.sizes) * (len(cfg.lrs) + len(cfg.seeds) - (cfg.sweep_seed in cfg.seeds))
    # (the same count as SmallDataResult.runs_done)
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    start, start_cpu = time.perf_counter(), time.process_time()
    with _deterministic_single_thread():
        order, val_idx, test = split(data.labels, cfg.sweep_seed, cfg.test_size, cfg.val_size)
        sweep_test = torch.zeros_like(val)
        for j, n in enumerate(cfg.sizes):
            for i, name in enumerate(MODELS):
                for l, lr in enumerate(cfg.lrs):
                    model = train(name, data, order[:n], cfg.sweep_seed, lr, cfg)
                    val[i, j, l], sweep_test[i, j, l] = accuracy(model, data, val_idx), accuracy(model, data, test)
                    tick()
                chosen[i, j] = int(torch.argmax(val[i, j]))   # argmax returns the first of equal maxima
        for k, seed in enumerate(cfg.seeds):
            if seed == cfg.sweep_seed:   # the chosen run of the sweep is this seed's run
                acc[:, :, k] = sweep_test.gather(2, chosen.unsqueeze(-1)).squeeze(-1)
                continue
            order, _, test = split(data.labels, seed, cfg.test_size, cfg.val_size)
            for j, n in enumerate(cfg.sizes):
                for i, name in enumerate(MODELS):
                    model = train(name, data, order[:n], seed, cfg.lrs[chosen[i, j]], cfg)
                    acc[i, j, k] = accuracy(model, data, test)
                    tick()
    return SmallDataResult(
        config=_config_dict(cfg),
        params={name: parameter_count(build_model(name)) for name in MODELS},
        accuracy=acc,
        data_digest=data.digest(),
        seconds=time.perf_counter() - start,
        cpu_seconds=time.process_time() - start_cpu,
        val_accuracy=val,
        chosen=chosen,
    )


def cached_small_data(cfg: ExperimentConfig = FULL, progress=None) -> SmallDataResult:
    """`run_experiment` from the cache; keyed by this file's code, the config and the data's bytes."""
    from vitmath.cache import cached

    data = load_digits()

    def compute():
        return run_experiment(cfg, data, progress)

    return cached("small_data", [_config_dict(cfg), data.digest()], compute)


def _config_dict(cfg: ExperimentConfig) -> dict:
    d = asdict(cfg)
    return d | {"sizes": list(cfg.sizes), "seeds": list(cfg.seeds), "lrs": list(cfg.lrs)}


def _check(cfg: ExperimentConfig, total: int) -> None:
    if not cfg.sizes or not cfg.seeds or not cfg.lrs:
        raise UserError("the small-data experiment needs at least one training-set size, seed and learning rate")
    most = total - cfg.test_size - cfg.val_size
    if min(cfg.sizes) < 1 or max(cfg.sizes) > most:
        raise UserError(f"training-set sizes must be between 1 and {most} (the other "
                        f"{cfg.test_size + cfg.val_size} digits are the validation and test sets); "
                        f"got {list(cfg.sizes)}")
    if len(set(cfg.sizes)) != len(cfg.sizes) or len(set(cfg.seeds)) != len(cfg.seeds):
        raise UserError("training-set sizes and seeds must not repeat")


def rate(lr: float) -> str:
    """A learning rate as the table writes it: 0.003."""
    return f"{lr:g}"


def format_table(result: SmallDataResult) -> str:
    """The result as text: one row per training-set size, its steps, test accuracy (%) per model as
    mean ± standard deviation over seeds with the lowest-highest seed, and the learning rate the sweep chose."""
    seeds, c = len(result.seeds), result.config
    lines = [
        f"test accuracy (%) on {c['test_size']} held-out digits, "
        f"{seeds} seed{'s' if seeds > 1 else ''}: mean ± sd [min-max]",
        f"learning rate chosen per model and size from {', '.join(rate(lr) for lr in result.lrs)} on "
        f"{c['val_size']} other held-out digits (validation, seed {c['sweep_seed']})",
        "params  " + "  ".join(f"{m} {result.params[m]:,}" for m in MODELS),
        f"{'train':>6} {'steps':>5}  " + "  ".join(f"{m:<31}" for m in MODELS) + "  CNN - ViT",
    ]
    for n in result.sizes:
        cells = [f"{100 * result.mean(m, n):5.1f} ± {100 * result.spread(m, n):4.1f} "
                 f"[{100 * result.low(m, n):.1f}-{100 * result.high(m, n):.1f}] lr {rate(result.lr(m, n))}"
                 for m in MODELS]
        lines.append(f"{n:>6} {result.steps(n):>5}  " + "  ".join(f"{x:<31}" for x in cells)
                     + f"  {100 * result.gap(n):+5.1f}")
    lines.append(f"run time {result.cpu_seconds:.0f} s of CPU on one thread, {result.seconds:.0f} s wall "
                 "(the run that filled the cache)")
    return "\n".join(lines)
