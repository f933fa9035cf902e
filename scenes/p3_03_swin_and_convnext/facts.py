"""What lesson p3-03 reads off timm's Swin-T, ConvNeXt-T and ResNet-50 beyond vitmath.backbones: which way the
measured latencies went (choice keys for the script), and a check of what its script states outright.

The script says, for instance, that ConvNeXt-T's stem patchifies "exactly like Swin" and that the four
backbones are "one weight class". Those hold for these fixed architectures, so they are words in the script,
not choices; `check_claims` stops the render with the claim that no longer holds if a model ever changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from vitmath.backbones import ArchitectureFacts, BackboneRow, BackboneTable
from vitmath.errors import UserError

CHOICES = {
    "latency_fastest": ("fewest_macs", "not_fewest_macs"),
    "latency_slowest": ("most_macs", "not_most_macs"),
}


@dataclass(frozen=True)
class LatencyFacts:
    fewest: BackboneRow     # fewest MACs
    most: BackboneRow       # most MACs
    fastest: BackboneRow    # lowest median CPU latency
    slowest: BackboneRow
    macs_spread: float      # percent: most / fewest MACs - 1
    time_spread: float      # percent: slowest / fastest latency - 1

    @property
    def fastest_key(self) -> str:
        return "fewest_macs" if self.fastest is self.fewest else "not_fewest_macs"

    @property
    def slowest_key(self) -> str:
        return "most_macs" if self.slowest is self.most else "not_most_macs"


def latency_facts(rows: list[BackboneRow]) -> LatencyFacts:
    fewest, most = min(rows, key=lambda r: r.macs), max(rows, key=lambda r: r.macs)
    fastest, slowest = min(rows, key=lambda r: r.latency_ms), max(rows, key=lambda r: r.latency_ms)
    return LatencyFacts(fewest, most, fastest, slowest, 100 * (most.macs / fewest.macs - 1),
                        100 * (slowest.latency_ms / fastest.latency_ms - 1))


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
    }
    wrong = [claim for claim, holds in claims.items() if not holds]
    if wrong:
        raise UserError(f"lesson p3-03's script says {'; '.join(wrong)}, which the models no longer show: "
                        "edit scenes/p3_03_swin_and_convnext/script.toml")
