"""Human-readable class names, from the ImageNet metadata that ships inside timm (works offline)."""

from __future__ import annotations

from functools import cache


def class_names(model) -> list[str]:
    """One short name per output class, e.g. "tiger cat": the first WordNet lemma, which is what people say."""
    from timm.data import infer_imagenet_subset  # here: timm takes seconds to import

    return _names(infer_imagenet_subset(model), model.num_classes)


@cache
def _names(subset: str | None, num_classes: int) -> list[str]:
    if subset is None:  # a head trained on something other than ImageNet: we only know the index
        return [f"class {i}" for i in range(num_classes)]
    from timm.data import ImageNetInfo

    info = ImageNetInfo(subset)
    return [info.index_to_description(i).split(",")[0].strip() for i in range(num_classes)]
