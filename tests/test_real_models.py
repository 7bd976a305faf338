"""The engine on the committed cpu-profile models and real fixture images (not random weights)."""
from pathlib import Path

import pytest
import torch

from neumeta.experiments.pretrained.base_models import INPUT_SHAPES, base_checkpoint_path
from neumeta.store.checkpoints import load_checkpoint
from neumeta.data import get_dataset
from neumeta.method.engine import TargetNetwork
from neumeta.experiments.inr.experiment import SPECS, build_inr
from neumeta.method.inr import NeuMetaINR
from neumeta.method.folding import fuse_bn
from neumeta.method.training import fit_reconstruction
from neumeta.metrics import evaluate_accuracy
from neumeta.models import build_model
from neumeta.method.channels import permute_network
from neumeta.config.profiles import load_profile
from neumeta.experiments.pretrained.targets import permuted_target

COMMITTED = Path(__file__).resolve().parents[1] / "checkpoints"


@pytest.fixture
def cpu_profile(monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(COMMITTED))  # read-only use of the committed store
    return load_profile("cpu")


def _images(dataset, fixtures_root, n=500):
    test = get_dataset(dataset, "test", root=fixtures_root, transform="eval")
    return torch.stack([test[i][0] for i in range(n)])


@pytest.mark.parametrize("arch,dataset", [("resnet20", "cifar10"), ("lenet", "mnist")])
def test_permuting_the_trained_model_preserves_its_function(arch, dataset, cpu_profile, fixtures_root):
    model = build_model(arch)
    model.load_state_dict(load_checkpoint(base_checkpoint_path(arch, dataset, cpu_profile))["state_dict"])
    folded = fuse_bn(model.eval())
    state, _ = permute_network(folded, torch.zeros(1, *INPUT_SHAPES[dataset]), "shp", runs=2)
    permuted = fuse_bn(build_model(arch))
    permuted.load_state_dict(state)
    x = _images(dataset, fixtures_root)
    with torch.no_grad():
        # float64: the permutation is exact, so nothing but rounding may differ
        diff64 = (folded.double()(x.double()) - permuted.eval().double()(x.double())).abs().max().item()
        diff32 = (folded.float()(x) - permuted.float()(x)).abs().max().item()
    assert diff64 < 1e-5 and diff32 < 1e-4, (diff64, diff32)


@pytest.mark.slow
def test_reconstruction_alone_reproduces_the_permuted_block(cpu_profile, fixtures_root):
    """Full-width round trip at the cpu profile's size: the INR fitted to the permuted block (no data) for the
    profile's warm-start steps keeps the accuracy (minutes: `make test-slow`)."""
    torch.manual_seed(0)
    state, _ = permuted_target("resnet20", "cifar10", cpu_profile)
    target = TargetNetwork(SPECS["resnet20"], state)
    inr = build_inr(SPECS["resnet20"], cpu_profile, "resnet20")
    report = fit_reconstruction(inr, target, cpu_profile["inr_rec_warmup_steps"], cpu_profile["inr_rec_warmup_lr"])
    test = get_dataset("cifar10", "test", root=fixtures_root, transform="eval")
    with torch.no_grad():
        generated = inr.weights(64)
        base_acc = evaluate_accuracy(lambda x: target(x, target.ground_truth()), test)
        acc = evaluate_accuracy(lambda x: target(x, generated), test)
    assert abs(acc - base_acc) <= 0.5, (acc, base_acc, report["relative_error"])


def test_a_short_reconstruction_already_makes_a_working_block(cpu_profile, fixtures_root):
    """The same fit, small and short (a 128-wide INR, 400 steps, seconds): far from chance and within ten points
    of the base model (not yet within 0.5: that takes the full fit), so the size scaling and the targets are right
    (a wrong scaling starts at chance)."""
    torch.manual_seed(0)
    state, _ = permuted_target("resnet20", "cifar10", cpu_profile)
    target = TargetNetwork(SPECS["resnet20"], state)
    inr = NeuMetaINR(SPECS["resnet20"], hidden=128, num_layers=cpu_profile["inr_layers"],
                     num_freqs=cpu_profile["inr_freqs"])
    report = fit_reconstruction(inr, target, 400, cpu_profile["inr_rec_warmup_lr"])
    test = get_dataset("cifar10", "test", root=fixtures_root, transform="eval")
    with torch.no_grad():
        base_acc = evaluate_accuracy(lambda x: target(x, target.ground_truth()), test)
        acc = evaluate_accuracy(lambda x: target(x, inr.weights(64)), test)
    assert acc >= base_acc - 10.0, (acc, base_acc, report["relative_error"])  # chance is 10 %
    assert max(report["relative_error"].values()) < 0.7, report["relative_error"]


def test_the_committed_inr_records_a_warm_start_that_reproduced_the_block(cpu_profile):
    """What the full-size warm start reached when the committed ResNet-20 INR was trained (stored in its checkpoint)."""
    from neumeta.experiments.inr.experiment import inr_checkpoint_path
    meta = load_checkpoint(inr_checkpoint_path("resnet20", "cifar10", cpu_profile))["meta"]
    warm = meta["warm_start"]
    assert warm["steps"] == cpu_profile["inr_rec_warmup_steps"]
    assert max(warm["relative_error"].values()) < 0.15, warm["relative_error"]
