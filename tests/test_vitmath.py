"""vitmath's explicit forward pass against timm's, the analyses' defining properties, and the trace cache."""

import time

import numpy as np
import pytest
import timm
import torch

import vitmath
from vitmath import model as model_mod


def timm_attention(model, x):
    """timm's own forward, with its softmax outputs captured at attn_drop (the unfused path)."""
    captured = []
    hooks = []
    for blk in model.blocks:
        blk.attn.fused_attn = False
        hooks.append(blk.attn.attn_drop.register_forward_hook(lambda _m, inp, _o: captured.append(inp[0][0].clone())))
    try:
        with torch.no_grad():
            logits = model(x)[0]
    finally:
        for h, blk in zip(hooks, model.blocks):
            h.remove()
            blk.attn.fused_attn = True
    return logits, captured


def assert_matches_timm(model, x):
    t = vitmath.trace(model, x)
    logits, attns = timm_attention(model, x)
    assert (t.logits - logits).abs().max() <= 1e-4
    assert len(attns) == len(t.blocks) == t.dims.depth
    for ours, theirs in zip(t.blocks, attns):
        assert (ours.attn - theirs).abs().max() <= 1e-5
    return t


# --- the trace is timm's forward ------------------------------------------------------------------------


def test_trace_equals_timm_on_embedded_weights(model, image):
    t = assert_matches_timm(model, image.tensor)
    index, label, p = t.top5[0]
    assert (index, label) == (282, "tiger cat") and 0.29 <= p <= 0.32
    assert [lab for _, lab, _ in t.top5[:3]] == ["tiger cat", "Egyptian cat", "military uniform"]


@pytest.mark.parametrize("name", ["vit_small_patch16_224", "vit_base_patch16_224"])
def test_trace_equals_timm_on_random_init(name):
    torch.manual_seed(0)
    m = timm.create_model(name, pretrained=False).eval()
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    assert_matches_timm(m, x)


@pytest.mark.parametrize("kwargs", [{"init_values": 0.3}, {"global_pool": "avg"}])
def test_trace_handles_layerscale_and_avg_pool(kwargs):
    torch.manual_seed(0)
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, **kwargs).eval()
    if "init_values" in kwargs:  # make LayerScale matter: random gains instead of a constant
        for blk in m.blocks:
            blk.ls1.gamma.data.uniform_(0.1, 2.0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    assert_matches_timm(m, x)


def test_unsupported_variant_is_refused():
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, reg_tokens=4).eval()
    with pytest.raises(vitmath.UserError, match="register"):
        vitmath.trace(m, torch.zeros(1, 3, 224, 224))


def test_trace_shapes_and_definitions(model, tr):
    d = tr.dims
    assert (d.D, d.H, d.head_dim, d.P, d.grid, d.N, d.depth, d.num_classes) == (192, 3, 64, 16, 14, 196, 12, 1000)
    assert d.model_name == vitmath.DEFAULT_MODEL
    T = d.N + 1
    assert tr.input.shape == (3, 224, 224) and tr.picture.shape == (224, 224, 3) and tr.picture.dtype == np.uint8
    assert tr.patches.shape == (d.N, 3 * d.P * d.P) and tr.patch_pixels.shape == (d.N, d.P, d.P, 3)
    w, b = model.patch_embed.proj.weight, model.patch_embed.proj.bias
    assert torch.allclose(tr.patch_tokens, tr.patches @ w.reshape(d.D, -1).T + b, atol=1e-6)
    with torch.no_grad():
        conv = model.patch_embed(tr.input[None])[0]
    assert (conv - tr.patch_tokens).abs().max() < 1e-4
    # patch_pixels are the picture's tiles in raster order; patches are the same tiles, normalised
    assert np.array_equal(tr.patch_pixels[15], tr.picture[16:32, 16:32])
    expected = (torch.from_numpy(tr.patch_pixels[15]).float() / 255 - 0.5) / 0.5
    assert torch.allclose(tr.patches[15].reshape(3, d.P, d.P), expected.permute(2, 0, 1), atol=1e-6)
    assert torch.allclose(tr.x0, torch.cat([tr.cls[None], tr.patch_tokens]) + tr.pos)
    blk = tr.blocks[0]
    assert blk.q.shape == (d.H, T, d.head_dim) and blk.scores.shape == blk.attn.shape == (d.H, T, T)
    assert blk.mlp_hidden.shape == (T, 4 * d.D) and blk.out.shape == (T, d.D)
    assert torch.allclose(blk.attn.sum(-1), torch.ones(d.H, T), atol=1e-5)
    assert torch.allclose(blk.x_mid, tr.x0 + blk.attn_out)
    assert tr.final.shape == (T, d.D) and torch.equal(tr.cls_feature, tr.final[0])
    assert torch.allclose(tr.probs.sum(), torch.tensor(1.0))


