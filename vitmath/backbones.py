"""Four backbones side by side: ViT-S/16, Swin-T, ConvNeXt-T and ResNet-50, built by timm at random init.

What is computed here, from the models themselves (no weights are downloaded: architecture is all we need):

* parameters: sum(p.numel() for p in model.parameters());
* multiply-adds (MACs) of one 224 x 224 image, counted with torch.utils.flop_counter.FlopCounterMode.
  That counter counts convolutions, linear layers and matrix products (mm, addmm, bmm), which includes the
  attention products Q K^T and A V once fused attention is switched off (the fused CPU kernel is invisible
  to it). It reports FLOPs = 2 x MACs for these ops; we halve it. Not counted: norms, activations, softmax,
  residual adds, pooling (a few percent at most) -- the same convention as the papers' "FLOPs" columns,
  which are in fact MACs;
* latency of one image on this machine's CPU: batch 1, torch.inference_mode, a fixed thread count, the
  median of several timed runs after warm-up, the four models taking turns (so compare them by ratios within
  a round), and the timing thread's CPU time beside the wall time (how much of the machine we had). A
  measurement of this machine, not a property of the model;
* the geometry of Swin-T (patch size, window, shift, depths, widths, resolution per stage) and the block
  design of ConvNeXt-T next to ResNet-50's (kernels, widths, expansion, norm, activation).

Accuracies are NOT computed: they are cited from the papers (BACKBONES below, each with its source and its
training recipe, all four the same 300-epoch kind so that the column compares like with like), and so is the
ConvNeXt paper's roadmap (ROADMAP, ROADMAP_STEPS).

    rows = cached_backbone_table()        # list[BackboneRow], cached on disk
    print(format_table(rows))             # or: python -m vitmath.backbones
"""
from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass

import torch

IMAGE_SIZE = 224
LATENCY_THREADS = 1      # one thread: the least disturbed by other work on a shared machine
LATENCY_WARMUP = 3
LATENCY_RUNS = 10


@dataclass(frozen=True)
class Backbone:
    short: str          # what the screen and the narration call it
    timm_name: str      # the architecture timm builds (random init)
    family: str         # "transformer" or "convnet"
    top1: float         # ImageNet-1k top-1 at 224, in percent, cited (not measured)
    source: str         # where the accuracy is from
    epochs: int         # the training recipe behind that accuracy, in epochs on ImageNet-1k (a lesson's script
                        # names the recipe, by timm_name)


# Every accuracy of the table comes from the same kind of recipe (300 epochs of ImageNet-1k, AdamW, heavy
# augmentation), so the column compares architectures, not training: ResNet-50 carries the number the ConvNeXt
# paper measured for it under its own recipe, not the 76.1 of the original 90-epoch one (that one is ROADMAP[0]).
BACKBONES = [
    Backbone("ViT-S/16", "vit_small_patch16_224", "transformer", 79.8,
             "DeiT-S (same architecture as ViT-S/16): Touvron et al. 2021, Training data-efficient image "
             "transformers, Table 5", 300),
    Backbone("Swin-T", "swin_tiny_patch4_window7_224", "transformer", 81.3,
             "Liu et al. 2021, Swin Transformer, Table 1", 300),
    Backbone("ConvNeXt-T", "convnext_tiny", "convnet", 82.1,
             "Liu et al. 2022, A ConvNet for the 2020s, Table 1", 300),
    Backbone("ResNet-50", "resnet50", "convnet", 78.8,
             "Liu et al. 2022, A ConvNet for the 2020s, Sec. 2.1 and Fig. 2 (trained with ConvNeXt's recipe; "
             "76.1 with the original 90-epoch one)", 300),
]
BY_SHORT = {b.short: b for b in BACKBONES}

# The ConvNeXt paper's roadmap (Fig. 2): ResNet-50 as published, the same network with the modern training
# recipe, and the end of the roadmap. Cited numbers, ImageNet-1k top-1 in percent. Each roadmap value is the
# mean of three training seeds (Sec. 2.1); the paper's Table 1 gives the finished ConvNeXt-T 82.1.
ROADMAP_SOURCE = "Liu et al. 2022, A ConvNet for the 2020s, Fig. 2"
ROADMAP = [("ResNet-50", 76.1), ("+ modern training recipe", 78.8), ("ConvNeXt (end of roadmap)", 82.0)]
ORIGINAL_EPOCHS = 90       # ResNet-50's original recipe (ROADMAP[0]); the modern one runs 300 (Sec. 2.1)
MODERN_EPOCHS = 300


@dataclass(frozen=True)
class RoadmapStep:
    key: str            # the lesson's name for the step (its words live in the lesson's script)
    top1: float         # ImageNet-1k top-1 after the step, percent (Fig. 2 / Sec. 2, mean of three seeds)
    origin: str         # where the idea came from: "start", "recipe", "transformer" or "convnet"


