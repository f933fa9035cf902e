"""vitmath: the real numbers behind the lessons, from a real pretrained Vision Transformer.

    model = load_model()                       # embedded ViT-Ti/16, float32, eval
    image = load_image(DEFAULT_IMAGE, model)   # exactly timm's preprocessing
    tr = trace(model, image)                   # every intermediate tensor, block by block
"""

from vitmath._version import __version__
from vitmath.analyses import (
    FilterPCA,
    PermutationResult,
    all_cls_attention_maps,
    attention_mask,
    attention_rollout,
    cls_attention_maps,
    filter_pca,
    mean_attention_distance,
    patch_distances,
    permutation_experiment,
    position_similarity,
    rollout_cls_map,
)
from vitmath.cache import cache_dir, cached, cached_trace, input_key
from vitmath.errors import UserError
from vitmath.image import LoadedImage, load_image
from vitmath.labels import class_names
from vitmath.model import DEFAULT_MODEL, DEFAULT_WEIGHTS, load_model
from vitmath.receptive_field import CNNReceptiveFields, LayerRF, StageRF, cnn_receptive_fields
from vitmath.trace import BlockTrace, Dims, Trace, dims_of, trace

DEFAULT_IMAGE = DEFAULT_WEIGHTS.parent / "cat_person_composite_224.png"

__all__ = [
    "__version__", "DEFAULT_MODEL", "DEFAULT_WEIGHTS", "DEFAULT_IMAGE", "UserError",
    "load_model", "load_image", "LoadedImage", "trace", "Trace", "BlockTrace", "Dims", "dims_of", "class_names",
    "attention_rollout", "rollout_cls_map", "cls_attention_maps", "all_cls_attention_maps", "attention_mask",
    "position_similarity", "filter_pca", "FilterPCA", "mean_attention_distance", "patch_distances",
    "permutation_experiment", "PermutationResult",
    "cnn_receptive_fields", "CNNReceptiveFields", "LayerRF", "StageRF",
    "cached_trace", "input_key", "cached", "cache_dir",
]
