"""Whole-network metamorphosis: the thin ResNet-20s trained from scratch have, block by block, the structure the
public API derives from the base model for the same compression ratio."""
import pytest
import torch

from neumeta.api.spec import NetworkSpec
from neumeta.experiments.whole.run import outside_generated
from neumeta.experiments.whole.thin import BLOCKS, block_widths, thin_resnet20
from neumeta.method.folding import fuse_bn
from neumeta.metrics import count_parameters
from neumeta.models import build_model


def _layer_shapes(net):
    return {n: tuple(m.weight.shape) for n, m in net.named_modules()
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))}


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


def test_stored_parameters_count_the_unfolded_base_outside_the_generated_blocks():
    """The generated (BN-folded) tensors stand for each block's convolutions and the BatchNorms folded into them;
    the rest is counted as the base model stores it, BatchNorms included; the classifier where asked."""
    base = build_model("resnet20")
    names = NetworkSpec(fuse_bn(base).eval(), list(BLOCKS), (8, 16), torch.zeros(1, 3, 32, 32)).names
    generated = sum(count_parameters(base.get_submodule(f"{b}.{m}")) for b in BLOCKS
                    for m in ("conv1", "bn1", "conv2", "bn2"))
    assert outside_generated(base, names) == count_parameters(base) - generated
    assert outside_generated(base, names, classifier=False) == count_parameters(base) - generated - 64 * 10 - 10


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


def test_the_follow_up_recipe_trains_stage_by_stage_and_resumes(tmp_path, monkeypatch):
    """Nine stages front to back on the fixtures: heads passed on, SkipInit scalars trained from 0, the same INR
    epochs as the paper recipe's row; a run killed after a stage resumes to bitwise the same INR, scalars and
    classifier."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.whole import followup
    from neumeta.training.loop import train_resumable
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {"inr_limit_train": 16})
    (meta, scales_and_head), info = followup.train_followup(P)
    assert [h["stage"] for h in info["history"]] == list(range(1, 10))
    assert (scales_and_head.scales != 0).all()  # every block's scalar moved away from its SkipInit 0
    net = followup.followup_network(meta, scales_and_head, 0.5, samples=1)
    assert _layer_shapes(net) == _layer_shapes(thin_resnet20(0.5))
    assert torch.equal(net.fc.weight, scales_and_head.fc.weight)

    class Stop(Exception):
        pass

    def stop_at(epoch):
        if epoch == 4:
            raise Stop
    path = tmp_path / "killed.pt"
    with pytest.raises(Stop):
        train_resumable(path, followup.FollowUpTrainee(followup.metamorph(P), _train(P), P), stop_at)
    (resumed, resumed_scales), _ = train_resumable(path, followup.FollowUpTrainee(followup.metamorph(P), _train(P), P))
    for again, once in ((resumed.inr, meta.inr), (resumed_scales, scales_and_head)):
        assert again.state_dict().keys() == once.state_dict().keys()
        for a, b in zip(again.state_dict().values(), once.state_dict().values()):
            assert torch.equal(a, b)
    with pytest.raises(ValueError, match="must be equal"):
        followup.check_epochs(dict(P, whole_followup_stage_epochs=2))


def _train(P):
    from neumeta.data import get_dataset
    from neumeta.experiments.pretrained.base_models import resolve_data_root
    return get_dataset("cifar10", "train", root=resolve_data_root(P))