# --- analyses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fusion,discard", [("mean", 0.0), ("max", 0.9), ("min", 0.5)])
def test_rollout_rows_sum_to_one(tr, fusion, discard):
    r = vitmath.attention_rollout(tr, head_fusion=fusion, discard_ratio=discard)
    assert r.shape == (tr.dims.T, tr.dims.T) and (r >= 0).all()
    assert torch.allclose(r.sum(-1), torch.ones(tr.dims.T), atol=1e-5)
    m = vitmath.rollout_cls_map(tr, fusion, discard)
    assert m.shape == (14, 14) and m.max() == pytest.approx(1.0)


def test_cls_attention_maps(tr):
    one = vitmath.cls_attention_maps(tr, 5)
    assert one.shape == (3, 14, 14)
    assert torch.equal(one[1].flatten(), tr.blocks[5].attn[1, 0, 1:])
    every = vitmath.all_cls_attention_maps(tr)
    assert every.shape == (12, 3, 14, 14) and torch.equal(every[5], one)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 1.0])
def test_attention_mask_is_minimal(tr, keep):
    amap = vitmath.cls_attention_maps(tr, 11)[0]
    mask = vitmath.attention_mask(amap, keep=keep)
    assert mask.shape == amap.shape and mask.dtype == torch.bool
    total = amap.sum()
    assert amap[mask].sum() >= keep * total - 1e-6
    # dropping the weakest kept patch falls below the share: no smaller set would do
    weakest = amap[mask].min()
    assert amap[mask].sum() - weakest < keep * total
    # and it keeps the strongest patches
    assert amap[mask].min() >= amap[~mask].max() if (~mask).any() else True


def test_position_similarity(model):
    s = vitmath.position_similarity(model)
    assert s.shape == (196, 196)
    assert torch.allclose(s.diagonal(), torch.ones(196)) and torch.equal(s, s.T)
    assert (s <= 1 + 1e-6).all() and (s >= -1 - 1e-6).all()
    tiles = s.reshape(14, 14, 14, 14)
    # learned positions: a patch is most similar to its grid neighbours (ViT paper, Fig. 7 centre)
    assert tiles[7, 7, 7, 8] > tiles[7, 7, 0, 0]


def test_filter_pca(model):
    f = vitmath.filter_pca(model, k=28)
    assert f.components.shape == (28, 3 * 16 * 16)
    assert torch.allclose(f.components.norm(dim=1), torch.ones(28), atol=1e-5)  # unit directions, signed
    v = f.explained_variance
    assert (v[:-1] >= v[1:]).all() and (f.explained_ratio > 0).all() and f.explained_ratio.sum() <= 1


def test_mean_attention_distance(tr):
    dist = vitmath.mean_attention_distance(tr)
    assert dist.shape == (12, 3)
    max_distance = 16 * 13 * 2**0.5
    assert (dist >= 0).all() and (dist <= max_distance).all()
    # the ViT paper's finding: late layers attend globally more than the earliest ones on average
    assert dist[-3:].mean() > dist[:3].mean()


def test_permutation_experiment(model, image):
    r = vitmath.permutation_experiment(model, image, seed=0)
    assert sorted(r.permutation.tolist()) == list(range(196))
    assert r.no_pos_logit_diff <= 1e-4
    assert r.with_pos_logit_diff > 1e-3


