"""Every bad input gets one clear UserError; every odd but valid photo loads like timm would load it."""

import io

import numpy as np
import pytest
import safetensors.torch
import timm
import torch
from PIL import Image
from timm.data import create_transform, resolve_data_config

import vitmath


@pytest.fixture(autouse=True)
def no_weights_env(monkeypatch):
    monkeypatch.delenv("VITLESSONS_WEIGHTS", raising=False)


def photo(size=(64, 48)):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)


# --- images -----------------------------------------------------------------------------------------------


def test_matches_timm_transform(model):
    expected = create_transform(**resolve_data_config({}, model=model))(
        Image.open(vitmath.DEFAULT_WEIGHTS.parent / "chelsea.png").convert("RGB")
    )
    loaded = vitmath.load_image(vitmath.DEFAULT_WEIGHTS.parent / "chelsea.png", model)
    assert loaded.tensor.shape == (1, 3, 224, 224) and loaded.tensor.dtype == torch.float32
    assert torch.equal(loaded.tensor[0], expected)
    # the picture is the very crop the model sees, before normalisation
    assert torch.allclose(torch.from_numpy(loaded.picture).permute(2, 0, 1) / 255 * 2 - 1, expected, atol=1e-6)


def save(tmp_path, name, img, **kw):
    path = tmp_path / name
    img.save(path, **kw)
    return path


def test_odd_modes_all_load(tmp_path, model):
    rgb = Image.fromarray(photo())
    gradient16 = (np.arange(40 * 50).reshape(40, 50) * 30).astype(np.uint16)
    rgba = Image.fromarray(np.dstack([photo(), np.full((48, 64), 128, np.uint8)]))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    files = [
        save(tmp_path, "p16.png", Image.fromarray(gradient16)),
        save(tmp_path, "gray.png", rgb.convert("L")),
        save(tmp_path, "rgba.png", rgba),
        save(tmp_path, "palette.png", rgb.convert("P")),
        save(tmp_path, "cmyk.jpg", rgb.convert("CMYK")),
        save(tmp_path, "rotated.jpg", rgb, exif=exif),
        save(tmp_path, "tiny.png", Image.fromarray(photo((20, 30)))),
        save(tmp_path, "photo.webp", rgb),
    ]
    for path in files:
        loaded = vitmath.load_image(path, model)
        assert loaded.tensor.shape == (1, 3, 224, 224), path.name
        assert loaded.picture.shape == (224, 224, 3) and loaded.picture.dtype == np.uint8
        assert torch.isfinite(loaded.tensor).all() and loaded.tensor.abs().max() <= 1.0 + 1e-6
        assert loaded.path == path


def test_16bit_uses_the_full_range(tmp_path, model):
    ramp = np.tile(np.linspace(0, 65535, 224).astype(np.uint16), (224, 1))
    loaded = vitmath.load_image(save(tmp_path, "ramp16.png", Image.fromarray(ramp)), model)
    # a naive conversion clips everything above 255 to white; scaling keeps the ramp (centre crop trims its ends)
    assert int(loaded.picture.max()) - int(loaded.picture.min()) >= 200
    assert abs(int(loaded.picture[112, 112, 0]) - 128) <= 3


def test_transparent_pixels_become_white(tmp_path, model):
    clear = np.zeros((64, 64, 4), np.uint8)  # black, transparent on the right, opaque on the left
    clear[:, :32, 3] = 255
    loaded = vitmath.load_image(save(tmp_path, "clear.png", Image.fromarray(clear)), model)
    assert (loaded.picture[:, -32:] == 255).all() and (loaded.picture[:, :32] == 0).all()


def test_exif_rotation_is_applied(tmp_path, model):
    tall = np.zeros((40, 80, 3), np.uint8)
    tall[:, :40] = 255  # left half white, shown rotated 90 degrees clockwise: top half white
    exif = Image.Exif()
    exif[0x0112] = 6
    loaded = vitmath.load_image(save(tmp_path, "r.jpg", Image.fromarray(tall), exif=exif, quality=95), model)
    assert loaded.picture[:50].mean() > 200 and loaded.picture[-50:].mean() < 50


def test_missing_file(tmp_path, model):
    with pytest.raises(vitmath.UserError, match="not found"):
        vitmath.load_image(tmp_path / "nope.png", model)


