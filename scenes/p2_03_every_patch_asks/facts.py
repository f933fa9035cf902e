"""One head of self-attention followed step by step for one query patch: the facts of the lesson
"Every patch asks every patch".

Which token, block and head, by stated rules (the same for every model and photo):

- the block is block 1 (index 0): its input is the embedded patches plus their positions, with CLS in
  front, and nothing has been mixed yet, so every step starts from tokens the learner has already met;
- the query patch is the patch whose own final output token, read by the classifier head as if it were
  the CLS output, scores the model's top-1 class highest (a "logit lens" on the patches); a patch on the
  predicted object, found from the tensors, not pointed at by hand;
- the head is the head of that block in which this query gives the least weight to CLS, so the most of its
  attention lands on the photo, where a map can show it.

All tensors come from the trace (`vitmath.trace`), except the patch scores that pick the query, which need the
classifier's weights. Indices: token 0 is CLS, patch p is token 1 + p; blocks and heads 0-based here.

    facts = cached_one_head_facts(model_name, weights, image)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

BLOCK = 0  # block 1 on screen
NEAR = 2  # "near the query": within 2 patches in both directions (a 5 x 5 neighbourhood)


@dataclass
class OneHeadFacts:
    block: int  # 0-based
    head: int  # 0-based
    query: int  # patch index (raster); its token is 1 + query
    top1: int  # the class the query rule reads
    patch_scores: np.ndarray  # (N,) top-1 logit of each patch's final token through the classifier
    cls_weight_per_head: np.ndarray  # (H,) the query's weight on CLS in each head of the block
    # LayerNorm, for the query token
    x_row: np.ndarray  # (D,) the block's input row of the query token
    ln_row: np.ndarray  # (D,) after LayerNorm 1
    x_mean: float
    x_std: float
    normed_mean: float  # mean / std of (x - mean) / std, before LayerNorm's learned scale and shift
    normed_std: float
    # queries, keys, values of the head
    q: np.ndarray  # (d,) the query token's query vector
    k: np.ndarray  # (T, d) every token's key
    v: np.ndarray  # (T, d) every token's value
    raw_scores: np.ndarray  # (T,) q . k_j, unscaled
    scores: np.ndarray  # (T,) q . k_j / sqrt(d)
    weights: np.ndarray  # (T,) softmax of scores over the T keys
    weight_sum: float
    unscaled_max_weight: float  # the largest weight if the scores were not divided by sqrt(d)
    raw_score_std: float  # spread of q . k over every (query, key) pair of the head, unscaled
    scaled_score_std: float  # and after dividing by sqrt(d)
    attn: np.ndarray  # (T, T) the head's whole attention matrix
    max_row_sum_error: float  # max over rows of |row sum - 1|
    mean_cls_column: float  # mean weight every patch query gives CLS
    mean_diagonal: float  # mean weight a patch query gives itself
    # the answer
    new_vector: np.ndarray  # (d,) sum_j weights_j v_j
    contribution_norms: np.ndarray  # (T,) |weights_j v_j|: how much each token adds to the new vector
    # not pixels
    pixel_similarity: np.ndarray  # (N,) cosine similarity of the query's normalised pixels to each patch's
    pixel_correlation: float  # Pearson r of pixel similarity and weight over the other N - 1 patches
    pixel_rank_correlation: float  # Spearman's: the same on ranks, blind to the curve's shape
    # (H,) Pearson r for the same query in each head of the last block. Heads are numbered in each block on
    # its own: head h of the last block has nothing to do with head h of block 1, so all are reported.
    last_block_pixel_correlations: np.ndarray
    wq: np.ndarray  # (D, d) the head's query matrix: q = LN(x) @ wq + bq
    neighbourhood_share: float  # share of the query's patch weight within NEAR patches (Chebyshev) of it
    neighbourhood_area: float  # share of the patches lying there
    similar_count: int  # the quarter of the other patches whose pixels are most like the query's
    similar_weight_ratio: float  # largest / smallest weight among them: same pixel likeness, different weight
    # asymmetry: row i is where token i looks, column j who reads token j; each row is softmaxed on its own
    column_sums: np.ndarray  # (T,) what each key receives over all queries (rows sum to 1, columns need not)
    # CLS's input to the block does not depend on the photo (block 1: the learned CLS vector plus its position)
    cls_input_fixed: bool

    @property
    def token(self) -> int:
        return 1 + self.query

    @property
    def T(self) -> int:
        return len(self.weights)

    @property
    def patch_weights(self) -> np.ndarray:
        """(N,) the query's weights on the patches (CLS left out: it has no place on the photo)."""
        return self.weights[1:]

    def strongest_other_patch(self) -> int:
        """The patch, other than the query itself, that the query weighs most."""
        w = self.patch_weights.copy()
        w[self.query] = -np.inf
        return int(w.argmax())

    def weakest_patch(self) -> int:
        return int(self.patch_weights.argmin())

    @property
    def gives_cls(self) -> float:
        """a_(query, CLS): how much our patch reads from CLS."""
        return float(self.attn[self.token, 0])

    @property
    def cls_gives(self) -> float:
        """a_(CLS, query): how much CLS reads from our patch, the mirror entry."""
        return float(self.attn[0, self.token])

    def score_rank(self, token: int) -> int:
        """1 for the highest score of the query's row, T for the lowest."""
        return 1 + int((self.scores > self.scores[token]).sum())


