"""The ViT explorer of the course page: the course's own model, exported to ONNX, run in the browser.

    OUT/site/explorer/model.onnx         vitmath's forward of the model the course was rendered with
    OUT/site/explorer/ort/               onnxruntime-web's WASM build (npm, pinned in render/explorer/)
    data.js  window.VITLESSONS.explorer  the preprocessing, the class names, the views' lessons

The page (site_files/explorer.js) decodes the learner's photo, resizes and centre-crops it exactly as timm's
transform does (the same Pillow resampling, the same rounding), runs the ONNX model with onnxruntime-web, and
draws the maps from its outputs. Nothing leaves the browser.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from vitmath.errors import UserError

NPM = Path(__file__).resolve().parent / "explorer"
ORT_DIST = NPM / "node_modules" / "onnxruntime-web" / "dist"
# The WASM-only build, as a classic script (a page opened from file:// cannot load ES modules), its glue and
# its binary: the page needs no other file of the package.
ORT_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
OPSET = 17

# The lesson that teaches each view, by the cue where that lesson's chapter starts; the chapter's title and
# its time come from the lesson's script and its render.
VIEW_LESSONS = {
    "grid": ("p2-01-contact-sheet", "grid"),
    "patch": ("p2-01-contact-sheet", "zoom"),
    "top5": ("p1-04-cls-token", "readout"),
    "row": ("p2-03-every-patch-asks", "hook"),
    "cls": ("p2-04-twelve-heads", "maps"),
    "distance": ("p2-04-twelve-heads", "distance-def"),
    "rollout": ("p4-01-predict-and-verify", "r4-ask"),
}
MAP_CMAP = "inferno"  # the attention maps' colours in lessons 8 and 9


# ------------------------------------------------------------------------------------------ the model

def page_net(model):
    """A module whose forward is vitmath's hand-written trace: pixels in; the logits and every block's
    attention weights out, (1, classes) and (depth, H, T, T). The same code the lessons are drawn from."""
    import torch

    from vitmath.tracing import trace

    class PageNet(torch.nn.Module):
        def __init__(self, vit):
            super().__init__()
            self.vit = vit

        def forward(self, pixels):
            tr = trace(self.vit, pixels)
            return tr.logits[None], torch.stack([b.attn for b in tr.blocks])

    return PageNet(model)


def onnx_bytes(model_name: str | None, weights) -> bytes:
    """The exported model, cached on disk by the model's bytes and this code (an export costs seconds)."""
    import vitmath
    from vitmath.sources import DEFAULT_IMAGE

    # input_key names model + weights (+ a photo, fixed here: the export does not depend on one).
    key = vitmath.input_key(model_name, weights, DEFAULT_IMAGE)

    def export() -> bytes:
        return _export(vitmath.load_model(model_name, weights))

    return vitmath.cached("explorer_onnx", [key, OPSET], export)


def _export(model) -> bytes:
    import io

    import onnx
    import torch

    from vitmath.tracing import dims_of

    d = dims_of(model)
    pixels = torch.zeros(1, 3, d.grid * d.P, d.grid * d.P)
    buf = io.BytesIO()
    with warnings.catch_warnings():  # the tracer notes every Python number it freezes (the sizes): expected
        warnings.simplefilter("ignore")
        torch.onnx.export(page_net(model).eval(), (pixels,), buf, dynamo=False, opset_version=OPSET,
                          input_names=["pixels"], output_names=["logits", "attention"])
    graph = onnx.load_from_string(buf.getvalue())
    _store_half_where_lossless(graph)
    return graph.SerializeToString()