def test_text_renamed_png(tmp_path, model):
    path = tmp_path / "notes.png"
    path.write_text("hello, not an image\n")
    with pytest.raises(vitmath.UserError, match="not an image"):
        vitmath.load_image(path, model)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path, model, fmt):
    buf = io.BytesIO()
    Image.fromarray(photo((256, 256))).save(buf, format=fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(vitmath.UserError, match="truncated"):
        vitmath.load_image(path, model)


def test_too_small(tmp_path, model):
    with pytest.raises(vitmath.UserError, match="8x8"):
        vitmath.load_image(save(tmp_path, "s.png", Image.fromarray(photo((8, 8)))), model)


def test_a_photo_whose_patches_are_all_alike_is_refused(tmp_path, model):
    """Lessons 6 and 7 spoke "nan" on a flat grey photo: every comparison between patches was 0 / 0."""
    pixels = np.full((224, 224, 3), 128, np.uint8)
    with pytest.raises(vitmath.UserError, match="patch of the photo the model sees is the same"):
        vitmath.load_image(save(tmp_path, "flat.png", Image.fromarray(pixels)), model)
    pixels[100:108, 100:108] = 140  # one small square of another grey is a photo, if a dull one
    vitmath.load_image(save(tmp_path, "square.png", Image.fromarray(pixels)), model)


# --- weights and model names ------------------------------------------------------------------------------


def test_wrong_weights_name_the_shapes(tmp_path):
    small = timm.create_model("vit_small_patch16_224", pretrained=False)
    path = tmp_path / "small.safetensors"
    safetensors.torch.save_file({k: v.half().contiguous() for k, v in small.state_dict().items()}, str(path))
    with pytest.raises(vitmath.UserError, match=r"shape mismatch.*\(1, 1, 384\) vs \(1, 1, 192\)"):
        vitmath.load_model(None, path)


def test_missing_and_unexpected_keys(tmp_path):
    state = timm.create_model("vit_tiny_patch16_224", pretrained=False).state_dict()
    state["extra.weight"] = state.pop("head.weight")
    path = tmp_path / "renamed.pth"
    torch.save(state, path)
    with pytest.raises(vitmath.UserError, match="missing keys: head.weight.*unexpected keys: extra.weight"):
        vitmath.load_model("vit_tiny_patch16_224", path)


def test_good_pth_round_trip(tmp_path):
    reference = vitmath.load_model()
    path = tmp_path / "tiny.pth"
    torch.save({"state_dict": reference.state_dict()}, path)
    again = vitmath.load_model("vit_tiny_patch16_224", path)
    assert torch.equal(again.pos_embed, reference.pos_embed)


@pytest.mark.parametrize("suffix", [".safetensors", ".pth", ".npz"])
def test_corrupt_weights(tmp_path, suffix):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(vitmath.UserError, match=str(path.name)):
        vitmath.load_model("vit_tiny_patch16_224", path)


def test_weights_not_a_file(tmp_path):
    with pytest.raises(vitmath.UserError, match="not found"):
        vitmath.load_model(None, tmp_path / "absent.safetensors")


def test_env_weights_reach_the_model_through_the_inputs_not_the_library(tmp_path, monkeypatch):
    from scenes.common.inputs import LessonInputs

    monkeypatch.setenv("VITLESSONS_WEIGHTS", str(tmp_path / "absent.pth"))
    from vitmath.sources import resolve_source

    assert resolve_source("vit_small_patch16_224") == ("vit_small_patch16_224", None)
    weights = LessonInputs.from_env().weights
    with pytest.raises(vitmath.UserError, match="absent.pth"):
        vitmath.load_model("vit_small_patch16_224", weights)


def test_unknown_model_name():
    with pytest.raises(vitmath.UserError, match="unknown timm model"):
        vitmath.load_model("vit_gigantic_patch3_999")


def test_non_vit_model():
    with pytest.raises(vitmath.UserError, match="not a Vision Transformer"):
        vitmath.load_model("resnet18")


def test_offline_pretrained_says_how_to_provide_weights(monkeypatch):
    def offline(*_a, **_k):
        raise ConnectionError("no internet")

    monkeypatch.setattr(timm.models._builder, "load_pretrained", offline)
    with pytest.raises(vitmath.UserError, match="--weights FILE or VITLESSONS_WEIGHTS"):
        vitmath.load_model("vit_small_patch16_224")


def test_default_model_is_float32_eval():
    m = vitmath.load_model()
    assert not m.training and all(p.dtype == torch.float32 for p in m.parameters())