# Fig. 2 of the ConvNeXt paper, one row per group of changes the paper keeps (Sec. 2.2-2.6; a hatched bar,
# a change not adopted, is left out). Where a group holds several kept changes, the value is the group's last.
# "convnet": depthwise convolution (MobileNet, Xception, 2017) and the inverted bottleneck (MobileNetV2, 2018)
# predate ViT; the paper adopts them because they mirror the transformer block. "transformer": taken from
# Swin or ViT (stage ratio, patchify stem, a kernel as large as Swin's 7 x 7 window, the micro design).
ROADMAP_STEPS = [
    RoadmapStep("resnet", 76.1, "start"),
    RoadmapStep("recipe", 78.8, "recipe"),
    RoadmapStep("stage_ratio", 79.4, "transformer"),
    RoadmapStep("patchify", 79.5, "transformer"),
    RoadmapStep("depthwise", 80.5, "convnet"),
    RoadmapStep("inverted", 80.6, "convnet"),
    RoadmapStep("kernel", 80.6, "transformer"),
    RoadmapStep("micro", 82.0, "transformer"),
]


@dataclass
class BackboneRow:
    short: str
    timm_name: str
    family: str
    params: int                   # sum(p.numel())
    macs: int                     # multiply-adds for one image (FlopCounterMode FLOPs / 2)
    macs_by_op: dict              # aten op name -> MACs
    latency_ms: float             # median, batch 1, on this CPU
    latency_runs_ms: list         # every timed run
    top1: float                   # cited
    source: str                   # the accuracy's source
    epochs: int                   # the training recipe behind top1 (Backbone.epochs)
    cpu_runs_ms: list             # this thread's CPU time in each timed run (against latency_runs_ms: wall)


@dataclass
class Machine:
    cpu: str
    threads: int
    torch_version: str
    timm_version: str
    # Of the wall time the timed runs took, the share the timing thread spent on the CPU (all models, all
    # rounds): near 1 when the machine was ours, lower when other work took the core from us.
    cpu_share: float = 1.0


@dataclass
class BackboneTable:
    rows: list                    # list[BackboneRow], in BACKBONES order
    machine: Machine
    image_size: int = IMAGE_SIZE
    runs: int = LATENCY_RUNS
    warmup: int = LATENCY_WARMUP

    def row(self, short: str) -> BackboneRow:
        return next(r for r in self.rows if r.short == short)


def build(timm_name: str) -> torch.nn.Module:
    """The architecture at random init (seeded), in eval mode: no download, the same numbers every time."""
    import timm

    torch.manual_seed(0)
    return timm.create_model(timm_name, pretrained=False).eval()


def count_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _unfused_attention(model: torch.nn.Module) -> list:
    """Switch timm's fused attention off (its CPU kernel is invisible to FlopCounterMode), so Q K^T and A V
    run as plain matmuls and are counted. Returns the modules changed, to switch back afterwards."""
    changed = [m for m in model.modules() if getattr(m, "fused_attn", False)]
    for m in changed:
        m.fused_attn = False
    return changed


