"""Class-specific relevance maps: which patches support one class, by gradient-weighted attention rollout.

Plain CLS attention is one map per block and head, the same whatever class we ask about. To ask "which
patches support class c?" the map must depend on c. Chefer, Gur & Wolf (ICCV 2021, "Generic Attention-model
Explainability for Interpreting Bi-Modal and Encoder-Decoder Transformers", the self-attention rule, Eqs. 5-6):

    A_bar_b = mean over heads of max(0, dy_c/dA_b * A_b)      (T, T), A_b the block's attention weights
    R = I;  for b = 1 .. depth:  R = R + A_bar_b @ R           (T, T)
    map_c = R[0, 1:]                                           CLS row over the patches

The gradient dy_c/dA_b (y_c the class logit) comes from autograd through our own forward pass
(vitmath.tracing's blocks, run with gradients on), so it is the gradient of exactly the maths the lessons show.
"""
from __future__ import annotations

import torch

from vitmath.tracing import block_forward, linear_forward, norm_forward


def attention_with_grad(model, x0: torch.Tensor, class_index: int) -> tuple[list, list]:
    """Per block, (H, T, T) attention weights and the gradient of logit[class_index] with respect to them."""
    weights = []
    with torch.enable_grad():
        h = x0.detach()
        for blk in model.blocks:
            bt = block_forward(blk, h)
            bt.attn.retain_grad()  # a non-leaf tensor: keep its gradient after backward
            weights.append(bt.attn)
            h = bt.out
        final = norm_forward(model.norm, h)
        pooled = final[0] if model.global_pool == "token" else final[1:].mean(0)
        logit = linear_forward(norm_forward(model.fc_norm, pooled), model.head)[class_index]
        logit.backward()
    return [a.detach() for a in weights], [a.grad.detach() for a in weights]


def relevance_rollout(attn: list, grads: list) -> torch.Tensor:
    """(T, T) relevance R of Chefer et al.'s rule from per-block attention weights and their gradients."""
    T = attn[0].shape[-1]
    R = torch.eye(T, dtype=torch.float64)
    for a, g in zip(attn, grads):
        cam = (g.double() * a.double()).clamp(min=0).mean(0)  # (T, T): positive gradient x attention, head mean
        R = R + cam @ R
    return R


def class_relevance(model, x0: torch.Tensor, class_index: int) -> torch.Tensor:
    """(N,) relevance of each patch token slot for one class: the CLS row of R over the patches."""
    attn, grads = attention_with_grad(model, x0, class_index)
    return relevance_rollout(attn, grads)[0, 1:].float()
