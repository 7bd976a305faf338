import pytest
import torch

from neumeta.models import build_model, check_width, target_block_prefix

# chenyaofo/pytorch-cifar-models key layout (its published ResNet-20 has these exact keys)
CHENYAOFO_RESNET20_PREFIXES = ["conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.2.bn2.running_var",
                               "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
                               "layer3.0.downsample.1.num_batches_tracked", "layer3.2.conv2.weight",
                               "fc.weight", "fc.bias"]


def test_resnet20_matches_chenyaofo_layout():
    model = build_model("resnet20")
    keys = model.state_dict().keys()
    for k in CHENYAOFO_RESNET20_PREFIXES:
        assert k in keys
    assert not any("layer1.0.downsample" in k for k in keys)  # option B only where the shape changes
    assert sum(p.numel() for p in model.parameters()) == 272_474  # chenyaofo's count
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("d", [1, 16, 48, 64, 100])
def test_resnet20_width_changes_only_last_layer3_block(d):
    model = build_model("resnet20", width=d)
    full = build_model("resnet20").state_dict()
    for name, t in model.state_dict().items():
        if name.startswith(target_block_prefix("resnet20")) and ("conv1" in name or "bn1" in name or "conv2" in name):
            continue
        assert t.shape == full[name].shape, name
    assert model.layer3[2].conv1.weight.shape == (d, 64, 3, 3)
    assert model.layer3[2].conv2.weight.shape == (64, d, 3, 3)
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_resnet56_and_cifar100_head():
    model = build_model("resnet56", num_classes=100, width=32)
    assert model.layer3[8].conv1.out_channels == 32 and model.fc.out_features == 100


def test_lenet_parameter_counts_match_official_shapes():
    assert sum(p.numel() for p in build_model("lenet").parameters()) == 257_802
    small = build_model("lenet", width=8)
    assert sum(p.numel() for p in small.parameters()) == 16_458
    assert small(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_resnet18_layer3_1_width():
    model = build_model("resnet18", num_classes=7, width=100)
    assert model.layer3[1].conv1.weight.shape == (100, 256, 3, 3)
    assert model.layer3[1].conv2.weight.shape == (256, 100, 3, 3)
    assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 7)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "64", None, True])
def test_bad_width_gets_one_clear_error(bad):
    with pytest.raises(ValueError, match="positive integer"):
        check_width(bad)
    if bad is not None:
        with pytest.raises(ValueError, match="positive integer"):
            build_model("resnet20", width=bad)


def test_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("vgg16")


def test_the_channels_last_copy_predicts_as_the_network_and_leaves_it_as_it_was():
    import torch
    from neumeta.hardware.layout import channels_last_copy
    from neumeta.models import build_model
    torch.manual_seed(0)
    net = build_model("resnet20", num_classes=10).train()
    x = torch.randn(4, 3, 32, 32)
    fast = channels_last_copy(net)
    assert not fast.training and net.training  # the copy is in eval mode, the network untouched
    assert fast.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert net.conv1.weight.is_contiguous() and fast.conv1.weight is not net.conv1.weight
    with torch.no_grad():
        assert torch.allclose(fast(x), net.eval()(x), atol=1e-5)
