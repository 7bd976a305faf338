"""The engine on the committed cpu-profile models and real fixture images (not random weights)."""
from pathlib import Path

import pytest
import torch

from neumeta.training.base_models import INPUT_SHAPES, base_checkpoint_path
from neumeta.store.checkpoints import load_checkpoint
from neumeta.data import get_dataset
from neumeta.method.engine import TargetNetwork
from neumeta.method.experiment import SPECS, build_inr
from neumeta.method.folding import fuse_bn
from neumeta.method.training import fit_reconstruction
from neumeta.metrics import evaluate_accuracy
from neumeta.models import build_model
from neumeta.method.permute import permute_model
from neumeta.store.profiles import load_profile
from neumeta.method.targets import permuted_target

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
    state, _ = permute_model(folded, torch.zeros(1, *INPUT_SHAPES[dataset]), "shp", runs=2)
    permuted = fuse_bn(build_model(arch))
    permuted.load_state_dict(state)
    x = _images(dataset, fixtures_root)
    with torch.no_grad():
        # float64: the permutation is exact, so nothing but rounding may differ
        diff64 = (folded.double()(x.double()) - permuted.eval().double()(x.double())).abs().max().item()
        diff32 = (folded.float()(x) - permuted.float()(x)).abs().max().item()
    assert diff64 < 1e-5 and diff32 < 1e-4, (diff64, diff32)


def test_reconstruction_alone_reproduces_the_permuted_block(cpu_profile, fixtures_root):
    """Full-width round trip: the INR fitted to the permuted block (no data) keeps the accuracy."""
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
