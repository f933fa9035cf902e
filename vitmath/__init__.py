"""vitmath: the real numbers behind the lessons, from a real pretrained Vision Transformer.

    model = load_model()                       # embedded ViT-Ti/16, float32, eval
    image = load_image(DEFAULT_IMAGE, model)   # exactly timm's preprocessing
    tr = trace(model, image)                   # every intermediate tensor, block by block

Names are imported on first use: deciding what to re-render (input_key) must not cost a torch import.
"""

from importlib import import_module

# Nothing is imported eagerly, not even the small modules: every cache key digests the files a module
# imports (vitmath/code_digest.py), and an eager import here would put them into every key under vitmath.
_WHERE = {
    "analyses": [
        "FilterPCA", "PermutationResult", "all_cls_attention_maps", "attention_mask", "attention_rollout",
        "cls_attention_maps", "filter_pca", "mean_attention_distance", "patch_distances",
        "permutation_experiment", "position_similarity", "rollout_cls_map",
    ],
    "cache": ["cache_dir", "cached", "cached_trace"],
    "errors": ["UserError"],
    "image": ["LoadedImage", "load_image"],
    "labels": ["class_names"],
    "model": ["load_model"],
    "patchify": ["PatchFacts", "cached_patch_facts", "patch_facts"],
    "receptive_field": ["CNNReceptiveFields", "LayerRF", "StageRF", "cnn_receptive_fields"],
    "sources": ["DEFAULT_IMAGE", "DEFAULT_MODEL", "DEFAULT_WEIGHTS", "input_key"],
    "tracing": ["BlockTrace", "Dims", "Trace", "dims_of", "trace"],
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name):
    if name in _MODULE_OF:
        value = getattr(import_module(f"vitmath.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vitmath' has no attribute {name!r}")


__all__ = [*_MODULE_OF]
