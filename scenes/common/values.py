"""Numbers the narration may speak, each read off the model's trace (never typed in)."""
from __future__ import annotations

from pathlib import Path

import vitmath
from scenes.common import numbers as num
from scenes.common.words import kit_text
from vitmath import papers


def narration_values(trace) -> dict[str, object]:
    d = trace.dims
    size = int(trace.input.shape[-1])
    label, prob = trace.top5[0][1], trace.top5[0][2]
    return {
        "image_size": size,
        "input_values": f"{3 * size * size:,}",
        "patch_size": d.P,
        "grid": d.grid,
        "num_patches": d.N,
        "last_index": d.N - 1,
        "patch_dim": d.P * d.P * 3,
        "embed_dim": d.D,
        "num_heads": d.H,
        "depth": d.depth,
        "top1_label": label,
        # Random or untrained weights put well under 1% on every class: "0 percent" would say "never".
        "top1_percent": f"{100 * prob:.0f} percent" if prob >= 0.005 else "less than 1 percent",
    }


def is_course_photo(image: str | None) -> bool:
    return image is None or Path(image).resolve() == Path(vitmath.DEFAULT_IMAGE).resolve()


def photo_description(image: str | None) -> str:
    """What the photo is, in words: known for the course photo (see its PROVENANCE.md), neutral for others."""
    if is_course_photo(image):
        return kit_text("course_photo")
    return kit_text("your_photo", name=Path(image).name)


def spoken_list(items) -> str:
    """Items as a sentence says them: "50, 100 and 200"."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {kit_text('list_and')} " + items[-1]


def paper_values() -> dict[str, object]:
    """The papers' numbers lessons speak (`vitmath.papers`), one decimal as the papers round them in prose:
    ViT Table 5's ImageNet row as `b16_in1k` ... `l16_jft`, and DeiT-B as `deit_b_top1`."""
    values = {f"{model}_{data}": num.decimal(top1, 1)
              for model, row in papers.VIT_TABLE5.items() for data, top1 in zip(papers.PRETRAIN_IMAGES, row)}
    values["deit_b_top1"] = num.decimal(papers.DEIT_B_TOP1, 1)
    return values