def patch_class_scores(model, trace, cls_index: int) -> torch.Tensor:
    """(N,) the score of class `cls_index` when the classifier head reads each patch's final token (already
    through the final LayerNorm in `trace.final`) in place of the CLS output."""
    feats = trace.final[1:]
    fc_norm = model.fc_norm
    if not isinstance(fc_norm, torch.nn.Identity):
        feats = fc_norm(feats)
    return feats @ model.head.weight[cls_index] + model.head.bias[cls_index]


def pick_head(attn_block: torch.Tensor, token: int) -> int:
    """The head in which `token` gives CLS the least weight (ties: the first)."""
    return int(attn_block[:, token, 0].argmin())


def neighbourhood(grid: int, query: int, near: int = NEAR) -> np.ndarray:
    """(N,) True for the patches within `near` rows and columns of `query` (itself included)."""
    rows, cols = np.divmod(np.arange(grid * grid), grid)
    qr, qc = divmod(query, grid)
    return (np.abs(rows - qr) <= near) & (np.abs(cols - qc) <= near)


def similar_patches(similarity: np.ndarray, query: int) -> np.ndarray:
    """The quarter of the other patches whose pixels are most like the query's (highest similarity)."""
    others = np.array([i for i in np.argsort(-similarity, kind="stable") if i != query])
    return others[:max(len(others) // 4, 2)]


def ranks(x: np.ndarray) -> np.ndarray:
    """0 for the smallest value, n - 1 for the largest (ties broken by position)."""
    out = np.empty(len(x))
    out[np.argsort(x, kind="stable")] = np.arange(len(x))
    return out


def pixel_rank_correlation(similarity: np.ndarray, weights: np.ndarray, query: int) -> float:
    """Spearman's rank correlation of pixel similarity and weight over the other patches: does a more alike
    patch get more weight, whatever the shape of the curve (the weights rise steeply, not on a line)."""
    keep = np.arange(len(similarity)) != query
    return float(np.corrcoef(ranks(similarity[keep]), ranks(weights[keep]))[0, 1])


def cls_input_is_fixed(model, trace) -> bool:
    """Whether CLS enters block 1 as the same vector whatever the photo: the embedding stage run on random
    patch vectors in place of the photo's gives the trace's CLS row."""
    if not hasattr(model, "_pos_embed"):
        return False
    with torch.no_grad():
        fake = torch.randn(1, trace.dims.N, trace.dims.D, generator=torch.Generator().manual_seed(0))
        x = model.norm_pre(model._pos_embed(fake))
    return bool(torch.allclose(x[0, 0], trace.x0[0], atol=1e-5))


def sum_plane(parts: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(2, d) an orthonormal basis of the plane that holds the sum z and the largest of its parts (rows of
    `parts`); if those two are parallel, the part's direction with the most spread orthogonal to z. Projecting
    onto a plane is linear, so the parts' shadows still add up to z's, which lies in the plane whole."""
    z, parts = np.asarray(z, dtype=np.float64), np.asarray(parts, dtype=np.float64)
    e1 = z / np.linalg.norm(z)
    rest = parts - np.outer(parts @ e1, e1)  # every part with its component along z taken out
    top = rest[int(np.linalg.norm(parts, axis=1).argmax())]
    if np.linalg.norm(top) < 1e-6 * np.linalg.norm(parts, axis=1).max():
        top = np.linalg.svd(rest, full_matrices=False)[2][0]
        if abs(top @ e1) > 0.5:  # every part along z: any direction orthogonal to it will do
            top = np.eye(len(z))[int(np.abs(e1).argmin())]
        top = top - (top @ e1) * e1
    return np.stack([e1, top / np.linalg.norm(top)])


def pixel_correlation(similarity: np.ndarray, weights: np.ndarray, query: int) -> float:
    """Pearson r between pixel similarity and attention weight, over every patch except the query itself
    (its similarity to itself is 1 by definition and would inflate r)."""
    keep = np.arange(len(similarity)) != query
    s, w = similarity[keep], weights[keep]
    if s.std() == 0 or w.std() == 0:
        return 0.0
    return float(np.corrcoef(s, w)[0, 1])


@torch.no_grad()
def one_head_facts(model, trace, block: int = BLOCK) -> OneHeadFacts:
    d = trace.dims
    top1 = trace.top5[0][0]
    patch_scores = patch_class_scores(model, trace, top1)  # (N,)
    query = int(patch_scores.argmax())
    token = 1 + query
    bt = trace.blocks[block]
    head = pick_head(bt.attn, token)

    x_row = trace.x0[token] if block == 0 else trace.blocks[block - 1].out[token]  # (D,)
    var, mean = torch.var_mean(x_row, correction=0)
    normed = (x_row - mean) / torch.sqrt(var + model.blocks[block].norm1.eps)

    q = bt.q[head, token]  # (d,)
    k, v = bt.k[head], bt.v[head]  # (T, d)
    raw = k @ q  # (T,)
    scores = bt.scores[head, token]  # (T,) = raw / sqrt(d), as the model computes it
    weights = bt.attn[head, token]  # (T,)
    unscaled = raw.softmax(-1)
    all_raw = bt.q[head] @ k.T  # (T, T)
    attn = bt.attn[head]  # (T, T)
    new = weights @ v  # (d,)

    pix = trace.patches  # (N, 3 P P) the normalised pixels the model reads
    sim = torch.nn.functional.cosine_similarity(pix, pix[query][None], dim=-1)  # (N,)
    wn = weights.numpy()
    last_rows = trace.blocks[-1].attn[:, token, 1:].numpy()  # (H, N)
    qkv_weight = model.blocks[block].attn.qkv.weight  # (3D, D): rows [q of all heads; k ...; v ...]
    wq = qkv_weight[head * d.head_dim:(head + 1) * d.head_dim].T  # (D, d)
    near = neighbourhood(d.grid, query)
    patch_w = wn[1:]
    similar = similar_patches(sim.numpy(), query)
    return OneHeadFacts(
        block=block, head=head, query=query, top1=int(top1),
        patch_scores=patch_scores.numpy().copy(),
        cls_weight_per_head=bt.attn[:, token, 0].numpy().copy(),
        x_row=x_row.numpy().copy(), ln_row=bt.ln1[token].numpy().copy(),
        x_mean=float(mean), x_std=float(var.sqrt()),
        normed_mean=float(normed.mean()), normed_std=float(normed.std(correction=0)),
        q=q.numpy().copy(), k=k.numpy().copy(), v=v.numpy().copy(),
        raw_scores=raw.numpy().copy(), scores=scores.numpy().copy(), weights=wn.copy(),
        weight_sum=float(weights.double().sum()),
        unscaled_max_weight=float(unscaled.max()),
        raw_score_std=float(all_raw.std()), scaled_score_std=float(bt.scores[head].std()),
        attn=attn.numpy().copy(),
        max_row_sum_error=float((attn.double().sum(-1) - 1).abs().max()),
        mean_cls_column=float(attn[1:, 0].mean()),
        mean_diagonal=float(attn.diagonal()[1:].mean()),
        new_vector=new.numpy().copy(),
        contribution_norms=(weights[:, None] * v).norm(dim=-1).numpy().copy(),
        pixel_similarity=sim.numpy().copy(),
        pixel_correlation=pixel_correlation(sim.numpy(), wn[1:], query),
        pixel_rank_correlation=pixel_rank_correlation(sim.numpy(), wn[1:], query),
        last_block_pixel_correlations=np.array([pixel_correlation(sim.numpy(), r, query) for r in last_rows]),
        wq=wq.numpy().copy(),
        neighbourhood_share=float(patch_w[near].sum() / patch_w.sum()),
        neighbourhood_area=float(near.mean()),
        similar_count=len(similar),
        similar_weight_ratio=float(patch_w[similar].max() / patch_w[similar].min()),
        column_sums=attn.double().sum(0).numpy(),
        cls_input_fixed=block == 0 and cls_input_is_fixed(model, trace),
    )


def cached_one_head_facts(model_name=None, weights=None, image=None) -> OneHeadFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key

    def compute():
        return one_head_facts(load_model(model_name, weights), cached_trace(model_name, weights, image))

    return cached("one_head_facts", [input_key(model_name, weights, image), BLOCK], compute)
