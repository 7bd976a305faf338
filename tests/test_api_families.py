"""NeuMeta's preparation on torchvision's convolutional families, at random initialisation with BatchNorm statistics
filled in: folding and permuting keep the function (float64), total variation does not rise, and a network at a
narrower inner width runs with the parameter count its structure implies. A transformer gets one clear error.

The solver is the greedy variant: LKH's cost grows fast with the channel count (one run over ResNet-18's 512
channels takes seconds). The L1 distances between channels dominate even then (they grow with channels squared
times the entries per channel), so two families run reduced here and exactly as torchvision builds them in
``make test-slow``: ResNeXt-50 with two channels per group (``width_per_group=2``, 32 groups as in 32x4d), and
VGG-11-BN's convolutional features under one linear classifier (torchvision's classifier has two hidden layers of
4,096 units, whose ordering alone takes minutes here).
"""
import pytest
import torch
import torch.nn as nn
import torchvision.models as tvm

import neumeta
from neumeta.api.spec import NetworkSpec
from neumeta.api.target import NetworkTarget
from neumeta.method.channels import permute_network
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.permute import network_tv

FAMILIES = {  # builder, the block whose inner width changes, a narrower width of its first inner set
    "resnet18": (lambda: tvm.resnet18(num_classes=10), "layer3.1", 160),
    "resnext50_32x2d": (lambda: resnext50(width_per_group=2), "layer3.1", 96),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(num_classes=10), "features.4", 48),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(num_classes=10), "features.3.1", 120),
    "vgg11_bn_features": (lambda: vgg11_bn_features(), "features", 32),
}
EXACT = {  # as torchvision builds them: minutes on a 2-core CPU
    "resnext50_32x4d": (lambda: tvm.resnext50_32x4d(num_classes=10), "layer3.1", 256),
    "vgg11_bn": (lambda: tvm.vgg11_bn(num_classes=10), "features", 32),
}


def resnext50(width_per_group):
    """ResNeXt-50's structure (torchvision's ``resnext50_32x4d`` with another width per group)."""
    return tvm.resnet.ResNet(tvm.resnet.Bottleneck, [3, 4, 6, 3], num_classes=10, groups=32,
                             width_per_group=width_per_group)


def vgg11_bn_features():
    """VGG-11-BN's convolutional features, pooled to 1 x 1, under one linear classifier."""
    model = tvm.vgg11_bn(num_classes=10)
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    model.classifier = nn.Linear(512, 10)
    return model


def _with_statistics(model, seed=0):
    """Non-trivial BN statistics and affine parameters, so that a wrong fold or permutation shows."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
            m.running_var.copy_(0.5 + torch.rand(n, generator=g))
            m.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=g))
            m.bias.data.copy_(0.1 * torch.randn(n, generator=g))
    return model.eval().double()


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_folds_permutes_and_narrows(family):
    _check_family(*FAMILIES[family])


@pytest.mark.slow
@pytest.mark.parametrize("family", EXACT)
def test_a_family_as_torchvision_builds_it_folds_permutes_and_narrows(family):
    _check_family(*EXACT[family])


def _check_family(build, block, width):
    torch.manual_seed(0)
    model = _with_statistics(build())
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    folded = fuse_bn(model)
    state, report = permute_network(folded, x[:1], "greedy", runs=1, seed=0)
    permuted = fuse_bn(model)
    permuted.load_state_dict(state)
    with torch.no_grad():
        assert (permuted(x) - model(x)).abs().max() <= 1e-10
    assert sum(network_tv(state).values()) <= sum(network_tv(folded.state_dict()).values())
    spec = NetworkSpec(permuted, [block], (width, width), x[:1])
    target = NetworkTarget(spec, state)
    inr = NeuMetaINR(spec, hidden=8, num_layers=1, num_freqs=0)  # untrained: only shapes and paths are checked
    with torch.no_grad():
        generated = {k: v.double() for k, v in inr.weights(width).items()}
        narrow = target.materialise(generated, width)  # the network generated at the narrower width
        assert torch.allclose(narrow(x), target(x, generated), rtol=1e-9, atol=1e-12)  # both ways run it alike
    full_shapes, narrow_shapes = spec.shapes(spec.full_width), spec.shapes(width)
    implied = (count(permuted) - sum(_numel(s) for s in full_shapes.values())
               + sum(_numel(s) for s in narrow_shapes.values()))
    assert count(narrow) == implied < count(permuted)


def count(model):
    return sum(p.numel() for p in model.parameters())


def _numel(shape):
    return int(torch.tensor(shape).prod())


def test_a_transformers_mlp_resizes_and_its_attention_has_no_inner_width():
    """The residual stream (LayerNorms, the class token's concatenation, attention) keeps its channels; the MLP's
    hidden width is the block's own and narrows."""
    vit = tvm.VisionTransformer(image_size=32, patch_size=8, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32,
                                num_classes=10).eval()
    x, layer = torch.randn(1, 3, 32, 32), "encoder.layers.encoder_layer_0"
    meta = neumeta.Metamorph(vit, [f"{layer}.mlp"], (16, 32), x, solver_runs=1,
                             inr={"hidden": 16, "num_layers": 2, "num_freqs": 3})
    narrow = meta.network(20, samples=1)
    assert narrow.get_submodule(f"{layer}.mlp.0").out_features == 20 and narrow(x).shape == (1, 10)
    with pytest.raises(ValueError, match="no inner width"):
        neumeta.Metamorph(vit, [f"{layer}.self_attention"], (16, 32), x, solver_runs=1)


def test_grouped_channels_narrow_group_by_group_and_keep_the_group_count():
    torch.manual_seed(0)
    model = _with_statistics(resnext50(width_per_group=4))
    x = torch.randn(1, 3, 64, 64, dtype=torch.float64)
    spec = NetworkSpec(fuse_bn(model), ["layer3.1"], (32, 128), x)
    assert [(g.size, g.step) for g in spec.groups] == [(512, 32), (512, 32)]
    assert spec.widths(300) == (288, 288) and spec.widths(100) == (96, 96)  # multiples of the 32 groups
    conv2 = spec.model(64).layer3[1].conv2
    assert (conv2.groups, conv2.in_channels, conv2.out_channels, tuple(conv2.weight.shape[:2])) == (32, 64, 64, (64, 2))
    with pytest.raises(ValueError, match="multiple"):
        spec.widths((80, 80))