def _store_half_where_lossless(graph) -> None:
    """Store each float32 weight that float16 holds exactly (all of them for the embedded fp16 weights) as
    float16, cast back to float32 in the graph: half the download, the same numbers to the last bit."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    casts = []
    for init in graph.graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        value = numpy_helper.to_array(init)
        half = value.astype(np.float16)
        if value.size < 64 or not np.array_equal(half.astype(np.float32), value):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, name + ".fp16"))
        casts.append(helper.make_node("Cast", [name + ".fp16"], [name], to=TensorProto.FLOAT))
    for i, node in enumerate(casts):
        graph.graph.node.insert(i, node)


# ------------------------------------------------------------------------------------------ the photo

def preprocessing(model) -> dict:
    """What the page must do to a photo: timm's own eval transform for this model, step by step.

    Read from the transform vitmath.load_image runs (not re-derived from crop_pct), so the page's resize and
    crop are the ones the lessons' numbers came from. A step the page does not implement raises UserError.
    """
    from timm.data import create_transform, resolve_data_config

    config = resolve_data_config({}, model=model)
    steps = create_transform(**config).transforms
    names = [type(s).__name__ for s in steps]
    if names != ["Resize", "CenterCrop", "MaybeToTensor", "Normalize"] and \
            names != ["Resize", "CenterCrop", "ToTensor", "Normalize"]:
        raise UserError(f"the explorer does not implement this model's preprocessing ({', '.join(names)})")
    resize, crop, _, norm = steps
    size = resize.size if isinstance(resize.size, int) else (resize.size[0] if len(resize.size) == 1 else None)
    interpolation = resize.interpolation.value
    if size is None or interpolation not in ("bicubic", "bilinear"):
        raise UserError(f"the explorer does not implement a resize to {resize.size} with {interpolation}")
    return {"resize_shorter": int(size), "crop": [int(c) for c in crop.size], "interpolation": interpolation,
            "mean": [float(m) for m in norm.mean], "std": [float(s) for s in norm.std],
            "crop_pct": float(config["crop_pct"]), "input_size": list(config["input_size"])}


# ------------------------------------------------------------------------------------------ the site's part

def lesson_links(lessons, items: dict) -> dict:
    """Per view: the lesson (number, id, title) and the chapter (title, start in s) that teach it."""
    from narration.script import load_script

    by_id = {lesson.id: lesson for lesson in lessons}
    links = {}
    for view, (lesson_id, cue_id) in VIEW_LESSONS.items():
        lesson = by_id.get(lesson_id)
        if lesson is None:
            continue
        title = next((c.chapter for c in load_script(lesson.narration_file).cues if c.id == cue_id), None)
        chapters = (items.get(lesson_id) or {}).get("chapters", [])
        start = next((c["start"] for c in chapters if c["title"] == title), None)
        links[view] = {"lesson": lesson_id, "number": lesson.number, "title": lesson.title, "chapter": title,
                       "start": start}
    return links


def write_explorer(site: Path, inputs: dict, lessons, items: dict, echo=print) -> dict:
    """Put the model and the runtime in SITE/explorer/; returns the explorer's part of data.js.

    Without the npm package (./setup.sh not run) the page still builds: the explorer then says what is missing.
    """
    import vitmath
    from vitmath.image import MIN_SIDE
    from vitmath.labels import class_names
    from vitmath.tracing import dims_of
    from scenes.common.heatmaps import COLORMAPS

    missing = [name for name in ORT_FILES if not (ORT_DIST / name).is_file()]
    if missing:
        echo(f"warning: the explorer needs onnxruntime-web ({missing[0]} not in {ORT_DIST}); run ./setup.sh")
        return {"available": False, "reason": "npm"}
    model = vitmath.load_model(inputs.get("model"), inputs.get("weights"))
    try:
        prep = preprocessing(model)
    except UserError as e:
        echo(f"warning: {e}; the page leaves the explorer out")
        return {"available": False, "reason": "preprocessing"}
    folder = site / "explorer"
    (folder / "ort").mkdir(parents=True)
    (folder / "model.onnx").write_bytes(onnx_bytes(inputs.get("model"), inputs.get("weights")))
    for name in ORT_FILES:
        shutil.copyfile(ORT_DIST / name, folder / "ort" / name)
    d = dims_of(model)
    return {"available": True, "model_file": "explorer/model.onnx", "runtime": "explorer/ort/",
            "model": d.model_name, "size": d.grid * d.P, "patch": d.P, "grid": d.grid, "depth": d.depth,
            "heads": d.H, "tokens": d.T, "min_side": MIN_SIDE, "preprocessing": prep, "labels": class_names(model),
            "cmap": [[round(float(c), 6) for c in rgb] for rgb in COLORMAPS[MAP_CMAP]],
            "lessons": lesson_links(lessons, items)}
