"""vitmath.receptive_field checked against independent references: hand arithmetic on hand-built conv stacks,
and the support of torch.autograd's input gradient (a pixel can influence a unit iff its gradient is nonzero
for a network with positive weights, positive inputs and no max-selection)."""
from __future__ import annotations

import torch
from torch import nn

from vitmath import receptive_field as rf


def stack(pool=nn.MaxPool2d) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=1, padding=1),          # r = 1 + 2 = 3,            j = 1
        nn.Conv2d(2, 2, 3, stride=2, padding=1),          # r = 3 + 2 * 1 = 5,        j = 2
        pool(3, stride=2, padding=1),                     # r = 5 + 2 * 2 = 9,        j = 4
        nn.Conv2d(2, 2, 5, stride=1, padding=4, dilation=2),  # r = 9 + 4 * 2 * 4 = 41, j = 4
        nn.Conv2d(2, 1, 3, stride=1, padding=0),          # r = 41 + 2 * 4 = 49,      j = 4, start += 1 * 4
    )


def test_theoretical_field_of_a_hand_built_stack():
    layers = rf.theoretical_receptive_fields(stack())
    assert [layer.size for layer in layers] == [3, 5, 9, 41, 49]
    assert [layer.jump for layer in layers] == [1, 2, 4, 4, 4]
    # "same" padding keeps unit 0 centred on pixel 0; the unpadded 3x3 shifts it by one unit spacing (4 px)
    assert [layer.start for layer in layers] == [0, 0, 0, 0, 4]


def test_theoretical_field_is_the_support_of_the_gradient():
    torch.manual_seed(0)
    net = stack(pool=nn.AvgPool2d)  # average pooling: every window pixel gets gradient (max-pool picks one)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.uniform_(m.weight, 0.1, 1.0)
            nn.init.zeros_(m.bias)
    layers = rf.theoretical_receptive_fields(net)
    x = torch.rand(1, 1, 96, 96) + 0.1
    fields = rf.unit_fields(net, x, (50.0, 46.0), points=["4"])
    (f,) = fields
    assert f.theoretical == layers[-1].size == 49
    # the unit's centre is start + u * jump: 4 + 4 * u, nearest (50, 46) -> u = (12, 10) -> (52, 44)
    assert f.unit == (12, 10) and f.centre == (52.0, 44.0)
    support = (f.grad > 0).nonzero()
    top, bottom, left, right = f.box()
    assert (int(support[:, 0].min()), int(support[:, 0].max())) == (top, bottom)
    assert (int(support[:, 1].min()), int(support[:, 1].max())) == (left, right)
    assert f.covers(int(bottom), int(bottom) + 5, int(right), int(right) + 5)
    assert not f.covers(int(bottom) + 1, int(bottom) + 5, int(left), int(right))


def test_unit_field_gradient_equals_autograd():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 5, 3, stride=2, padding=1))
    x = torch.randn(1, 3, 20, 20)
    (f,) = rf.unit_fields(net, x, (9.0, 3.0), points=["2"])
    assert f.unit == (4, 2)  # centres 2u: nearest to (9, 3) is (8, 4)... rounding 4.5 -> 4, 1.5 -> 2
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(net(xg)[0, :, 4, 2].sum(), xg)
    expected = g[0].abs().sum(0)
    assert torch.allclose(f.grad, expected / expected.max(), atol=1e-6)
    # 90% square around the centre, by brute force
    total = expected.sum()
    side = next(2 * r + 1 for r in range(40) if expected[max(8 - r, 0):8 + r + 1, max(4 - r, 0):4 + r + 1].sum()
                >= 0.9 * total)
    assert f.erf_size == side


def test_build_cnn_undoes_zero_initialised_residual_branches():
    model = rf.build_cnn("resnet18", seed=0)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and all(m.weight.any() for m in norms)
    # With the residual branches alive, the effective field grows block by block (with timm's zero init the
    # gradient skipped every 3x3 conv and stayed the stem's, 11 px, at every depth).
    x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    fields = rf.unit_fields(model, x, (64.0, 64.0), points=["act1", "layer1.1", "layer2.1", "layer3.1"])
    sizes = [f.erf_size for f in fields]
    assert sizes == sorted(sizes) and sizes[-1] > 2 * sizes[1] > 2 * 11
    assert [f.theoretical for f in fields] == [7, 43, 99, 211]  # ResNet-18, by the recursion worked by hand
    assert [f.convs for f in fields] == [1, 5, 9, 13]