def test_maps_follow_patches_when_shuffled(model, image):
    perm = torch.randperm(196, generator=torch.Generator().manual_seed(3))
    plain = vitmath.trace(model, image, drop_position=True)
    shuffled = vitmath.trace(model, image, drop_position=True, permutation=perm)
    # without positions, each image patch gets the same CLS attention wherever it sits
    assert torch.allclose(vitmath.cls_attention_maps(plain, 4), vitmath.cls_attention_maps(shuffled, 4), atol=1e-5)


def test_cnn_receptive_fields():
    rf = vitmath.cnn_receptive_fields("resnet18", pretrained=False, input_size=160, samples=2)
    sizes = [layer.size for layer in rf.layers]
    assert sizes == sorted(sizes) and sizes[0] == 7
    stage_sizes = [s.theoretical for s in rf.stages]
    assert all(a < b for a, b in zip(stage_sizes, stage_sizes[1:]))
    assert stage_sizes[-1] == 435  # ResNet-18's well-known theoretical receptive field
    for stage in rf.stages:
        erf = stage.erf
        assert erf.shape == (160, 160) and erf.max() == 1.0
        # Luo et al.: the effective field is a blob around the centre, inside the theoretical square
        assert stage.erf_size <= stage.theoretical
        c, r = 80, max(min(stage.theoretical // 4, 40), 4)  # a central square a quarter of the image at most
        central = erf[c - r : c + r + 1, c - r : c + r + 1].sum() / erf.sum()
        area = (2 * r + 1) ** 2 / erf.numel()
        # concentrated: well above the share a uniform map would put there (the old "> 0.5" held only while
        # timm's zero-initialised residual branches kept every stage's gradient inside the stem's 11 px)
        assert central > 1.5 * area


# --- cache ------------------------------------------------------------------------------------------------


def test_cached_trace_skips_the_model_second_time(tmp_path, monkeypatch):
    monkeypatch.setenv("VITLESSONS_CACHE", str(tmp_path))
    monkeypatch.delenv("VITLESSONS_WEIGHTS", raising=False)
    monkeypatch.delenv("VITLESSONS_IMAGE", raising=False)
    first = vitmath.cached_trace()
    assert len(list((tmp_path / "traces").glob("*.pt"))) == 1

    def boom(*_a, **_k):
        raise AssertionError("the model must not be built on a cache hit")

    monkeypatch.setattr(model_mod, "load_model", boom)
    monkeypatch.setattr(timm, "create_model", boom)
    start = time.perf_counter()
    second = vitmath.cached_trace()
    assert time.perf_counter() - start < 2.0
    assert torch.equal(first.logits, second.logits)
    assert torch.equal(first.blocks[7].attn, second.blocks[7].attn)
    assert first.top5 == second.top5 and first.dims == second.dims


def test_input_key_follows_image_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv("VITLESSONS_WEIGHTS", raising=False)
    img = tmp_path / "a.png"
    img.write_bytes(vitmath.DEFAULT_IMAGE.read_bytes())
    k1 = vitmath.input_key(image=img)
    assert k1 == vitmath.input_key(image=vitmath.DEFAULT_IMAGE) and len(k1) == 64
    img.write_bytes(vitmath.DEFAULT_IMAGE.read_bytes() + b"\0")
    assert vitmath.input_key(image=img) != k1
    # The library reads no environment: the CLI and a scene's inputs pass the photo in.
    monkeypatch.setenv("VITLESSONS_IMAGE", str(img))
    assert vitmath.input_key() == vitmath.input_key(image=vitmath.DEFAULT_IMAGE)
    assert vitmath.input_key(model_name="vit_small_patch16_224", image=img) != vitmath.input_key(image=img)


def test_generic_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VITLESSONS_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"value": torch.arange(3)}

    a = vitmath.cached("rollout", ["k", 0.5], compute)
    b = vitmath.cached("rollout", ["k", 0.5], compute)
    vitmath.cached("rollout", ["k", 0.6], compute)
    assert torch.equal(a["value"], b["value"]) and len(calls) == 2
    assert not list(tmp_path.rglob("*.tmp"))
