"""A small ViT against a small CNN, trained from scratch on a small dataset: scikit-learn's bundled digits.

The digits set is 1,797 greyscale 8x8 images of the digits 0-9 (bundled with scikit-learn, no download). Each
seed draws its own split of it: the last TEST_SIZE images of the seed's shuffle are the test set, and the
training sets are the first n images of the rest, class-balanced and nested (the 100 contain the 50). Both
models have about the same number of parameters and get the same recipe (optimiser, steps, batch, learning
rate schedule, no augmentation), so the one thing that differs is the architecture's built-in assumptions.

    result = cached_small_data()              # the lesson's run, from the cache after the first time
    result.mean("ViT", 50), result.spread("CNN", 1000)

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
TEST_SIZE = 797  # 1,797 - 1,000: the largest training set leaves this many images for the test set


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that shapes the numbers; it is part of the cache key."""
    sizes: tuple = (50, 100, 200, 500, 1000)   # training-set sizes
    seeds: tuple = (0, 1, 2)                   # each seed: its own data split and initialisation
    steps: int = 600                           # optimiser steps per run, the same at every size
    batch: int = 64                            # images per step (all of them when the set is smaller)
    lr: float = 2e-3                           # AdamW peak learning rate, cosine decay to 0
    weight_decay: float = 0.05
    test_size: int = TEST_SIZE


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


def split(labels: torch.Tensor, seed: int, test_size: int = TEST_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """(train order, test indices) for a seed. Train order lists the non-test images so that any prefix of it
    is as class-balanced as possible: a training set of size n is simply train_order[:n]."""
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    test, pool = perm[-test_size:], perm[:-test_size]
    # Rank of each pool image among the pool images of its class, in shuffle order; sorting by rank (stable)
    # deals the classes out round-robin: 0,1,...,9,0,1,... (each class in its shuffled order).
    rank = torch.zeros(len(pool), dtype=torch.int64)
    seen = torch.zeros(NUM_CLASSES, dtype=torch.int64)
    for i, y in enumerate(labels[pool].tolist()):
        rank[i], seen[y] = seen[y], seen[y] + 1
    order = pool[torch.sort(rank, stable=True).indices]
    return order, test


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


def train_and_test(name: str, data: Digits, train_idx, test_idx, seed: int, cfg: ExperimentConfig) -> float:
    """Train model `name` from scratch on data[train_idx]; its accuracy on data[test_idx] (0..1)."""
    torch.manual_seed(seed * 1000 + MODELS.index(name))     # same init for a (seed, model) at every size
    model = build_model(name)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / cfg.steps)))
    x, y = data.images[train_idx], data.labels[train_idx]
    batch = min(cfg.batch, len(train_idx))
    g = torch.Generator().manual_seed(seed)                 # the order the minibatches are drawn in
    model.train()
    for _ in range(cfg.steps):
        pick = torch.randperm(len(x), generator=g)[:batch]
        loss = F.cross_entropy(model(x[pick]), y[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        predicted = model(data.images[test_idx]).argmax(-1)
    return float((predicted == data.labels[test_idx]).float().mean())


@dataclass(eq=False)  # compare runs by their fields (a tensor has no single truth value)
class SmallDataResult:
    config: dict                 # ExperimentConfig as a dict
    params: dict                 # model name -> parameter count
    accuracy: torch.Tensor       # (len(MODELS), len(sizes), len(seeds)) test accuracy, 0..1
    data_digest: str
    seconds: float = 0.0         # wall time of the run that filled the cache (depends on the machine's load)
    cpu_seconds: float = 0.0     # CPU time of that run, on one thread: what the experiment costs

    @property
    def sizes(self) -> list[int]:
        return list(self.config["sizes"])

    @property
    def seeds(self) -> list[int]:
        return list(self.config["seeds"])

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


def run_experiment(cfg: ExperimentConfig = FULL, data: Digits | None = None, progress=None) -> SmallDataResult:
    """Train every (model, size, seed); `progress(done, total)` after each run (a progress bar)."""
    data = data or load_digits()
    _check(cfg, len(data.labels))
    acc = torch.zeros(len(MODELS), len(cfg.sizes), len(cfg.seeds))
    total, done = acc.numel(), 0
    start, start_cpu = time.perf_counter(), time.process_time()
    with _deterministic_single_thread():
        for k, seed in enumerate(cfg.seeds):
            order, test = split(data.labels, seed, cfg.test_size)
            for j, n in enumerate(cfg.sizes):
                for i, name in enumerate(MODELS):
                    acc[i, j, k] = train_and_test(name, data, order[:n], test, seed, cfg)
                    done += 1
                    if progress:
                        progress(done, total)
    return SmallDataResult(
        config=_config_dict(cfg),
        params={name: parameter_count(build_model(name)) for name in MODELS},
        accuracy=acc,
        data_digest=data.digest(),
        seconds=time.perf_counter() - start,
        cpu_seconds=time.process_time() - start_cpu,
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
    return d | {"sizes": list(cfg.sizes), "seeds": list(cfg.seeds)}


def _check(cfg: ExperimentConfig, total: int) -> None:
    if not cfg.sizes or not cfg.seeds:
        raise UserError("the small-data experiment needs at least one training-set size and one seed")
    if min(cfg.sizes) < 1 or max(cfg.sizes) > total - cfg.test_size:
        raise UserError(f"training-set sizes must be between 1 and {total - cfg.test_size} "
                        f"(the other {cfg.test_size} digits are the test set); got {list(cfg.sizes)}")
    if len(set(cfg.sizes)) != len(cfg.sizes) or len(set(cfg.seeds)) != len(cfg.seeds):
        raise UserError("training-set sizes and seeds must not repeat")


def format_table(result: SmallDataResult) -> str:
    """The result as text: one row per training-set size, test accuracy (%) per model as
    mean ± standard deviation over seeds, and the lowest-highest seed."""
    seeds = len(result.seeds)
    lines = [
        f"test accuracy (%) on {result.config['test_size']} held-out digits, "
        f"{seeds} seed{'s' if seeds > 1 else ''}: mean ± sd [min-max]",
        "params  " + "  ".join(f"{m} {result.params[m]:,}" for m in MODELS),
        f"{'train':>6}  " + "  ".join(f"{m:<24}" for m in MODELS) + "  CNN - ViT",
    ]
    for n in result.sizes:
        cells = [f"{100 * result.mean(m, n):5.1f} ± {100 * result.spread(m, n):4.1f} "
                 f"[{100 * result.low(m, n):.1f}-{100 * result.high(m, n):.1f}]" for m in MODELS]
        lines.append(f"{n:>6}  " + "  ".join(f"{c:<24}" for c in cells) + f"  {100 * result.gap(n):+5.1f}")
    lines.append(f"run time {result.cpu_seconds:.0f} s of CPU on one thread, {result.seconds:.0f} s wall "
                 "(the run that filled the cache)")
    return "\n".join(lines)
