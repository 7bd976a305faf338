"""Whole-network metamorphosis: the thin ResNet-20s trained from scratch have, block by block, the structure the
public API derives from the base model for the same compression ratio."""
import pytest
import torch

from neumeta.api.spec import NetworkSpec
from neumeta.experiments.whole.thin import BLOCKS, block_widths, thin_resnet20
from neumeta.method.folding import fuse_bn
from neumeta.models import build_model


def _layer_shapes(net):
    return {n: tuple(m.weight.shape) for n, m in net.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))}


@pytest.mark.parametrize("gamma", [0.25, 0.5, 0.75])
def test_a_thin_resnet20_is_the_structure_the_api_derives(gamma):
    widths = block_widths(gamma)
    assert widths["layer1.0"] == int((1 - gamma) * 16 + 0.5) and widths["layer3.2"] == int((1 - gamma) * 64 + 0.5)
    spec = NetworkSpec(fuse_bn(build_model("resnet20")).eval(), list(BLOCKS), (8, 16), torch.zeros(1, 3, 32, 32))
    derived = spec.model(widths)
    thin = thin_resnet20(gamma)
    assert _layer_shapes(thin) == _layer_shapes(derived)
    assert thin.layer2[0].conv1.stride == (2, 2)  # a downsampling block keeps its stride
    assert thin(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    full = sum(p.numel() for p in build_model("resnet20").parameters())
    assert sum(p.numel() for p in thin.parameters()) < full


def test_gamma_out_of_range_is_one_clear_error():
    with pytest.raises(ValueError, match="gamma must be in"):
        block_widths(1.0)


def test_the_whole_network_inr_trains_and_generates_the_thin_structure(tmp_path, monkeypatch):
    """One INR for all nine blocks, on the fixtures: trained, reused from its checkpoint, and at every gamma the
    generated network has the thin network's structure (a ratio of the widest stage gives the others)."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.whole import inr as whole
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {})
    meta, info = whole.train_whole_neumeta(P)
    assert whole.inr_path(P).exists() and len(meta.describe()) == 9
    assert whole.train_range(P) == (32, 64) and meta.spec.train_widths == (32, 64)
    for gamma in P["whole_eval_gammas"]:
        generated = whole.network_at(meta, gamma, samples=1)
        assert _layer_shapes(generated) == _layer_shapes(thin_resnet20(gamma))
    again, reused = whole.train_whole_neumeta(P)
    assert reused["reused"]
