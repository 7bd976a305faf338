import torch

from neumeta.method.engine import TargetNetwork
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.models import build_model
from neumeta.method.spec import LENET_ALL, RESNET20_LAST_BLOCK


def _target(spec):
    torch.manual_seed(0)
    return TargetNetwork(spec, fuse_bn(build_model(spec.arch, width=spec.full_width)).state_dict())


def test_functional_call_with_ground_truth_is_the_pretrained_network():
    target = _target(RESNET20_LAST_BLOCK)
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(target(x, target.ground_truth()), target.net(x))


def test_one_module_runs_every_width_and_materialises_it():
    target = _target(RESNET20_LAST_BLOCK)
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=16, num_layers=2, num_freqs=4)
    x = torch.randn(2, 3, 32, 32)
    for d in (16, 33, 64):
        w = inr.weights(d)
        out = target(x, w)
        plain = target.materialise(w, d)
        assert plain.layer3[2].conv1.out_channels == d
        assert torch.allclose(out, plain(x), atol=1e-5)


def test_backward_reaches_the_inr_but_not_the_frozen_trunk():
    target = _target(RESNET20_LAST_BLOCK)
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=16, num_layers=2, num_freqs=4)
    loss = target(torch.randn(2, 3, 32, 32), inr.weights(40)).sum()
    loss.backward()
    assert all(p.grad is not None for p in inr.parameters())
    assert [n for n, p in inr.named_parameters() if n.endswith("weight") and p.grad.abs().sum() == 0] == []
    assert all(p.grad is None and not p.requires_grad for p in target.net.parameters())


def test_lenet_every_layer_generated():
    target = _target(LENET_ALL)
    inr = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4)
    assert target(torch.randn(3, 1, 28, 28), inr.weights(5)).shape == (3, 10)
