"""The patch cut seen as a convolution: a P x P kernel with stride P is a matrix product on flat patches.

timm implements the patch embedding as `Conv2d(3, D, kernel_size=P, stride=P)`; `trace` computes the same
tokens as `patches @ W.reshape(D, -1).T + b`. This runs the model's own convolution on the input and measures
how far the two are apart, which is the lesson's proof that they are one operation.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ConvPatchify:
    layer: str                  # the model's layer, as PyTorch prints it
    max_abs_diff: float         # max |conv output - matmul tokens| over all patches and filters
    feature_map: torch.Tensor   # (grid, grid): filter 0's response at every stride position


@torch.no_grad()
def conv_patchify(model, trace) -> ConvPatchify:
    proj = model.patch_embed.proj
    out = F.conv2d(trace.input[None], proj.weight, proj.bias, stride=proj.stride)  # (1, D, grid, grid)
    tokens = out.flatten(2).transpose(1, 2)[0]                                        # (N, D), raster order
    layer = (f"Conv2d({proj.in_channels}, {proj.out_channels}, kernel_size={tuple(proj.kernel_size)}, "
             f"stride={tuple(proj.stride)})")
    return ConvPatchify(layer=layer, max_abs_diff=float((tokens - trace.patch_tokens).abs().max()),
                        feature_map=out[0, 0].clone())
