"""What lesson p3-03 reads off timm's Swin-T, ConvNeXt-T and ResNet-50 beyond vitmath.backbones: which way the
measured latencies went (choice keys for the script), each model's time as a ratio to the fastest within a
round of the interleaved timing, the windowed attention's share of the global scores, and a check of what its
script states outright.

The script says, for instance, that ConvNeXt-T's stem patchifies "exactly like Swin" and that the four
backbones are "one weight class". Those hold for these fixed architectures, so they are words in the script,
not choices; `check_claims` stops the render with the claim that no longer holds if a model ever changes.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from vitmath.backbones import ArchitectureFacts, BackboneRow, BackboneTable
from vitmath.errors import UserError

CHOICES = {
    "latency_fastest": ("fewest_macs", "not_fewest_macs"),
    "latency_slowest": ("most_macs", "not_most_macs"),
    "load": ("quiet", "busy"),
}
# The timing thread had the processor at least this share of the wall time: the machine counts as quiet.
QUIET_SHARE = 0.9


@dataclass(frozen=True)
class LatencyFacts:
    fewest: BackboneRow     # fewest MACs
    most: BackboneRow       # most MACs
    fastest: BackboneRow    # lowest median CPU latency
    slowest: BackboneRow
    macs_spread: float      # percent: most / fewest MACs - 1
    time_spread: float      # percent: slowest / fastest time ratio - 1
    # Each model's time over the fastest one's, the median over rounds of the ratio within a round (the four
    # took turns, so other work on the machine slows a whole round alike): by wall time, and by the timing
    # thread's CPU time, in the rows' order.
    time_ratio: tuple
    cpu_ratio: tuple
    cpu_share: float        # of the wall time, the share the timing thread had the processor

    @property
    def fastest_key(self) -> str:
        return "fewest_macs" if self.fastest is self.fewest else "not_fewest_macs"

    @property
    def slowest_key(self) -> str:
        return "most_macs" if self.slowest is self.most else "not_most_macs"

    @property
    def load_key(self) -> str:
        return "quiet" if self.cpu_share >= QUIET_SHARE else "busy"

    @property
    def ratio_shift(self) -> float:
        """How far the ratios move when counted in CPU time instead of wall time: the largest difference."""
        return max(abs(a - b) for a, b in zip(self.time_ratio, self.cpu_ratio))


def round_ratio(runs: list[float], reference: list[float]) -> float:
    """The median over rounds of runs[k] / reference[k]: both timed in the same round k."""
    return statistics.median(a / b for a, b in zip(runs, reference))


def latency_facts(rows: list[BackboneRow], cpu_share: float = 1.0) -> LatencyFacts:
    fewest, most = min(rows, key=lambda r: r.macs), max(rows, key=lambda r: r.macs)
    # The fastest by its time against one common reference, round by round (not by the lowest median of
    # milliseconds, which a burst of load in one model's turns could decide).
    fastest = min(rows, key=lambda r: round_ratio(r.latency_runs_ms, rows[0].latency_runs_ms))
    time_ratio = tuple(round_ratio(r.latency_runs_ms, fastest.latency_runs_ms) for r in rows)
    cpu_ratio = tuple(round_ratio(r.cpu_runs_ms, fastest.cpu_runs_ms) for r in rows)
    slowest = rows[max(range(len(rows)), key=lambda k: time_ratio[k])]
    return LatencyFacts(fewest, most, fastest, slowest, 100 * (most.macs / fewest.macs - 1),
                        100 * (max(time_ratio) - 1), time_ratio, cpu_ratio, cpu_share)


@dataclass(frozen=True)
class WindowFacts:
    """Stage 1 of Swin-T: the scores of one head, global against windowed."""
    tokens: int             # tokens in the stage-1 map (56 x 56)
    window_tokens: int      # tokens per window (7 x 7)
    windows: int            # windows in the map (8 x 8)
    global_scores: int      # tokens^2
    window_scores: int      # windows x window_tokens^2 = tokens x window_tokens

    @property
    def fewer(self) -> int:
        return self.global_scores // self.window_scores


def window_facts(stage) -> WindowFacts:
    n, w = stage.tokens ** 2, stage.window ** 2
    windows = stage.windows_per_side ** 2
    return WindowFacts(n, w, windows, n * n, windows * w * w)


def ratios(depths: list[int]) -> list[float]:
    """Stage depths relative to the shortest stage: [2, 2, 6, 2] -> [1, 1, 3, 1]."""
    return [d / min(depths) for d in depths]


def check_claims(arch: ArchitectureFacts, table: BackboneTable) -> None:
    """Each sentence the script states as a fact of these models, tested on the models themselves."""
    sw, cn, rn = arch.swin, arch.convnext, arch.resnet
    last = sw.stages[-1]
    swin_row, cn_row = table.row("Swin-T"), table.row("ConvNeXt-T")
    p = [r.params for r in table.rows]
    m = [r.macs for r in table.rows]
    claims = {
        "Swin-T's last stage is one window over the whole image":
            last.windows_per_side == 1 and last.window_pixels >= sw.image_size,
        "ConvNeXt-T's stem patchifies exactly like Swin-T": cn.stem_kernel == cn.stem_stride == sw.patch,
        "ConvNeXt-T has fewer norms and activations per block than ResNet-50":
            cn.norms_per_block < rn.norms_per_block and cn.acts_per_block < rn.acts_per_block,
        "ConvNeXt-T's stage depths and widths are Swin-T's":
            ratios([s.depth for s in sw.stages]) == ratios(cn.depths) and cn.widths == [s.width for s in sw.stages],
        "the four backbones are one weight class": max(m) / min(m) < 1.25 and max(p) / min(p) < 1.5,
        "Swin-T and ConvNeXt-T have about the same size and compute":
            abs(swin_row.params / cn_row.params - 1) < 0.1 and abs(swin_row.macs / cn_row.macs - 1) < 0.1,
        "the latencies were timed on one thread": table.machine.threads == 1,
        "all four cited accuracies come from one kind of recipe": len({r.epochs for r in table.rows}) == 1,
        "Swin-T's windows tile its stage-1 map exactly (so the score matrix is block-diagonal)":
            sw.stages[0].tokens % sw.stages[0].window == 0,
    }
    wrong = [claim for claim, holds in claims.items() if not holds]
    if wrong:
        raise UserError(f"lesson p3-03's script says {'; '.join(wrong)}, which the models no longer show: "
                        "edit scenes/p3_03_swin_and_convnext/script.toml")
