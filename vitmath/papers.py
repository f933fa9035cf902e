"""Numbers cited from papers, one home each.

A lesson that draws or speaks one of these reads it here (and fills its script's placeholder from it), so two
lessons can never quote the same table differently; the script cites the source on screen. Numbers measured
from our own tensors never live here: they come from the trace.
"""

# Dosovitskiy et al. 2021 (ViT), Sec. 4.1: the pre-training sets, in images, in the order of Table 5's columns.
PRETRAIN_IMAGES = {"in1k": 1.3e6, "in21k": 14e6, "jft": 303e6}

# ViT Table 5, the ImageNet rows: top-1 (%) after fine-tuning at 384 px, per pre-training set (PRETRAIN_IMAGES
# order). These are the values behind the paper's Figure 3.
VIT_TABLE5 = {"b16": (77.91, 83.97, 84.15), "l16": (76.53, 85.15, 87.12)}

# Touvron et al. 2021 (DeiT), Table 5: DeiT-B (ViT-B's architecture) trained on ImageNet-1k alone, 224 px.
DEIT_B_TOP1 = 81.8

# Wightman et al. 2021 (ResNet strikes back), procedure A1 (600 epochs): ResNet-50, ImageNet-1k top-1 at 224.
RSB_A1_TOP1 = 80.4