def count_macs(model: torch.nn.Module, size: int = IMAGE_SIZE) -> tuple[int, dict]:
    """(total MACs, MACs per aten op) of one forward pass of a (1, 3, size, size) image."""
    from torch.utils.flop_counter import FlopCounterMode

    changed = _unfused_attention(model)
    try:
        counter = FlopCounterMode(display=False)
        with torch.inference_mode(), counter:
            model(torch.zeros(1, 3, size, size))
    finally:
        for m in changed:
            m.fused_attn = True
    by_op = {str(op): int(flops) // 2 for op, flops in counter.get_flop_counts()["Global"].items()}
    return int(counter.get_total_flops()) // 2, by_op


def measure_latencies(models: list, size: int = IMAGE_SIZE, threads: int = LATENCY_THREADS,
                      warmup: int = LATENCY_WARMUP, runs: int = LATENCY_RUNS) -> tuple[list, list]:
    """Milliseconds per image (batch 1) of each model: `runs` timed forward passes after `warmup` untimed ones;
    returned twice, as wall time and as the timing thread's CPU time (per model, per run).

    The models take turns, one pass each per round, so a burst of other work on a shared machine slows all
    of them alike instead of the one that happened to be running: a ratio within a round holds where the
    milliseconds do not. The CPU time tells how much of the wall time the machine actually gave us."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    times = [[] for _ in models]
    cpu = [[] for _ in models]
    try:
        with torch.inference_mode():
            for k in range(warmup + runs):
                for model, out, out_cpu in zip(models, times, cpu):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    model(x)
                    if k >= warmup:
                        out.append(1000 * (time.perf_counter() - t0))
                        out_cpu.append(1000 * (time.thread_time() - c0))
    finally:
        torch.set_num_threads(before)
    return times, cpu


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(cpu_share: float = 1.0) -> Machine:
    import timm

    return Machine(cpu_name(), LATENCY_THREADS, torch.__version__, timm.__version__, cpu_share)


def backbone_table() -> BackboneTable:
    models = [build(b.timm_name) for b in BACKBONES]
    latencies, cpu = measure_latencies(models)
    rows = []
    for b, model, runs, cpu_runs in zip(BACKBONES, models, latencies, cpu):
        macs, by_op = count_macs(model)
        rows.append(BackboneRow(b.short, b.timm_name, b.family, count_params(model), macs, by_op,
                                statistics.median(runs), runs, b.top1, b.source, b.epochs, cpu_runs))
    share = sum(map(sum, cpu)) / sum(map(sum, latencies))
    return BackboneTable(rows, machine(min(1.0, share)))


def cached_backbone_table() -> BackboneTable:
    """The table, measured once per machine, library versions and code (latency is this machine's)."""
    from vitmath.cache import cached

    m = machine()
    key = [[b.timm_name for b in BACKBONES], m.cpu, m.threads, m.torch_version, m.timm_version,
           os.cpu_count(), LATENCY_RUNS, LATENCY_WARMUP]
    return cached("backbone_table", key, backbone_table)


def format_table(table: BackboneTable) -> str:
    """The table as plain text, for a terminal or the next lesson."""
    lines = [f"{'model':<11} {'params':>8} {'MACs':>8} {'top-1*':>7} {'epochs':>6} {'CPU ms':>8}"]
    for r in table.rows:
        lines.append(f"{r.short:<11} {r.params / 1e6:>7.1f}M {r.macs / 1e9:>7.2f}G {r.top1:>6.1f}% "
                     f"{r.epochs:>6} {r.latency_ms:>8.1f}")
    m = table.machine
    lines.append(f"MACs: multiply-adds of one {table.image_size}x{table.image_size} image (convolutions, linear "
                 "layers, attention matmuls); params: sum(p.numel()).")
    lines.append(f"CPU ms: median of {table.runs} runs after {table.warmup} warm-up, batch 1, {m.threads} "
                 f"thread(s), on {m.cpu} (torch {m.torch_version}, timm {m.timm_version}); the timing thread had the "
                 f"CPU {100 * m.cpu_share:.0f}% of the wall time. A measurement of this machine, not of the models.")
    lines.append("* ImageNet-1k top-1 at 224, cited, each from a recipe of the epochs given: "
                 + "; ".join(f"{r.short}: {r.source}" for r in table.rows))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- Swin-T
@dataclass
class SwinStage:
    tokens: int            # tokens per side at this stage (56, 28, 14, 7 at 224)
    width: int             # channels of every token in this stage's blocks
    depth: int             # blocks in this stage
    heads: int             # attention heads in this stage's blocks
    window: int            # window side, in tokens
    shift: int             # shift of every second block, in tokens (0: no shift)
    pixels_per_token: int  # side of the photo square one token covers
    window_pixels: int     # side of the photo square one window covers
    windows_per_side: int  # windows along one side


@dataclass
class SwinFacts:
    image_size: int
    patch: int                      # pixels per patch side at the stem
    stages: list                    # list[SwinStage]
    params: int


def swin_facts(timm_name: str = "swin_tiny_patch4_window7_224") -> SwinFacts:
    """Read the geometry from the model's modules (nothing typed in)."""
    model = build(timm_name)
    patch = int(model.patch_embed.patch_size[0])
    size = int(model.patch_embed.img_size[0])
    stages = []
    for layer in model.layers:
        first = layer.blocks[0]
        tokens = int(layer.output_resolution[0])
        window = int(first.window_size[0])
        shifts = {int(b.shift_size[0]) for b in layer.blocks}
        per_token = size // tokens
        stages.append(SwinStage(tokens, int(first.norm1.normalized_shape[0]), len(layer.blocks),
                                int(first.attn.num_heads), window, max(shifts), per_token, window * per_token,
                                -(-tokens // window)))
    return SwinFacts(size, patch, stages, count_params(model))


# ------------------------------------------------------------------------------ ConvNeXt-T vs ResNet-50
@dataclass
class BlockDesign:
    stem: str              # e.g. "4x4 conv, stride 4"
    stem_kernel: int       # the stem convolution's kernel side
    stem_stride: int       # and its stride
    stem_out_side: int     # tokens / pixels per side after the stem, at 224
    depths: list
    widths: list           # channels at each stage's block output
    spatial_kernel: int    # the block's spatial convolution
    spatial_groups: str    # "depthwise" or "dense"
    block_in: int          # stage-1 block: channels in and out
    block_inner: int       # stage-1 block: channels inside
    norm: str
    act: str
    norms_per_block: int   # normalisation layers in one block
    acts_per_block: int    # activation layers in one block


# By class name: timm has its own GELU and LayerNorm classes besides torch's.
_NORMS = ("LayerNorm", "LayerNorm2d", "BatchNorm2d", "GroupNorm")
_ACTS = ("GELU", "ReLU")


def _count(block: torch.nn.Module, kinds) -> int:
    """Layers of these kinds in one block (the repeating block has no shortcut layers to count)."""
    return sum(type(m).__name__ in kinds for m in block.modules())


def _side_after_stem(stem: torch.nn.Module, size: int = IMAGE_SIZE) -> int:
    with torch.inference_mode():
        return int(stem(torch.zeros(1, 3, size, size)).shape[-1])


def convnext_design(timm_name: str = "convnext_tiny") -> BlockDesign:
    model = build(timm_name)
    conv = model.stem[0]
    block = model.stages[0].blocks[0]
    dw = block.conv_dw
    return BlockDesign(
        stem=f"{conv.kernel_size[0]}x{conv.kernel_size[1]} conv, stride {conv.stride[0]}",
        stem_kernel=int(conv.kernel_size[0]),
        stem_stride=int(conv.stride[0]),
        stem_out_side=_side_after_stem(model.stem),
        depths=[len(s.blocks) for s in model.stages],
        widths=[int(s.blocks[0].conv_dw.out_channels) for s in model.stages],
        spatial_kernel=int(dw.kernel_size[0]),
        spatial_groups="depthwise" if dw.groups == dw.in_channels == dw.out_channels else "grouped",
        block_in=int(dw.in_channels),
        block_inner=int(block.mlp.fc1.out_features),
        norm=type(block.norm).__name__,
        act=type(block.mlp.act).__name__,
        norms_per_block=_count(block, _NORMS),
        acts_per_block=_count(block, _ACTS),
    )


def resnet_design(timm_name: str = "resnet50") -> BlockDesign:
    model = build(timm_name)
    stem = torch.nn.Sequential(model.conv1, model.bn1, model.act1, model.maxpool)
    block = model.layer1[1]          # a repeating block of stage 1 (the first one also changes width)
    layers = [model.layer1, model.layer2, model.layer3, model.layer4]
    c, p = model.conv1, model.maxpool
    return BlockDesign(
        stem=f"{c.kernel_size[0]}x{c.kernel_size[1]} conv, stride {c.stride[0]}, then {p.kernel_size}x{p.kernel_size} "
             f"max-pool, stride {p.stride}",
        stem_kernel=int(c.kernel_size[0]),
        stem_stride=int(c.stride[0]),
        stem_out_side=_side_after_stem(stem),
        depths=[len(layer) for layer in layers],
        widths=[int(layer[0].conv3.out_channels) for layer in layers],
        spatial_kernel=int(block.conv2.kernel_size[0]),
        spatial_groups="dense" if block.conv2.groups == 1 else "grouped",
        block_in=int(block.conv1.in_channels),
        block_inner=int(block.conv1.out_channels),
        norm=type(block.bn1).__name__,
        act=type(block.act1).__name__,
        norms_per_block=_count(block, _NORMS),
        acts_per_block=_count(block, _ACTS),
    )


@dataclass
class ArchitectureFacts:
    swin: SwinFacts
    convnext: BlockDesign
    resnet: BlockDesign


def cached_architecture_facts() -> ArchitectureFacts:
    from vitmath.cache import cached
    import timm

    def compute():
        return ArchitectureFacts(swin_facts(), convnext_design(), resnet_design())

    return cached("architecture_facts", [timm.__version__], compute)


# ------------------------------------------------------------------------------ the lessons' own ViT
@dataclass
class ModelCost:
    name: str
    params: int
    macs: int
    image_size: int


def lesson_model_cost(model_name: str | None = None, weights=None) -> ModelCost:
    """Parameters and MACs of the ViT the lessons run (--model/--weights), counted as the table counts."""
    from vitmath.cache import cached
    from vitmath.sources import input_key

    def compute():
        from vitmath.model import load_model
        from vitmath.tracing import dims_of

        model = load_model(model_name, weights)
        size = int(model.patch_embed.img_size[0])
        macs, _ = count_macs(model, size)
        return ModelCost(dims_of(model).model_name, count_params(model), macs, size)

    return cached("lesson_model_cost", [input_key(model_name, weights, None)], compute)


if __name__ == "__main__":
    # Through the package, not this __main__ copy: the cache must pickle vitmath.backbones' own classes, or
    # every other process would fail to load the entry and measure again.
    from vitmath import backbones

    print(backbones.format_table(backbones.cached_backbone_table()))
